"""How every JSON response body is encoded: orjson, the one place that turns values into bytes.

A page of 100 shows cost more to encode with the standard library (and 100 `isoformat` calls)
than to read from the database; orjson does both in C, instants as RFC 3339 text, the same
text `datetime.isoformat()` gives for the aware UTC values the domain holds.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import falcon
import orjson
from falcon import media


def dumps(value: Any) -> bytes:
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:
        # What orjson refuses and JSON allows (an integer beyond 64 bits echoed back, a lone
        # surrogate): the standard library writes it, escaped, rather than a 500.
        return json.dumps(value, default=_instant).encode()


def _instant(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def install(app: falcon.App[falcon.Request, falcon.Response]) -> None:
    # Request bodies are parsed by body.py, which also refuses NaN and Infinity.
    handler = media.JSONHandler(dumps=dumps)
    app.resp_options.media_handlers[falcon.MEDIA_JSON] = handler
