"""Small edges: a trailing slash, limit messages that say their bounds, one encoding for every
error body, and the package's version in the document."""

from __future__ import annotations

import json
from importlib.metadata import version

import pytest

from boxoffice.entrypoints.http.shapes import MAX_ID
from tests.http.conftest import Api


@pytest.mark.parametrize("path", ["/movies", "/shows"])
def test_a_trailing_slash_is_the_same_list(api: Api, owner: str, path: str) -> None:
    api.add_movie(owner)

    with_slash = api.call("GET", f"{path}/")

    assert with_slash.status_code == 200
    assert with_slash.json == api.call("GET", path).json


def test_a_trailing_slash_after_an_id_is_the_same_resource(api: Api, owner: str) -> None:
    movie = api.add_movie(owner)

    assert api.call("GET", f"/movies/{movie['id']}/").json == movie


@pytest.mark.parametrize("text", ["0", "501", "x", "-1", "1.5", "9" * 30])
def test_every_refused_limit_is_told_the_bounds(api: Api, text: str) -> None:
    result = api.call("GET", "/movies", params={"limit": text})

    assert result.status_code == 400
    assert result.json["description"] == "limit: must be between 1 and 500"


@pytest.mark.parametrize("text", ["x", "-1", "9" * 30])
def test_a_refused_cursor_is_told_its_bounds(api: Api, text: str) -> None:
    result = api.call("GET", "/movies", params={"after": text})

    assert result.json["description"] == f"after: must be between 0 and {MAX_ID}"


@pytest.mark.parametrize("text", ["x", "0", "-1", "9" * 30])
def test_a_refused_path_id_is_told_its_bounds(api: Api, text: str) -> None:
    result = api.call("GET", f"/movies/{text}")

    assert result.status_code == 400
    assert result.json["description"] == f"movie_id: must be between 1 and {MAX_ID}"


def test_every_error_body_is_encoded_the_same_way(api: Api) -> None:
    answers = [
        api.call("GET", "/nowhere"),  # Falcon's 404
        api.call("DELETE", "/movies"),  # Falcon's 405
        api.call("POST", "/signup", body="{", headers={"Content-Type": "application/json"}),
        api.call("POST", "/movies", json={}),  # a domain error: 401
        api.call("GET", "/movies/7"),  # a domain error: 404
        api.call("GET", "/movies", params={"limit": "0"}),  # a validation error: 400
    ]

    assert [a.status_code for a in answers] == [404, 405, 400, 401, 404, 400]
    for answer in answers:
        assert answer.headers["Content-Type"] == "application/json"
        assert answer.content == json.dumps(answer.json, separators=(",", ":")).encode()
        assert list(answer.json) == ["title", "description"]


def test_the_document_carries_the_package_version(api: Api) -> None:
    document = api.call("GET", "/openapi.json").json

    assert document["info"]["version"] == version("boxoffice")
