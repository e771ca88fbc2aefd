"""Path and query parameters: text to the values the domain expects, or a ValidationError."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import falcon

from boxoffice.domain.errors import ValidationError

# More digits than any id can have; refusing earlier keeps int() off pathological input.
_MAX_DIGITS = 20


def integer(field: str, text: str) -> int:
    """A decimal integer as text; the domain checks the range."""
    if not (text.isascii() and text.isdigit()):
        raise ValidationError(field, "must be a non-negative integer")
    if len(text) > _MAX_DIGITS:
        raise ValidationError(field, "is out of range")
    return int(text)


def only_known_queries(req: falcon.Request, known: frozenset[str]) -> None:
    """Refuse parameters we do not read: a misspelt ?movieid= must not list every show."""
    for name in sorted(set(req.params) - known):
        raise ValidationError(name, "is not a known query parameter")


def query_integer(req: falcon.Request, name: str) -> int | None:
    text = req.get_param(name)
    return None if text is None else integer(name, text)


def timing(value: Any) -> Any:
    """An ISO 8601 string as a datetime; a naive one is left for the domain to refuse."""
    if not isinstance(value, str):
        raise ValidationError("timing", "must be an ISO 8601 date-time string")
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError("timing", "must be an ISO 8601 date-time with a timezone") from None
