"""Request bodies: a JSON object of at most 1 MiB, or a 4xx saying what is wrong."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import falcon

from boxoffice.domain.errors import ValidationError

MAX_BODY_BYTES = 1024 * 1024


def json_object(req: falcon.Request) -> Mapping[str, Any]:
    if not _is_json(req.content_type):
        raise falcon.HTTPUnsupportedMediaType(description="the body must be application/json")
    if req.content_length is not None and req.content_length > MAX_BODY_BYTES:
        raise _too_large()
    # Read one byte past the limit. Falcon's bounded_stream reads nothing of a body that
    # declares no length, so a chunked one is read from the stream, which the server ends.
    stream = req.stream if chunked_to_its_end(req.env) else req.bounded_stream
    raw = stream.read(MAX_BODY_BYTES + 1)
    if len(raw) > MAX_BODY_BYTES:
        raise _too_large()
    try:
        parsed = json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        # ValueError covers bad syntax, bad UTF-8 and integers too long to convert.
        raise falcon.HTTPBadRequest(description="the body is not valid JSON") from None
    if not isinstance(parsed, dict):
        raise falcon.HTTPBadRequest(description="the body must be a JSON object")
    return parsed


def chunked_to_its_end(environ: Mapping[str, Any]) -> bool:
    """A chunked body, and a server that ends the input with it (wsgi.input_terminated, as
    granian and gunicorn do): it can be read to its end without a declared length.
    """
    return (
        not environ.get("CONTENT_LENGTH")
        and "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        and bool(environ.get("wsgi.input_terminated", False))
    )


def required(body: Mapping[str, Any], field: str) -> Any:
    """The field's raw value; the domain judges its type and range. Fields nobody reads are
    never looked at, whatever they hold."""
    if field not in body:
        raise ValidationError(field, "is required")
    return body[field]


def optional(body: Mapping[str, Any], field: str) -> Any:
    """The field's raw value, or None when absent (JSON null means absent too)."""
    return body.get(field)


def _is_json(content_type: str | None) -> bool:
    if not content_type:
        return False
    media_type, _ = falcon.parse_header(content_type)
    media_type = media_type.strip().lower()
    return media_type == falcon.MEDIA_JSON or media_type.endswith("+json")


def _reject_constant(name: str) -> Any:
    # NaN and Infinity are not JSON, whatever Python's json module tolerates.
    raise ValueError(name)


def _too_large() -> falcon.HTTPError:
    return falcon.HTTPContentTooLarge(
        description=f"the body must be at most {MAX_BODY_BYTES} bytes"
    )
