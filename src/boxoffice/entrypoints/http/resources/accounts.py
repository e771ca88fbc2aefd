"""Sign-up and log-in."""

from __future__ import annotations

import falcon

from boxoffice.domain.service import Boxoffice
from boxoffice.entrypoints.http import representations
from boxoffice.entrypoints.http.body import json_object, required


class SignupResource:
    def __init__(self, boxoffice: Boxoffice) -> None:
        self._boxoffice = boxoffice

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        body = json_object(req)
        # Only these fields are read: a client cannot choose its id or anything else.
        user = self._boxoffice.sign_up(
            name=required(body, "name"),
            email=required(body, "email"),
            password=required(body, "password"),
            role=required(body, "role"),
            # For the audit trail: where the sign-up came from.
            client=req.remote_addr,
        )
        resp.status = falcon.HTTP_201
        resp.media = representations.user(user)


class LoginResource:
    def __init__(self, boxoffice: Boxoffice, token_ttl_seconds: int) -> None:
        self._boxoffice = boxoffice
        self._token_ttl_seconds = token_ttl_seconds

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        body = json_object(req)
        token = self._boxoffice.log_in(
            email=required(body, "email"),
            password=required(body, "password"),
            # The peer's address. Behind a reverse proxy every client shares the proxy's
            # address; its own limit is then the per-account one.
            client=req.remote_addr,
        )
        # RFC 6749 5.1: responses carrying tokens must not be cached.
        resp.set_header("Cache-Control", "no-store")
        resp.media = {
            "access_token": token,
            # bandit takes the token scheme for a password.
            "token_type": "Bearer",  # nosec B105
            "expires_in": self._token_ttl_seconds,
        }
