"""Sign-up and log-in."""

from __future__ import annotations

from boxoffice.domain.service import Boxoffice
from boxoffice.entrypoints.http import shapes
from boxoffice.entrypoints.http.endpoints import Call


class Accounts:
    def __init__(self, boxoffice: Boxoffice, token_ttl_seconds: int) -> None:
        self._boxoffice = boxoffice
        # What log-in reports as expires_in; it matches the token service's.
        self._token_ttl_seconds = token_ttl_seconds

    def sign_up(self, call: Call[shapes.SignupRequest, None]) -> shapes.User:
        body = call.body
        user = self._boxoffice.sign_up(
            name=body.name,
            email=body.email,
            password=body.password,
            role=body.role,
            # For the audit trail: where the sign-up came from.
            client=call.client,
        )
        return shapes.User.of(user)

    def log_in(self, call: Call[shapes.LoginRequest, None]) -> shapes.Token:
        # The client's own limit is the per-account one behind a proxy all clients share.
        token = self._boxoffice.log_in(
            email=call.body.email, password=call.body.password, client=call.client
        )
        # bandit takes the token scheme for a password.
        return shapes.Token(token, "Bearer", self._token_ttl_seconds)  # nosec B106
