"""Cinemas and screens over HTTP: owners add and edit their own, anyone reads them."""

from __future__ import annotations

from typing import Any

import pytest

from tests.http.conftest import Api

LAYOUT = {
    "rows": [{"label": "E", "seats": 12}, {"label": "F", "seats": 6}],
    "blocked": ["F6"],
    "zones": {"premium": ["E1-E12", "F3"], "vip": ["F1-F2"]},
}


def add_cinema(api: Api, token: str, **fields: Any) -> dict[str, Any]:
    body = {"name": "Odeon", "time_zone": "Europe/Berlin", "currency": "EUR", **fields}
    result = api.call("POST", "/cinemas", json=body, token=token)
    assert result.status_code == 201, result.text
    cinema: dict[str, Any] = result.json
    return cinema


def add_screen(
    api: Api, token: str, cinema_id: int, layout: dict[str, Any] = LAYOUT
) -> dict[str, Any]:
    body = {"name": "Saal 1", "layout": layout}
    result = api.call("POST", f"/cinemas/{cinema_id}/screens", json=body, token=token)
    assert result.status_code == 201, result.text
    screen: dict[str, Any] = result.json
    return screen


def test_an_owner_adds_a_cinema_and_anyone_reads_it(api: Api, owner: str) -> None:
    body = {"name": "Odeon", "time_zone": "Europe/Berlin", "currency": "EUR"}
    result = api.call("POST", "/cinemas", json=body, token=owner)

    assert result.status_code == 201
    cinema = result.json
    assert cinema == {
        "id": 1,
        "owner_id": 1,
        "name": "Odeon",
        "time_zone": "Europe/Berlin",
        "gap_minutes": 15,
        "currency": "EUR",
        "cancel_until_minutes": 0,
        "cancel_fee": 0,
    }
    assert result.headers["Location"] == "/cinemas/1"
    assert api.call("GET", "/cinemas/1").json == cinema
    assert api.call("GET", "/cinemas").json == [cinema]


def test_a_cinema_takes_its_cleaning_gap(api: Api, owner: str) -> None:
    assert add_cinema(api, owner, gap_minutes=0)["gap_minutes"] == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "Odeon", "time_zone": "Mars/Olympus", "currency": "EUR"}, "time_zone"),
        (
            {"name": "Odeon", "time_zone": "Europe/Berlin", "currency": "EUR", "gap_minutes": 241},
            "gap_minutes",
        ),
        ({"name": "", "time_zone": "Europe/Berlin", "currency": "EUR"}, "name"),
        ({"name": "Odeon", "currency": "EUR"}, "time_zone"),
        ({"name": "Odeon", "time_zone": "Europe/Berlin"}, "currency"),
        ({"name": "Odeon", "time_zone": "Europe/Berlin", "currency": "XYZ"}, "currency"),
        ({"name": "Odeon", "time_zone": "Europe/Berlin", "currency": "eur"}, "currency"),
        (
            {"name": "Odeon", "time_zone": "Europe/Berlin", "currency": "EUR", "cancel_fee": -1},
            "cancel_fee",
        ),
    ],
)
def test_a_bad_cinema_is_refused_by_field(
    api: Api, owner: str, body: dict[str, Any], field: str
) -> None:
    result = api.call("POST", "/cinemas", json=body, token=owner)

    assert result.status_code == 400
    assert result.json["description"].startswith(f"{field}: ")


def test_a_user_may_not_add_a_cinema(api: Api, user: str) -> None:
    body = {"name": "Odeon", "time_zone": "Europe/Berlin", "currency": "EUR"}
    assert api.call("POST", "/cinemas", json=body, token=user).status_code == 403
    assert api.call("POST", "/cinemas", json=body).status_code == 401


def test_cinemas_are_paged(api: Api, owner: str) -> None:
    for n in range(3):
        add_cinema(api, owner, name=f"Cinema {n}")

    result = api.call("GET", "/cinemas", params={"limit": 2})

    assert [c["id"] for c in result.json] == [1, 2]
    assert result.headers["Link"] == '</cinemas?limit=2&after=2>; rel="next"'


def test_an_owner_adds_a_screen_with_zones_and_anyone_reads_it(api: Api, owner: str) -> None:
    cinema = add_cinema(api, owner)

    result = api.call(
        "POST",
        f"/cinemas/{cinema['id']}/screens",
        json={"name": "Saal 1", "layout": LAYOUT},
        token=owner,
    )

    assert result.status_code == 201, result.text
    screen = result.json
    assert screen == {
        "id": 1,
        "cinema_id": cinema["id"],
        "name": "Saal 1",
        "layout": LAYOUT,
        "capacity": 17,
    }
    assert result.headers["Location"] == "/screens/1"
    assert api.call("GET", "/screens/1").json == screen
    assert api.call("GET", f"/cinemas/{cinema['id']}/screens").json == [screen]


def test_a_layout_comes_back_as_runs_that_build_the_same_map(api: Api, owner: str) -> None:
    cinema = add_cinema(api, owner)
    layout = {**LAYOUT, "zones": {"premium": ["F3", "e2", "E3-4", "E5", "E9-E9"]}}

    screen = add_screen(api, owner, cinema["id"], layout)

    assert screen["layout"]["zones"] == {"premium": ["E2-E5", "E9", "F3"]}
    again = add_screen(api, owner, cinema["id"], screen["layout"])
    assert again["layout"] == screen["layout"]


def test_a_layout_without_zones_says_so(api: Api, owner: str) -> None:
    cinema = add_cinema(api, owner)
    layout = {"rows": [{"label": "A", "seats": 4}]}

    assert add_screen(api, owner, cinema["id"], layout)["layout"] == {
        **layout,
        "blocked": [],
        "zones": {},
    }


@pytest.mark.parametrize(
    ("zones", "field"),
    [
        ({"premium": ["E1-E3"], "vip": ["E3"]}, "layout.zones"),
        ({"premium": ["G1"]}, "layout.zones.premium"),
        ({"premium": ["E5-E2"]}, "layout.zones.premium"),
        ({"premium": ["E1-F2"]}, "layout.zones.premium"),
        ({"Premium!": ["E1"]}, "layout.zones"),
        ({"premium": []}, "layout.zones.premium"),
    ],
)
def test_bad_zones_are_refused_naming_the_layout(
    api: Api, owner: str, zones: dict[str, Any], field: str
) -> None:
    cinema = add_cinema(api, owner)
    body = {"name": "Saal", "layout": {**LAYOUT, "zones": zones}}

    result = api.call("POST", f"/cinemas/{cinema['id']}/screens", json=body, token=owner)

    assert result.status_code == 400
    assert result.json["description"].startswith(f"{field}: "), result.json


def test_another_owners_cinema_and_screen_are_not_found_for_writing(api: Api, owner: str) -> None:
    cinema = add_cinema(api, owner)
    screen = add_screen(api, owner, cinema["id"])
    rival = api.account("rival@example.com", "owner")

    added = api.call(
        "POST",
        f"/cinemas/{cinema['id']}/screens",
        json={"name": "Mine", "layout": LAYOUT},
        token=rival,
    )
    renamed = api.call("PATCH", f"/screens/{screen['id']}", json={"name": "X"}, token=rival)

    assert (added.status_code, renamed.status_code) == (404, 404)
    assert api.call("GET", f"/screens/{screen['id']}").json == screen


def test_an_owner_renames_a_screen_and_changes_its_layout(api: Api, owner: str) -> None:
    cinema = add_cinema(api, owner)
    screen = add_screen(api, owner, cinema["id"])
    layout = {"rows": [{"label": "A", "seats": 3}], "blocked": [], "zones": {"vip": ["A2"]}}

    renamed = api.call("PATCH", f"/screens/{screen['id']}", json={"name": "Saal 2"}, token=owner)
    relaid = api.call("PATCH", f"/screens/{screen['id']}", json={"layout": layout}, token=owner)

    assert renamed.status_code == 200
    assert renamed.json == {**screen, "name": "Saal 2"}
    assert relaid.json == {**screen, "name": "Saal 2", "layout": layout, "capacity": 3}
    assert api.call("GET", f"/screens/{screen['id']}").json == relaid.json


def test_a_patch_must_change_something(api: Api, owner: str) -> None:
    cinema = add_cinema(api, owner)
    screen = add_screen(api, owner, cinema["id"])

    result = api.call("PATCH", f"/screens/{screen['id']}", json={}, token=owner)

    assert result.status_code == 400


def test_screens_of_an_unknown_cinema_are_not_found(api: Api) -> None:
    assert api.call("GET", "/cinemas/9/screens").status_code == 404
    assert api.call("GET", "/cinemas/9").status_code == 404
    assert api.call("GET", "/screens/9").status_code == 404


def test_a_show_on_a_screen_takes_its_layout_and_its_seats_their_zones(
    api: Api, owner: str
) -> None:
    cinema = add_cinema(api, owner)
    screen = add_screen(api, owner, cinema["id"])
    movie = api.add_movie(owner)

    result = api.call(
        "POST",
        "/shows",
        json={
            "movie_id": movie["id"],
            "timing": "2030-02-01T20:00:00+01:00",
            "screen_id": screen["id"],
        },
        token=owner,
    )

    assert result.status_code == 201, result.text
    show = result.json
    assert (show["screen_id"], show["cinema_id"], show["capacity"]) == (1, 1, 17)
    assert show["seat_map"] == LAYOUT
    seats = api.call("GET", f"/shows/{show['id']}/seats").json
    zones = {s["seat"]: s["zone"] for row in seats["rows"] for s in row["seats"]}
    assert (zones["E7"], zones["F3"], zones["F1"], zones["F4"]) == (
        "premium",
        "premium",
        "vip",
        "standard",
    )


def test_a_show_on_a_screen_takes_no_seat_map_of_its_own(api: Api, owner: str) -> None:
    cinema = add_cinema(api, owner)
    screen = add_screen(api, owner, cinema["id"])
    movie = api.add_movie(owner)
    body = {
        "movie_id": movie["id"],
        "timing": "2030-02-01T20:00:00+01:00",
        "screen_id": screen["id"],
        "available_seats": 10,
    }

    assert api.call("POST", "/shows", json=body, token=owner).status_code == 400


@pytest.mark.parametrize(
    "zones",
    [
        {"front": ["AA1-AA3", "AA5"], "back": ["AB1-AB6"]},
        {"aisle": ["AA1", "AB1", "AA6", "AB6"]},
        {"x": ["AA2-AA4"], "y": ["AA5-AA6", "AB2"], "z": ["AB3-AB5"]},
    ],
)
def test_any_layout_a_screen_answers_with_builds_the_same_screen(
    api: Api, owner: str, zones: dict[str, list[str]]
) -> None:
    cinema = add_cinema(api, owner)
    rows = [{"label": "AA", "seats": 6}, {"label": "AB", "seats": 6}]
    first = add_screen(api, owner, cinema["id"], {"rows": rows, "blocked": ["AA4"], "zones": zones})

    again = add_screen(api, owner, cinema["id"], first["layout"])

    assert again["layout"] == first["layout"]
    assert again["capacity"] == first["capacity"] == 11
    assert set(first["layout"]["zones"]) == set(zones)


def test_a_general_admission_hall_has_a_capacity_and_its_shows_no_seat_map(
    api: Api, owner: str, user: str
) -> None:
    cinema = add_cinema(api, owner)
    made = api.call(
        "POST",
        f"/cinemas/{cinema['id']}/screens",
        json={"name": "Lawn", "capacity": 300},
        token=owner,
    )
    assert made.status_code == 201, made.text
    hall = made.json
    movie = api.call(
        "POST", "/movies", json={"title": "Jaws", "genre": "thriller", "duration": 124}, token=owner
    ).json
    body = {"movie_id": movie["id"], "screen_id": hall["id"], "timing": "2030-02-01T20:00:00Z"}

    show = api.call("POST", "/shows", json=body, token=owner).json
    booked = api.call("POST", "/bookings", json={"show_id": show["id"], "num_seats": 4}, token=user)

    assert (hall["layout"], hall["capacity"]) == (None, 300)
    assert (show["seat_map"], show["capacity"], show["screen_id"]) == (None, 300, hall["id"])
    assert booked.status_code == 201, booked.text
    assert api.call("GET", f"/shows/{show['id']}").json["available_seats"] == 296
    assert api.call("GET", f"/shows/{show['id']}/seats").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "Nothing"}, "layout"),
        ({"name": "Both", "layout": LAYOUT, "capacity": 3}, "capacity"),
        ({"name": "Empty", "capacity": 0}, "capacity"),
    ],
)
def test_a_screen_is_seated_or_general_admission_by_what_it_is_given(
    api: Api, owner: str, body: dict[str, Any], field: str
) -> None:
    cinema = add_cinema(api, owner)

    result = api.call("POST", f"/cinemas/{cinema['id']}/screens", json=body, token=owner)

    assert result.status_code == 400, result.text
    assert field in result.json["description"]


def test_a_seated_screen_may_become_a_hall_for_shows_scheduled_afterwards(
    api: Api, owner: str
) -> None:
    cinema = add_cinema(api, owner)
    screen = add_screen(api, owner, cinema["id"])

    hall = api.call("PATCH", f"/screens/{screen['id']}", json={"capacity": 80}, token=owner)

    assert hall.status_code == 200, hall.text
    assert (hall.json["layout"], hall.json["capacity"]) == (None, 80)
