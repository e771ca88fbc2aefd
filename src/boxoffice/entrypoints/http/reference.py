"""GET /docs: Swagger UI over /openapi.json, served from files installed with boxoffice.

The page is a reader of the API, not a part of it, so it is not a declared operation and is
not in the OpenAPI document. Swagger UI's files come from the swagger-ui-py package (Apache
2.0); only the few the page loads are served, and nothing is fetched from another host, so
the page works on a machine with no internet.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

import falcon

ROUTE = "/docs"
ASSET_ROUTE = "/docs/{name}"

# Relative URLs, so the page also works behind a proxy that mounts the service under a prefix:
# from /docs, "docs/x" is /docs/x and "openapi.json" is /openapi.json.
PAGE = b"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>boxoffice API reference</title>
<link rel="stylesheet" href="docs/swagger-ui.css">
<link rel="icon" type="image/png" href="docs/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/swagger-ui-bundle.js"></script>
<script src="docs/boxoffice-docs.js"></script>
</body>
</html>
"""

# A file of its own rather than an inline script, so the page's policy allows only 'self'.
# persistAuthorization keeps the pasted token across reloads (in the browser's localStorage);
# validatorUrl: null stops Swagger UI from sending the document to an outside validator.
STARTER = b"""window.ui = SwaggerUIBundle({
  url: "openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  persistAuthorization: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
});
"""

# Swagger UI draws some icons from data: URLs; everything else it needs is served from here.
POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)

_SCRIPT = "text/javascript; charset=utf-8"
# The files the page loads, by name, with their types; any other name is a 404.
_VENDORED = {
    "swagger-ui.css": "text/css; charset=utf-8",
    "swagger-ui-bundle.js": _SCRIPT,
    "favicon-32x32.png": "image/png",
}
ASSETS = {**_VENDORED, "boxoffice-docs.js": _SCRIPT}

# The assets may be cached for a while; the page itself is revalidated, so an upgrade shows.
_ASSET_CACHING = "public, max-age=3600"


class Page:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = falcon.MEDIA_HTML
        resp.data = PAGE
        resp.set_header("Content-Security-Policy", POLICY)
        resp.set_header("Cache-Control", "no-cache")


class Asset:
    def on_get(self, req: falcon.Request, resp: falcon.Response, name: str) -> None:
        content_type = ASSETS.get(name)
        if content_type is None:
            raise falcon.HTTPNotFound()
        resp.content_type = content_type
        resp.data = STARTER if name == "boxoffice-docs.js" else _vendored(name)
        resp.set_header("Cache-Control", _ASSET_CACHING)


def install(app: falcon.App[falcon.Request, falcon.Response]) -> None:
    app.add_route(ROUTE, Page())
    app.add_route(ASSET_ROUTE, Asset())


@functools.cache
def _vendored(name: str) -> bytes:
    # Read once per process, on first use: an app that never serves the page never reads them.
    return (_swagger_ui_files() / name).read_bytes()


def _swagger_ui_files() -> Path:
    # Found without importing swagger_ui, whose own code (handlers for other frameworks) the
    # page does not need.
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("Swagger UI's files are missing: reinstall boxoffice")
    return Path(next(iter(spec.submodule_search_locations))) / "static"
