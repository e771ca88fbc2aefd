"""Headers every response carries, so browsers and caches do no harm with our answers."""

from __future__ import annotations

from typing import Any

import falcon


class SecurityHeaders:
    def process_response(
        self, req: falcon.Request, resp: falcon.Response, resource: Any, req_succeeded: bool
    ) -> None:
        # A JSON answer must never be sniffed into something a browser would run.
        resp.set_header("X-Content-Type-Options", "nosniff")
        if req.get_header("Authorization") is not None:
            # One person's bookings must not sit in a shared cache for the next one.
            resp.set_header("Cache-Control", "no-store")
