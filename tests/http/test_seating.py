"""Seat maps, chosen seats and holds over HTTP: shapes, statuses and headers."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from boxoffice.entrypoints.http import shapes
from tests.fakes import FakeClock
from tests.http.conftest import FUTURE, Api

SEAT_MAP = {"rows": [{"label": "A", "seats": 4}, {"label": "B", "seats": 4}], "blocked": ["A4"]}


@pytest.fixture
def seated(api: Api, owner: str) -> dict[str, Any]:
    movie = api.add_movie(owner)
    result = api.call(
        "POST",
        "/shows",
        json={"movie_id": movie["id"], "timing": FUTURE, "seat_map": SEAT_MAP},
        token=owner,
    )
    assert result.status_code == 201, result.text
    show: dict[str, Any] = result.json
    return show


def seat_states(api: Api, show_id: int) -> dict[str, str]:
    result = api.call("GET", f"/shows/{show_id}/seats")
    assert result.status_code == 200, result.text
    return {seat["seat"]: seat["state"] for row in result.json["rows"] for seat in row["seats"]}


def test_a_seated_show_reports_its_map_and_every_seat(api: Api, seated: dict[str, Any]) -> None:
    assert (seated["capacity"], seated["available_seats"]) == (7, 7)
    assert seated["seat_map"] == SEAT_MAP
    result = api.call("GET", f"/shows/{seated['id']}/seats")
    assert result.json["show_id"] == seated["id"]
    assert result.json["rows"][0] == {
        "label": "A",
        "seats": [
            {"seat": "A1", "state": "free", "zone": "standard"},
            {"seat": "A2", "state": "free", "zone": "standard"},
            {"seat": "A3", "state": "free", "zone": "standard"},
            {"seat": "A4", "state": "blocked", "zone": "standard"},
        ],
    }


def test_the_seats_are_written_as_their_declared_shape(api: Api, seated: dict[str, Any]) -> None:
    # Built from pieces for speed (encoding.show_seats), yet exactly what shapes.ShowSeats says.
    written = api.call("GET", f"/shows/{seated['id']}/seats").content

    declared = msgspec.json.decode(written, type=shapes.ShowSeats, strict=True)

    assert msgspec.json.encode(declared) == written


def test_a_listing_holds_seated_and_general_admission_shows(
    api: Api, seated: dict[str, Any], show: dict[str, Any]
) -> None:
    for _ in range(2):
        assert api.call("GET", "/shows").json == [seated, show]


def test_a_general_admission_show_has_no_seats_to_list(api: Api, show: dict[str, Any]) -> None:
    result = api.call("GET", f"/shows/{show['id']}/seats")
    assert result.status_code == 404
    assert set(result.json) == {"title", "description"}


def test_a_bad_seat_map_is_a_400_naming_it(api: Api, owner: str) -> None:
    movie = api.add_movie(owner)
    result = api.call(
        "POST",
        "/shows",
        json={"movie_id": movie["id"], "timing": FUTURE, "seat_map": {"rows": [{"label": "A"}]}},
        token=owner,
    )
    assert result.status_code == 400
    assert result.json["description"] == "seat_map.rows[0].seats: is required"
    assert api.call("GET", "/shows").json == []


def test_booking_chosen_seats_and_a_409_naming_the_taken_ones(
    api: Api, seated: dict[str, Any], user: str
) -> None:
    booked = api.call(
        "POST", "/bookings", json={"show_id": seated["id"], "seats": ["B2", "B3"]}, token=user
    )
    assert booked.status_code == 201
    assert (booked.json["seats"], booked.json["num_seats"]) == (["B2", "B3"], 2)
    taken = api.call(
        "POST", "/bookings", json={"show_id": seated["id"], "seats": ["B3", "B4"]}, token=user
    )
    assert taken.status_code == 409
    assert taken.json["seats"] == ["B3"]
    assert seat_states(api, seated["id"])["B4"] == "free"


def test_pick_hold_confirm(api: Api, seated: dict[str, Any], user: str, clock: FakeClock) -> None:
    held = api.call("POST", "/holds", json={"show_id": seated["id"], "seats": ["A2"]}, token=user)
    assert held.status_code == 201
    assert held.headers["Location"] == f"/holds/{held.json['id']}"
    assert held.json["status"] == "active"
    assert held.json["expires_at"] == "2030-01-01T12:10:00+00:00"
    assert seat_states(api, seated["id"])["A2"] == "held"
    assert api.call("GET", f"/shows/{seated['id']}").json["available_seats"] == 6

    confirmed = api.call(
        "POST", f"/holds/{held.json['id']}/confirm", token=user, headers={"Idempotency-Key": "p1"}
    )
    assert confirmed.status_code == 201
    assert confirmed.headers["Location"] == f"/bookings/{confirmed.json['id']}"
    assert confirmed.json["seats"] == ["A2"]
    again = api.call(
        "POST", f"/holds/{held.json['id']}/confirm", token=user, headers={"Idempotency-Key": "p1"}
    )
    assert (again.status_code, again.json) == (201, confirmed.json)
    assert seat_states(api, seated["id"])["A2"] == "booked"
    hold = api.call("GET", f"/holds/{held.json['id']}", token=user).json
    assert (hold["status"], hold["booking_id"]) == ("confirmed", confirmed.json["id"])


def test_releasing_a_hold_and_the_conflicts_around_it(
    api: Api, seated: dict[str, Any], user: str
) -> None:
    held = api.call("POST", "/holds", json={"show_id": seated["id"], "num_seats": 2}, token=user)
    assert held.status_code == 201
    second = api.call("POST", "/holds", json={"show_id": seated["id"], "num_seats": 1}, token=user)
    assert second.status_code == 409
    released = api.call("DELETE", f"/holds/{held.json['id']}", token=user)
    assert (released.status_code, released.json["status"]) == (200, "released")
    assert set(seat_states(api, seated["id"]).values()) == {"free", "blocked"}
    assert api.call("DELETE", f"/holds/{held.json['id']}", token=user).status_code == 409
    assert api.call("POST", f"/holds/{held.json['id']}/confirm", token=user).status_code == 409


def test_an_expired_hold_frees_its_seats_and_cannot_be_confirmed(
    api: Api, seated: dict[str, Any], user: str, clock: FakeClock
) -> None:
    held = api.call("POST", "/holds", json={"show_id": seated["id"], "seats": ["B1"]}, token=user)
    clock.advance(minutes=10)
    assert seat_states(api, seated["id"])["B1"] == "free"
    assert api.call("GET", f"/holds/{held.json['id']}", token=user).json["status"] == "expired"
    result = api.call("POST", f"/holds/{held.json['id']}/confirm", token=user)
    assert result.status_code == 409
    assert result.json["description"] == "the hold is expired"


def test_holds_are_private_and_for_users(
    api: Api, seated: dict[str, Any], user: str, owner: str
) -> None:
    assert (
        api.call("POST", "/holds", json={"show_id": seated["id"], "num_seats": 1}, token=owner)
    ).status_code == 403
    held = api.call("POST", "/holds", json={"show_id": seated["id"], "num_seats": 1}, token=user)
    other = api.account("other@example.com")
    for method, path in (
        ("GET", f"/holds/{held.json['id']}"),
        ("DELETE", f"/holds/{held.json['id']}"),
        ("POST", f"/holds/{held.json['id']}/confirm"),
    ):
        assert api.call(method, path, token=other).status_code == 404
        assert api.call(method, path).status_code == 401
    assert api.call("GET", "/holds/abc", token=user).status_code == 400


def test_the_seat_list_agrees_with_the_library_seat_by_seat(
    api: Api, app: Any, seated: dict[str, Any], user: str
) -> None:
    api.call("POST", "/bookings", json={"show_id": seated["id"], "seats": ["B1"]}, token=user)
    api.call("POST", "/holds", json={"show_id": seated["id"], "seats": ["A3"]}, token=user)
    body = api.call("GET", f"/shows/{seated['id']}/seats").json
    view = app.get_seats(seated["id"])
    assert [row["label"] for row in body["rows"]] == ["A", "B"]
    assert seat_states(api, seated["id"]) == {
        label: str(state) for label, state in view.chart.states()
    }
    assert set(seat_states(api, seated["id"]).values()) == {"free", "held", "booked", "blocked"}
    assert body["available_seats"] == view.show.available_seats == 5
