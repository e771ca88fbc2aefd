"""Movies and shows: owners add them, anyone reads them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import attrs
import orjson
import pytest

from boxoffice.domain.model import Show
from boxoffice.entrypoints.http import encoding, shapes
from tests.fakes import FakeClock
from tests.http.conftest import FUTURE, Api

MOVIE = {"title": "Alien", "genre": "sci-fi", "duration": 117}


def test_an_owner_adds_a_movie(api: Api, owner: str) -> None:
    result = api.call("POST", "/movies", json=MOVIE, token=owner)

    assert result.status_code == 201
    assert result.json == {"id": 1, **MOVIE, "owner_id": 1}
    assert result.headers["Location"] == "/movies/1"


def test_anyone_reads_movies(api: Api, owner: str) -> None:
    movie = api.add_movie(owner)

    assert api.call("GET", "/movies").json == [movie]
    assert api.call("GET", f"/movies/{movie['id']}").json == movie


def test_a_user_may_not_add_a_movie(api: Api, user: str) -> None:
    result = api.call("POST", "/movies", json=MOVIE, token=user)

    assert result.status_code == 403
    assert result.json["title"] == "Forbidden"
    assert "owner" in result.json["description"]


def test_adding_a_movie_needs_a_token(api: Api) -> None:
    result = api.call("POST", "/movies", json=MOVIE)

    assert result.status_code == 401
    assert result.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("duration", True),
        ("duration", "117"),
        ("duration", 11.5),
        ("duration", 0),
        ("duration", 24 * 60 + 1),
        ("title", ""),
        ("title", ["Alien"]),
        ("genre", None),
    ],
)
def test_invalid_movie_fields_are_rejected(api: Api, owner: str, field: str, value: Any) -> None:
    result = api.call("POST", "/movies", json={**MOVIE, field: value}, token=owner)

    assert result.status_code == 400
    assert result.json["description"].startswith(f"{field}: ")


def test_an_unknown_movie_is_not_found(api: Api) -> None:
    result = api.call("GET", "/movies/42")

    assert result.status_code == 404
    assert result.json == {"title": "Not Found", "description": "movie 42 not found"}


@pytest.mark.parametrize(
    "movie_id", ["abc", "0", "-1", "1.5", "1e3", "9" * 30, "9223372036854775808"]
)
def test_a_movie_id_that_is_not_a_positive_integer_is_bad_input(api: Api, movie_id: str) -> None:
    result = api.call("GET", f"/movies/{movie_id}")

    assert result.status_code == 400
    assert result.json["description"].startswith("movie_id: ")


def test_an_owner_adds_a_show(api: Api, owner: str) -> None:
    movie = api.add_movie(owner)

    result = api.call(
        "POST",
        "/shows",
        json={"movie_id": movie["id"], "timing": FUTURE, "available_seats": 20},
        token=owner,
    )

    assert result.status_code == 201
    assert result.json == {
        "id": 1,
        "movie_id": movie["id"],
        "owner_id": 1,
        "timing": FUTURE,
        "capacity": 20,
        "available_seats": 20,
        "seat_map": None,
        "status": "scheduled",
        "ends_at": "2030-02-01T21:57:00+00:00",
        "screen_id": None,
        "cinema_id": None,
        "currency": None,
        "prices": [],
    }
    assert result.headers["Location"] == "/shows/1"


def test_show_timing_keeps_its_offset(api: Api, owner: str) -> None:
    movie = api.add_movie(owner)

    show = api.add_show(owner, movie["id"], timing="2030-02-01T21:30:00+02:00")

    assert show["timing"] == "2030-02-01T21:30:00+02:00"


def test_a_user_may_not_add_a_show(api: Api, owner: str, user: str) -> None:
    movie = api.add_movie(owner)

    result = api.call(
        "POST",
        "/shows",
        json={"movie_id": movie["id"], "timing": FUTURE, "available_seats": 20},
        token=user,
    )

    assert result.status_code == 403


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("timing", "2030-02-01T20:00:00", "timing: must include a timezone"),
        ("timing", "next tuesday", "timing: must be an ISO 8601 date-time with a timezone"),
        ("timing", 1_900_000_000, "timing: must be a string"),
        ("timing", "2029-12-31T20:00:00+00:00", "timing: must be in the future"),
        ("timing", "9999-12-31T23:30:00-01:00", "timing: is outside the calendar in UTC"),
        ("available_seats", True, "available_seats: must be an integer"),
        ("available_seats", "20", "available_seats: must be an integer"),
        ("available_seats", 0, "available_seats: must be between 1 and 100000"),
        ("movie_id", "1", "movie_id: must be an integer"),
        ("movie_id", False, "movie_id: must be an integer"),
    ],
)
def test_invalid_show_fields_are_rejected(
    api: Api, owner: str, field: str, value: Any, message: str
) -> None:
    movie = api.add_movie(owner)
    body = {"movie_id": movie["id"], "timing": FUTURE, "available_seats": 20, field: value}

    result = api.call("POST", "/shows", json=body, token=owner)

    assert result.status_code == 400
    assert result.json["description"] == message


def test_a_show_of_an_unknown_movie_is_not_found(api: Api, owner: str) -> None:
    result = api.call(
        "POST",
        "/shows",
        json={"movie_id": 7, "timing": FUTURE, "available_seats": 20},
        token=owner,
    )

    assert result.status_code == 404


@pytest.mark.parametrize("field", ["movie_id", "timing", "available_seats"])
def test_a_show_names_its_missing_field(api: Api, owner: str, field: str) -> None:
    body = {"movie_id": 1, "timing": FUTURE, "available_seats": 20}
    del body[field]

    result = api.call("POST", "/shows", json=body, token=owner)

    assert result.status_code == 400
    assert result.json["description"] == f"{field}: is required"


def test_shows_filter_by_movie(api: Api, owner: str) -> None:
    alien, brazil = api.add_movie(owner, "Alien"), api.add_movie(owner, "Brazil")
    first = api.add_show(owner, alien["id"])
    second = api.add_show(owner, brazil["id"])

    assert api.call("GET", "/shows").json == [first, second]
    assert api.call("GET", "/shows", params={"movie_id": brazil["id"]}).json == [second]
    assert api.call("GET", f"/shows/{first['id']}").json == first


def test_a_listing_shows_each_show_as_it_is_now(api: Api, owner: str, user: str) -> None:
    # Listed shows' JSON is kept per distinct show (encoding.show).
    movie = api.add_movie(owner)
    show = api.add_show(owner, movie["id"], seats=20)
    assert api.call("GET", "/shows").json == api.call("GET", "/shows").json == [show]

    assert api.book(user, show["id"], seats=3).status_code == 201

    assert api.call("GET", "/shows").json == [{**show, "available_seats": 17}]


def test_equal_instants_are_listed_at_their_own_offsets() -> None:
    start = datetime(2030, 2, 1, 19, 30, tzinfo=UTC)
    at_home = Show(1, 1, 1, start, start + timedelta(minutes=117), 20, 20)
    berlin = timezone(timedelta(hours=2))
    in_berlin = attrs.evolve(
        at_home, timing=start.astimezone(berlin), ends_at=at_home.ends_at.astimezone(berlin)
    )
    assert at_home == in_berlin

    written = [
        orjson.loads(encoding.show(shapes.Show.of(s)))["timing"] for s in (at_home, in_berlin)
    ]

    assert written == ["2030-02-01T19:30:00+00:00", "2030-02-01T21:30:00+02:00"]


@pytest.mark.parametrize("movie_id", ["abc", "0", "-3"])
def test_a_bad_movie_filter_is_bad_input(api: Api, movie_id: str) -> None:
    result = api.call("GET", "/shows", params={"movie_id": movie_id})

    assert result.status_code == 400


def test_an_unknown_show_is_not_found(api: Api) -> None:
    assert api.call("GET", "/shows/5").status_code == 404
    assert api.call("GET", "/shows/x").status_code == 400


def test_the_clock_decides_what_is_in_the_future(api: Api, owner: str, clock: FakeClock) -> None:
    movie = api.add_movie(owner)
    clock.advance(days=60)

    result = api.call(
        "POST",
        "/shows",
        json={"movie_id": movie["id"], "timing": FUTURE, "available_seats": 5},
        token=owner,
    )

    assert result.status_code == 400
