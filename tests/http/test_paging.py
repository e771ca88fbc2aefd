"""Lists: ?limit=, keyset ?after=, and a Link rel="next" header while more remain."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.http.conftest import Api

NEXT = re.compile(r'^<(?P<target>[^>]+)>; rel="next"$')


def next_link(headers: Any) -> str | None:
    link = headers.get("Link")
    if link is None:
        return None
    match = NEXT.match(link)
    assert match, link
    return match["target"]


def test_a_short_list_has_no_next_link(api: Api, owner: str) -> None:
    api.add_movie(owner)

    result = api.call("GET", "/movies")

    assert result.status_code == 200
    assert len(result.json) == 1
    assert "Link" not in result.headers


def test_following_next_links_visits_every_item_once(api: Api, owner: str) -> None:
    titles = [f"Movie {n}" for n in range(7)]
    for title in titles:
        api.add_movie(owner, title)

    seen, pages, target = [], 0, "/movies?limit=3"
    while target is not None:
        path, _, query = target.partition("?")
        result = api.call("GET", path, query_string=query)
        seen += [movie["title"] for movie in result.json]
        pages += 1
        target = next_link(result.headers)

    assert seen == titles
    assert pages == 3


def test_the_next_link_keeps_the_limit_and_the_filter(api: Api, owner: str) -> None:
    alien, brazil = api.add_movie(owner, "Alien"), api.add_movie(owner, "Brazil")
    for _ in range(3):
        api.add_show(owner, alien["id"])
        api.add_show(owner, brazil["id"])

    result = api.call("GET", "/shows", params={"movie_id": brazil["id"], "limit": 2})

    assert [s["movie_id"] for s in result.json] == [brazil["id"]] * 2
    assert next_link(result.headers) == f"/shows?movie_id={brazil['id']}&limit=2&after=4"


def test_after_is_a_keyset_cursor(api: Api, owner: str) -> None:
    for title in "ABCD":
        api.add_movie(owner, title)

    result = api.call("GET", "/movies", params={"after": 2})

    assert [m["id"] for m in result.json] == [3, 4]


def test_bookings_are_paged_too(api: Api, user: str, show: dict[str, Any]) -> None:
    for _ in range(3):
        api.book(user, show["id"], seats=1)

    result = api.call("GET", "/bookings", params={"limit": 2}, token=user)

    assert len(result.json) == 2
    assert next_link(result.headers) == "/bookings?limit=2&after=2"


def test_the_default_page_is_a_hundred(api: Api, owner: str) -> None:
    for n in range(101):
        api.add_movie(owner, f"M{n}")

    result = api.call("GET", "/movies")

    assert len(result.json) == 100
    assert next_link(result.headers) == "/movies?after=100"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("limit=abc", "limit"),
        ("limit=-1", "limit"),
        ("limit=", "limit"),
        ("after=-5", "after"),
        ("after=1.5", "after"),
        ("after=" + "9" * 25, "after"),
    ],
)
@pytest.mark.parametrize("path", ["/movies", "/shows", "/bookings"])
def test_bad_paging_parameters_are_bad_input(
    api: Api, user: str, path: str, query: str, field: str
) -> None:
    result = api.call("GET", path, query_string=query, token=user)

    assert result.status_code == 400
    assert result.json["description"].startswith(f"{field}: ")


@pytest.mark.parametrize(
    ("path", "query"),
    [("/movies", "limt=5"), ("/shows", "movieid=1"), ("/bookings", "user_id=1")],
)
def test_an_unknown_query_parameter_is_bad_input(
    api: Api, user: str, path: str, query: str
) -> None:
    result = api.call("GET", path, query_string=query, token=user)

    assert result.status_code == 400
    assert result.json["description"].endswith("is not a known query parameter")
