"""GET /docs: the API reference page and its files, all served by the app itself.

The page must work with no internet, so it names no other host, and every file it loads is
served here with the type a browser needs to use it under the page's nosniff and policy.
"""

from __future__ import annotations

import re

import pytest

from boxoffice.entrypoints.http import reference
from tests.http.conftest import Api

# src and href attributes of the page: what a browser loads with it.
_LOADED = re.compile(rb'(?:src|href)="([^"]+)"')


def test_the_page_is_html_that_reads_the_openapi_document(api: Api) -> None:
    page = api.call("GET", "/docs")

    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert b"swagger-ui-bundle.js" in page.content
    starter = api.call("GET", "/docs/boxoffice-docs.js")
    assert b'url: "openapi.json"' in starter.content
    # Relative to /docs, the document the page asks for is the one the API serves.
    assert api.call("GET", "/openapi.json").status_code == 200


def test_the_page_keeps_a_pasted_token_for_secured_calls(api: Api) -> None:
    starter = api.call("GET", "/docs/boxoffice-docs.js").content
    assert b"persistAuthorization: true" in starter
    # The token pasted under Authorize is sent as this scheme on the secured operations.
    schemes = api.call("GET", "/openapi.json").json["components"]["securitySchemes"]
    assert schemes["bearer"] == {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("swagger-ui.css", "text/css"),
        ("swagger-ui-bundle.js", "text/javascript"),
        ("boxoffice-docs.js", "text/javascript"),
        ("favicon-32x32.png", "image/png"),
    ],
)
def test_each_asset_is_served_with_its_type(api: Api, name: str, content_type: str) -> None:
    asset = api.call("GET", f"/docs/{name}")

    assert asset.status_code == 200
    assert asset.headers["Content-Type"].split(";")[0] == content_type
    assert len(asset.content) > 100


def test_every_file_the_page_loads_is_served_here(api: Api) -> None:
    loaded = _LOADED.findall(api.call("GET", "/docs").content)

    assert loaded, "the page loads nothing"
    for url in loaded:
        # Relative to /docs: "docs/x" is /docs/x. Nothing from another host.
        assert not re.match(rb"[a-z]+:|//", url), url
        assert api.call("GET", "/" + url.decode()).status_code == 200, url


def test_the_page_names_no_other_host(api: Api) -> None:
    for path in ("/docs", "/docs/boxoffice-docs.js"):
        assert not re.search(rb"https?://", api.call("GET", path).content), path


def test_the_page_allows_only_its_own_scripts_and_connections(api: Api) -> None:
    policy = api.call("GET", "/docs").headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))

    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["connect-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert policy == reference.POLICY


def test_the_api_keeps_its_own_headers(api: Api) -> None:
    # The page's looser policy is the page's alone.
    assert api.call("GET", "/shows").headers.get("Content-Security-Policy") != reference.POLICY
    assert api.call("GET", "/docs").headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("name", ["index.html", "swagger-editor.js", "..%2Fcore.py", "LICENSE"])
def test_other_names_under_docs_are_not_found(api: Api, name: str) -> None:
    result = api.call("GET", f"/docs/{name}")

    assert result.status_code == 404
    assert result.json["title"]
