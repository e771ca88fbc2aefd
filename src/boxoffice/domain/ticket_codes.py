"""Ticket codes, what the door scans: a booking draws one random key, 128 bits as URL-safe text
(22 characters), and its n-th ticket's code is that key, a dot and n (`"kP3...Qw.2"`).

A code is as unguessable as its key and never derived from an id; storage keeps a booking's key,
not a row a ticket, so selling a seat writes nothing but the booking. Codes issued before keys
existed are random codes of their own, without a dot, and stay valid as they are.
"""

from __future__ import annotations

import re
import secrets

KEY_BYTES = 16
_KEY_CHARS = 22
_DERIVED = re.compile(rf"([A-Za-z0-9_-]{{{_KEY_CHARS}}})\.([1-9][0-9]{{0,4}})")


def new_key() -> str:
    return secrets.token_urlsafe(KEY_BYTES)


def code_of(key: str, place: int) -> str:
    """The code of the ticket at `place` (from 0) of the booking whose key is `key`."""
    return f"{key}.{place + 1}"


def key_and_place(code: str) -> tuple[str, int] | None:
    """The booking key and place a code is made of; None for a code of another form."""
    match = _DERIVED.fullmatch(code)
    if match is None:
        return None
    return match[1], int(match[2]) - 1
