"""The caller behind an `Authorization: Bearer <token>` header."""

from __future__ import annotations

import falcon

from boxoffice.domain.model import Actor
from boxoffice.domain.service import Boxoffice


def bearer_token(req: falcon.Request) -> str | None:
    header = req.get_header("Authorization")
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def caller(boxoffice: Boxoffice, req: falcon.Request) -> Actor:
    """The authenticated actor; the domain raises InvalidToken for a missing or bad token."""
    return boxoffice.authenticate(bearer_token(req) or "")
