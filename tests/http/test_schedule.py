"""Scheduling over HTTP: series in local time, moves, resizes, cancellations, movie changes,
the conflicts that refuse them, and GET /shows by place and time."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

import pytest

from tests.http.conftest import Api
from tests.http.test_cinemas import add_cinema, add_screen
from tests.http.test_paging import next_link

GA_LAYOUT = {"rows": [{"label": "A", "seats": 10}]}


@pytest.fixture
def screen(api: Api, owner: str) -> dict[str, Any]:
    cinema = add_cinema(api, owner)
    return add_screen(api, owner, cinema["id"], GA_LAYOUT)


@pytest.fixture
def movie(api: Api, owner: str) -> dict[str, Any]:
    # 117 minutes; with the 15-minute gap a show keeps its screen for 132.
    return api.add_movie(owner)


def on_screen(api: Api, token: str, movie_id: int, screen_id: int, timing: str) -> Any:
    body = {"movie_id": movie_id, "timing": timing, "screen_id": screen_id}
    return api.call("POST", "/shows", json=body, token=token)


def series(api: Api, token: str, **fields: Any) -> Any:
    return api.call("POST", "/shows/series", json=fields, token=token)


def test_a_series_keeps_its_local_time_across_the_spring_change(
    api: Api, owner: str, screen: dict[str, Any], movie: dict[str, Any]
) -> None:
    result = series(
        api,
        owner,
        movie_id=movie["id"],
        screen_id=screen["id"],
        first_day="2030-03-30",
        last_day="2030-04-01",
        times=["14:00", "20:30"],
    )

    assert result.status_code == 201, result.text
    shows = result.json
    assert isinstance(shows, list)
    assert [show["timing"] for show in shows] == [
        "2030-03-30T13:00:00+00:00",
        "2030-03-30T19:30:00+00:00",
        "2030-03-31T12:00:00+00:00",
        "2030-03-31T18:30:00+00:00",
        "2030-04-01T12:00:00+00:00",
        "2030-04-01T18:30:00+00:00",
    ]
    assert {(s["screen_id"], s["cinema_id"], s["status"]) for s in shows} == {(1, 1, "scheduled")}
    assert "Location" not in result.headers


def test_a_series_across_the_autumn_change_shifts_its_instant_by_an_hour(
    api: Api, owner: str, screen: dict[str, Any], movie: dict[str, Any]
) -> None:
    result = series(
        api,
        owner,
        movie_id=movie["id"],
        screen_id=screen["id"],
        first_day="2030-10-26",
        last_day="2030-10-27",
        times=["20:30"],
    )

    assert [show["timing"] for show in result.json] == [
        "2030-10-26T18:30:00+00:00",
        "2030-10-27T19:30:00+00:00",
    ]


def test_a_series_takes_weekdays(
    api: Api, owner: str, screen: dict[str, Any], movie: dict[str, Any]
) -> None:
    # 2030-03-04 is a Monday.
    result = series(
        api,
        owner,
        movie_id=movie["id"],
        screen_id=screen["id"],
        first_day="2030-03-04",
        last_day="2030-03-17",
        times=["20:00"],
        weekdays=[6, 7],
    )

    assert [show["timing"][:10] for show in result.json] == [
        "2030-03-09",
        "2030-03-10",
        "2030-03-16",
        "2030-03-17",
    ]


def test_a_time_the_clocks_skip_is_refused_naming_the_day(
    api: Api, owner: str, screen: dict[str, Any], movie: dict[str, Any]
) -> None:
    result = series(
        api,
        owner,
        movie_id=movie["id"],
        screen_id=screen["id"],
        first_day="2030-03-30",
        last_day="2030-04-01",
        times=["02:30"],
    )

    assert result.status_code == 400
    assert "2030-03-31" in result.json["description"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("first_day", "2030-3-30"),
        ("first_day", "30.03.2030"),
        ("first_day", "20300330"),
        ("last_day", "2030-02-30"),
        ("times", ["8:00"]),
        ("times", ["20:30:00"]),
        ("times", ["24:00"]),
        ("times", []),
        ("weekdays", [0]),
        ("weekdays", [8]),
    ],
)
def test_bad_days_and_times_are_refused_by_field(
    api: Api, owner: str, screen: dict[str, Any], movie: dict[str, Any], field: str, value: Any
) -> None:
    body = {
        "movie_id": movie["id"],
        "screen_id": screen["id"],
        "first_day": "2030-03-01",
        "last_day": "2030-03-02",
        "times": ["20:00"],
        field: value,
    }

    result = series(api, owner, **body)

    assert result.status_code == 400
    assert result.json["description"].startswith(field), result.json


def test_more_than_a_thousand_shows_are_refused(
    api: Api, owner: str, screen: dict[str, Any], movie: dict[str, Any]
) -> None:
    result = series(
        api,
        owner,
        movie_id=movie["id"],
        screen_id=screen["id"],
        first_day="2030-02-01",
        last_day="2031-12-31",
        times=["10:00", "14:00"],
    )

    assert result.status_code == 400


def test_a_series_on_another_owners_screen_is_not_found(
    api: Api, screen: dict[str, Any], movie: dict[str, Any]
) -> None:
    rival = api.account("rival@example.com", "owner")

    result = series(
        api,
        rival,
        movie_id=movie["id"],
        screen_id=screen["id"],
        first_day="2030-03-01",
        last_day="2030-03-02",
        times=["20:00"],
    )

    assert result.status_code == 404


def test_a_show_in_the_way_is_named_for_a_single_show(
    api: Api, owner: str, screen: dict[str, Any], movie: dict[str, Any]
) -> None:
    first = on_screen(api, owner, movie["id"], screen["id"], "2030-02-01T19:00:00+00:00").json

    result = on_screen(api, owner, movie["id"], screen["id"], "2030-02-01T21:00:00+00:00")

    assert result.status_code == 409
    assert result.json == {
        "title": "Conflict",
        "description": f"the screen is taken at that time by show {first['id']}",
        "conflicts": [first["id"]],
    }
    # The screen is free again once the show and its cleaning gap are over.
    later = on_screen(api, owner, movie["id"], screen["id"], "2030-02-01T21:12:00+00:00")
    assert later.status_code == 201


def test_a_series_names_each_day_and_time_in_the_way(
    api: Api, owner: str, screen: dict[str, Any], movie: dict[str, Any]
) -> None:
    taken = on_screen(api, owner, movie["id"], screen["id"], "2030-03-30T20:30:00+01:00").json

    result = series(
        api,
        owner,
        movie_id=movie["id"],
        screen_id=screen["id"],
        first_day="2030-03-29",
        last_day="2030-03-31",
        times=["20:30"],
    )

    assert result.status_code == 409
    assert result.json["conflicts"] == [
        {"day": "2030-03-30", "time": "20:30", "show_id": taken["id"]}
    ]
    # All or none.
    assert [s["id"] for s in api.call("GET", "/shows").json] == [taken["id"]]


def test_a_longer_movie_names_its_show_and_the_one_in_the_way(
    api: Api, owner: str, screen: dict[str, Any], movie: dict[str, Any]
) -> None:
    first = on_screen(api, owner, movie["id"], screen["id"], "2030-02-01T19:00:00+00:00").json
    second = on_screen(api, owner, movie["id"], screen["id"], "2030-02-01T21:15:00+00:00").json

    result = api.call("PATCH", f"/movies/{movie['id']}", json={"duration": 130}, token=owner)

    assert result.status_code == 409
    assert result.json["conflicts"] == [{"show_id": first["id"], "in_the_way": second["id"]}]
    assert api.call("GET", f"/movies/{movie['id']}").json == movie


def test_an_owner_changes_a_movie_and_its_shows_follow(
    api: Api, owner: str, screen: dict[str, Any], movie: dict[str, Any]
) -> None:
    show = on_screen(api, owner, movie["id"], screen["id"], "2030-02-01T19:00:00+00:00").json

    result = api.call(
        "PATCH", f"/movies/{movie['id']}", json={"title": "Aliens", "duration": 137}, token=owner
    )

    assert result.status_code == 200
    assert result.json == {**movie, "title": "Aliens", "duration": 137}
    assert api.call("GET", f"/shows/{show['id']}").json["ends_at"] == "2030-02-01T21:17:00+00:00"


def test_only_the_owner_who_added_a_movie_changes_it(api: Api, movie: dict[str, Any]) -> None:
    rival = api.account("rival@example.com", "owner")
    user = api.account("someone@example.com")

    by_rival = api.call("PATCH", f"/movies/{movie['id']}", json={"title": "X"}, token=rival)
    by_user = api.call("PATCH", f"/movies/{movie['id']}", json={"title": "X"}, token=user)

    assert (by_rival.status_code, by_user.status_code) == (404, 403)


def test_moving_a_show_keeps_its_bookings(
    api: Api, owner: str, user: str, show: dict[str, Any]
) -> None:
    booking = api.book(user, show["id"], seats=3).json

    result = api.call(
        "PATCH", f"/shows/{show['id']}", json={"timing": "2030-02-02T18:00:00+01:00"}, token=owner
    )

    assert result.status_code == 200, result.text
    assert result.json["timing"] == "2030-02-02T18:00:00+01:00"
    assert result.json["ends_at"] == "2030-02-02T19:57:00+01:00"
    assert result.json["available_seats"] == 17
    assert api.call("GET", f"/bookings/{booking['id']}", token=user).json == booking


def test_a_move_onto_a_taken_window_names_the_show_in_the_way(
    api: Api, owner: str, screen: dict[str, Any], movie: dict[str, Any]
) -> None:
    first = on_screen(api, owner, movie["id"], screen["id"], "2030-02-01T19:00:00+00:00").json
    second = on_screen(api, owner, movie["id"], screen["id"], "2030-02-02T19:00:00+00:00").json

    result = api.call(
        "PATCH", f"/shows/{second['id']}", json={"timing": "2030-02-01T20:00:00Z"}, token=owner
    )

    assert result.status_code == 409
    assert result.json["conflicts"] == [first["id"]]


@pytest.mark.parametrize("timing", ["2030-02-02T18:00:00", "tomorrow", "2029-12-31T18:00:00Z"])
def test_a_move_needs_an_aware_future_timing(
    api: Api, owner: str, show: dict[str, Any], timing: str
) -> None:
    result = api.call("PATCH", f"/shows/{show['id']}", json={"timing": timing}, token=owner)

    assert result.status_code == 400
    assert result.json["description"].startswith("timing: ")


def test_a_general_admission_show_grows_and_shrinks_down_to_its_sold_seats(
    api: Api, owner: str, user: str, show: dict[str, Any]
) -> None:
    api.book(user, show["id"], seats=4)
    path = f"/shows/{show['id']}"

    grown = api.call("PATCH", path, json={"capacity": 30}, token=owner)
    shrunk = api.call("PATCH", path, json={"capacity": 4}, token=owner)
    below = api.call("PATCH", path, json={"capacity": 3}, token=owner)

    assert (grown.json["capacity"], grown.json["available_seats"]) == (30, 26)
    assert (shrunk.json["capacity"], shrunk.json["available_seats"]) == (4, 0)
    assert below.status_code == 409
    assert "4 seats are booked or held" in below.json["description"]


def test_another_owners_show_is_not_found_for_changing(api: Api, show: dict[str, Any]) -> None:
    rival = api.account("rival@example.com", "owner")
    path = f"/shows/{show['id']}"

    assert api.call("PATCH", path, json={"capacity": 5}, token=rival).status_code == 404
    assert api.call("DELETE", path, token=rival).status_code == 404
    assert api.call("GET", path).json == show


def test_cancelling_a_show_cancels_its_bookings(
    api: Api, owner: str, user: str, show: dict[str, Any]
) -> None:
    kept = api.book(user, show["id"], seats=2).json
    dropped = api.book(user, show["id"], seats=1).json
    by_user = api.call("DELETE", f"/bookings/{dropped['id']}", token=user)

    result = api.call("DELETE", f"/shows/{show['id']}", token=owner)

    assert by_user.json["cancel_reason"] == "by_user"
    assert result.status_code == 200
    assert result.json["status"] == "cancelled"
    booking = api.call("GET", f"/bookings/{kept['id']}", token=user).json
    assert (booking["status"], booking["cancel_reason"]) == ("cancelled", "show_cancelled")
    again = api.call("GET", f"/bookings/{dropped['id']}", token=user).json
    assert again["cancel_reason"] == "by_user"


def test_a_cancelled_show_stays_cancelled(
    api: Api, owner: str, user: str, show: dict[str, Any]
) -> None:
    first = api.call("DELETE", f"/shows/{show['id']}", token=owner)
    second = api.call("DELETE", f"/shows/{show['id']}", token=owner)

    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json == first.json
    booked = api.book(user, show["id"])
    assert booked.status_code == 409
    assert booked.json["description"] == "the show is cancelled"
    moved = api.call("PATCH", f"/shows/{show['id']}", json={"capacity": 9}, token=owner)
    assert moved.status_code == 409


def test_a_user_may_not_cancel_a_show(api: Api, user: str, show: dict[str, Any]) -> None:
    assert api.call("DELETE", f"/shows/{show['id']}", token=user).status_code == 403


def follow(api: Api, target: str | None) -> tuple[list[int], list[str]]:
    """Every show id over the pages a first target leads to, and each next link."""
    seen: list[int] = []
    links: list[str] = []
    while target is not None:
        path, _, query = target.partition("?")
        result = api.call("GET", path, query_string=query)
        assert result.status_code == 200, result.text
        seen += [show["id"] for show in result.json]
        target = next_link(result.headers)
        links += [target] if target else []
    return seen, links


def test_shows_by_time_are_paged_in_time_order_without_gaps_or_repeats(
    api: Api, owner: str, movie: dict[str, Any]
) -> None:
    # Added out of time order, two at one instant: timing then id decides.
    days = ["05", "01", "03", "03", "02", "04", "01"]
    ids = [
        api.add_show(owner, movie["id"], timing=f"2030-02-{d}T20:00:00+01:00")["id"] for d in days
    ]
    expected = [ids[i] for i in sorted(range(len(ids)), key=lambda i: (days[i], ids[i]))]

    seen, links = follow(api, "/shows?from=2030-01-31T00:00:00Z&limit=2")

    assert seen == expected
    cursor = parse_qs(links[0].partition("?")[2])
    assert cursor["from"] == ["2030-01-31T00:00:00Z"]
    assert cursor["after"] == [str(expected[1])]
    assert cursor["after_timing"] == ["2030-02-01T20:00:00+01:00"]


def test_from_and_to_bound_the_listing(api: Api, owner: str, movie: dict[str, Any]) -> None:
    shows = [api.add_show(owner, movie["id"], timing=f"2030-02-0{d}T20:00:00Z") for d in (1, 2, 3)]

    result = api.call(
        "GET", "/shows", params={"from": "2030-02-02T20:00:00Z", "to": "2030-02-03T20:00:00Z"}
    )

    assert result.json == [shows[1]]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2030-02-02T20:00:00"}, "from"),
        ({"to": "2030-02-02"}, "to"),
        ({"from": "soon"}, "from"),
        ({"date": "2030-03-31"}, "date"),
        ({"date": "31.03.2030", "cinema_id": "1"}, "date"),
        ({"status": "gone"}, "status"),
        ({"cinema_id": "0"}, "cinema_id"),
    ],
)
def test_bad_listing_parameters_are_refused_by_name(
    api: Api, params: dict[str, str], field: str
) -> None:
    result = api.call("GET", "/shows", params=params)

    assert result.status_code == 400
    assert result.json["description"].startswith(field), result.json


def test_a_cinemas_day_is_its_local_day_even_when_the_clocks_change(
    api: Api, owner: str, screen: dict[str, Any], movie: dict[str, Any]
) -> None:
    # 2030-03-31 in Berlin runs from 23:00Z on the 30th to 22:00Z on the 31st: 23 hours.
    timings = [
        "2030-03-30T20:30:00Z",
        "2030-03-30T23:30:00Z",
        "2030-03-31T19:30:00Z",
        "2030-03-31T22:30:00Z",
    ]
    shows = [on_screen(api, owner, movie["id"], screen["id"], t).json for t in timings]

    result = api.call(
        "GET", "/shows", params={"cinema_id": screen["cinema_id"], "date": "2030-03-31"}
    )

    assert [s["id"] for s in result.json] == [shows[1]["id"], shows[2]["id"]]


def test_shows_filter_by_cinema_screen_movie_and_status(
    api: Api, owner: str, screen: dict[str, Any], movie: dict[str, Any]
) -> None:
    other_cinema = add_cinema(api, owner, name="Rex")
    other_screen = add_screen(api, owner, other_cinema["id"], GA_LAYOUT)
    brazil = api.add_movie(owner, "Brazil")
    here = on_screen(api, owner, movie["id"], screen["id"], "2030-02-01T19:00:00Z").json
    there = on_screen(api, owner, brazil["id"], other_screen["id"], "2030-02-01T19:00:00Z").json
    gone = on_screen(api, owner, movie["id"], screen["id"], "2030-02-02T19:00:00Z").json
    loose = api.add_show(owner, movie["id"])
    gone = api.call("DELETE", f"/shows/{gone['id']}", token=owner).json

    def ids(**params: Any) -> list[int]:
        return [s["id"] for s in api.call("GET", "/shows", params=params).json]

    assert ids() == [here["id"], there["id"], loose["id"]]
    assert ids(cinema_id=screen["cinema_id"]) == [here["id"]]
    assert ids(screen_id=other_screen["id"]) == [there["id"]]
    assert ids(movie_id=movie["id"]) == [here["id"], loose["id"]]
    assert ids(status="cancelled") == [gone["id"]]
    assert ids(status="all", cinema_id=screen["cinema_id"]) == [here["id"], gone["id"]]
    assert api.call("GET", "/shows", params={"status": "cancelled"}).json == [gone]
    assert loose["cinema_id"] is None


def test_an_offset_whose_plus_was_left_unescaped_is_read_as_meant(
    api: Api, owner: str, movie: dict[str, Any]
) -> None:
    early = api.add_show(owner, movie["id"], timing="2030-02-01T19:00:00+00:00")
    late = api.add_show(owner, movie["id"], timing="2030-02-01T21:00:00+00:00")

    result = api.call("GET", "/shows", query_string="from=2030-02-01T20:30:00+02:00")

    assert result.status_code == 200, result.text
    assert [s["id"] for s in result.json] == [early["id"], late["id"]]
