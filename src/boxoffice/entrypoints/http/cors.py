"""Cross-origin requests from the web sites the operator names (BOXOFFICE_CORS_ORIGINS), by
Falcon's CORS middleware, preflights included."""

from __future__ import annotations

from collections.abc import Sequence

import falcon
import falcon.asgi

# Response headers a page's script may read: where a new resource is, the next page, when to
# retry.
EXPOSED = ("Location", "Link", "Retry-After", "WWW-Authenticate")


# Falcon types its middleware by the ASGI request and response, which the WSGI ones work as.
class Cors(falcon.CORSMiddleware[falcon.asgi.Request, falcon.asgi.Response]):
    """Tokens travel in the Authorization header, not in cookies: no credentials mode."""

    def __init__(self, origins: Sequence[str]) -> None:
        super().__init__(
            allow_origins="*" if "*" in origins else list(origins), expose_headers=EXPOSED
        )
        self._named = "*" not in origins

    def process_response(
        self, req: falcon.Request, resp: falcon.Response, resource: object, req_succeeded: bool
    ) -> None:
        super().process_response(req, resp, resource, req_succeeded)
        if self._named:
            # The answer differs by Origin: a shared cache must not hand one site's to another.
            resp.append_header("Vary", "Origin")
