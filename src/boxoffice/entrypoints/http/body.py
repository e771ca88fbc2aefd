"""Request bodies: at most 1 MiB of application/json, read as bytes, or a 4xx saying why not.

What the bytes must hold is declared per operation (shapes.py) and decoded by decoding.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import falcon

MAX_BODY_BYTES = 1024 * 1024


def read(req: falcon.Request) -> bytes:
    if not _is_json(req.content_type):
        raise falcon.HTTPUnsupportedMediaType(description="the body must be application/json")
    if req.content_length is not None and req.content_length > MAX_BODY_BYTES:
        raise _too_large()
    # Read one byte past the limit. Falcon's bounded_stream reads nothing of a body that
    # declares no length, so a chunked one is read from the stream, which the server ends.
    stream = req.stream if chunked_to_its_end(req.env) else req.bounded_stream
    raw: bytes = stream.read(MAX_BODY_BYTES + 1)
    if len(raw) > MAX_BODY_BYTES:
        raise _too_large()
    return raw


def chunked_to_its_end(environ: Mapping[str, Any]) -> bool:
    """A chunked body, and a server that ends the input with it (wsgi.input_terminated, as
    granian and gunicorn do): it can be read to its end without a declared length.
    """
    return (
        not environ.get("CONTENT_LENGTH")
        and "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        and bool(environ.get("wsgi.input_terminated", False))
    )


def _is_json(content_type: str | None) -> bool:
    if not content_type:
        return False
    media_type, _ = falcon.parse_header(content_type)
    media_type = media_type.strip().lower()
    return media_type == falcon.MEDIA_JSON or media_type.endswith("+json")


def _too_large() -> falcon.HTTPError:
    return falcon.HTTPContentTooLarge(
        description=f"the body must be at most {MAX_BODY_BYTES} bytes"
    )
