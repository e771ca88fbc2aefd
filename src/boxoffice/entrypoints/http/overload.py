"""503 for a request the server marked as one too many (entrypoints/bulkhead.py).

Answered here, in the app, so it carries the same JSON error body and headers as every other.
"""

from __future__ import annotations

import falcon

# The WSGI environ key the bulkhead sets.
OVERLOADED = "boxoffice.overloaded"


class RefuseOverload:
    # Once routed, so the refusal is counted under its route (http/metrics.py).
    def process_resource(
        self, req: falcon.Request, resp: falcon.Response, resource: object, params: object
    ) -> None:
        if req.env.get(OVERLOADED):
            raise falcon.HTTPServiceUnavailable(
                description="too many log-ins and sign-ups are in progress; try again shortly",
                retry_after=1,
            )
