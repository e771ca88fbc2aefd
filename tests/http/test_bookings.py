"""Bookings: users book, list, read and cancel only their own."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fakes import FakeClock
from tests.http.conftest import Api


def test_a_user_books_seats(api: Api, show: dict[str, Any]) -> None:
    me = api.sign_up("me@example.com")

    result = api.book(api.log_in("me@example.com"), show["id"], seats=3)

    assert result.status_code == 201
    booking = result.json
    lines = booking.pop("lines")
    assert booking == {
        "id": 1,
        "show_id": show["id"],
        "user_id": me["id"],
        "num_seats": 3,
        "status": "active",
        "created_at": "2030-01-01T12:00:00+00:00",
        "cancelled_at": None,
        "seats": [],
        "cancel_reason": None,
        "total": 0,
        "currency": None,
        "refund": 0,
    }
    # A show in no cinema sells general admission at 0, a ticket an admission.
    assert [{**line, "ticket_code": None} for line in lines] == [
        {"ticket_code": None, "seat": None, "zone": "standard", "ticket_type": None, "amount": 0}
    ] * 3
    assert len({line["ticket_code"] for line in lines}) == 3
    assert result.headers["Location"] == "/bookings/1"
    assert api.call("GET", f"/shows/{show['id']}").json["available_seats"] == 17


def test_an_owner_may_not_book(api: Api, owner: str, show: dict[str, Any]) -> None:
    result = api.book(owner, show["id"])

    assert result.status_code == 403
    assert result.json["title"] == "Forbidden"


def test_booking_needs_a_token(api: Api, show: dict[str, Any]) -> None:
    result = api.call("POST", "/bookings", json={"show_id": show["id"], "num_seats": 1})

    assert result.status_code == 401
    assert result.headers["WWW-Authenticate"] == "Bearer"


def test_booking_more_seats_than_remain_conflicts(
    api: Api, owner: str, user: str, show: dict[str, Any]
) -> None:
    for _ in range(2):
        assert api.book(user, show["id"], seats=10).status_code == 201

    result = api.book(user, show["id"], seats=1)

    assert result.status_code == 409
    assert result.json == {
        "title": "Conflict",
        "description": "requested 1 seats but only 0 are available",
    }


def test_a_started_show_cannot_be_booked(
    api: Api, user: str, show: dict[str, Any], clock: FakeClock
) -> None:
    clock.advance(days=90)

    result = api.book(user, show["id"])

    assert result.status_code == 409
    assert result.json["description"] == "the show has already started"


def test_booking_an_unknown_show_is_not_found(api: Api, user: str) -> None:
    assert api.book(user, 99).status_code == 404


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("num_seats", True),
        ("num_seats", "2"),
        ("num_seats", 2.0),
        ("num_seats", 0),
        ("num_seats", 11),
        ("num_seats", None),
        ("show_id", "1"),
        ("show_id", True),
        ("show_id", -1),
    ],
)
def test_invalid_booking_fields_are_rejected(
    api: Api, user: str, show: dict[str, Any], field: str, value: Any
) -> None:
    body = {"show_id": show["id"], "num_seats": 2, field: value}

    result = api.call("POST", "/bookings", json=body, token=user)

    assert result.status_code == 400
    assert result.json["description"].startswith(f"{field}: ")


def test_extra_booking_fields_never_take_effect(api: Api, show: dict[str, Any]) -> None:
    me = api.sign_up("me@example.com")
    body = {"show_id": show["id"], "num_seats": 2, "user_id": 1, "status": "cancelled", "id": 50}

    result = api.call("POST", "/bookings", json=body, token=api.log_in("me@example.com"))

    assert result.status_code == 201
    assert (result.json["id"], result.json["user_id"], result.json["status"]) == (
        1,
        me["id"],
        "active",
    )


def test_users_list_only_their_own_bookings(api: Api, user: str, show: dict[str, Any]) -> None:
    other = api.account("other@example.com")
    mine = api.book(user, show["id"]).json
    api.book(other, show["id"])

    result = api.call("GET", "/bookings", token=user)

    assert result.status_code == 200
    assert result.json == [mine]


def test_owners_have_no_bookings_to_list(api: Api, owner: str) -> None:
    assert api.call("GET", "/bookings", token=owner).status_code == 403


def test_a_user_reads_their_booking(api: Api, user: str, show: dict[str, Any]) -> None:
    booking = api.book(user, show["id"]).json

    result = api.call("GET", f"/bookings/{booking['id']}", token=user)

    assert result.status_code == 200
    assert result.json == booking


def test_someone_elses_booking_is_not_found(api: Api, user: str, show: dict[str, Any]) -> None:
    booking = api.book(user, show["id"]).json
    intruder = api.account("intruder@example.com")
    path = f"/bookings/{booking['id']}"

    read = api.call("GET", path, token=intruder)
    cancel = api.call("DELETE", path, token=intruder)
    missing = api.call("GET", "/bookings/999", token=intruder)

    assert read.status_code == cancel.status_code == missing.status_code == 404
    assert read.json["description"] == f"booking {booking['id']} not found"
    assert api.call("GET", path, token=user).json["status"] == "active"


def test_a_user_cancels_their_booking(api: Api, user: str, show: dict[str, Any]) -> None:
    booking = api.book(user, show["id"], seats=4).json

    result = api.call("DELETE", f"/bookings/{booking['id']}", token=user)

    assert result.status_code == 200
    assert result.json["status"] == "cancelled"
    assert result.json["cancelled_at"] == "2030-01-01T12:00:00+00:00"
    assert api.call("GET", f"/shows/{show['id']}").json["available_seats"] == 20
    assert api.call("GET", f"/bookings/{booking['id']}", token=user).json == result.json


def test_cancelling_twice_conflicts(api: Api, user: str, show: dict[str, Any]) -> None:
    booking = api.book(user, show["id"]).json
    api.call("DELETE", f"/bookings/{booking['id']}", token=user)

    result = api.call("DELETE", f"/bookings/{booking['id']}", token=user)

    assert result.status_code == 409
    assert result.json["description"] == "the booking is already cancelled"


def test_a_started_show_cannot_be_cancelled(
    api: Api, user: str, show: dict[str, Any], clock: FakeClock
) -> None:
    booking = api.book(user, show["id"]).json
    clock.advance(days=90)

    result = api.call("DELETE", f"/bookings/{booking['id']}", token=user)

    assert result.status_code == 409


@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_a_booking_id_that_is_not_a_positive_integer_is_bad_input(
    api: Api, user: str, method: str
) -> None:
    result = api.call(method, "/bookings/nope", token=user)

    assert result.status_code == 400
    assert result.json["description"].startswith("booking_id: ")


@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_reading_or_cancelling_needs_a_token(api: Api, method: str) -> None:
    assert api.call(method, "/bookings/1").status_code == 401


def test_an_owner_lists_the_bookings_of_their_show(
    api: Api, owner: str, user: str, show: dict[str, Any]
) -> None:
    booked = [api.book(user, show["id"], seats=1).json for _ in range(3)]

    first = api.call("GET", f"/shows/{show['id']}/bookings?limit=2", token=owner)

    assert first.status_code == 200
    assert first.json == booked[:2]
    assert (
        first.headers["Link"]
        == f'</shows/{show["id"]}/bookings?limit=2&after={booked[1]["id"]}>; rel="next"'
    )
    rest = api.call(
        "GET", f"/shows/{show['id']}/bookings?limit=2&after={booked[1]['id']}", token=owner
    )
    assert rest.json == booked[2:]
    assert "Link" not in rest.headers


def test_a_shows_bookings_are_its_owners_alone(
    api: Api, owner: str, user: str, show: dict[str, Any]
) -> None:
    api.book(user, show["id"], seats=1)
    rival = api.account("rival@example.com", "owner")
    path = f"/shows/{show['id']}/bookings"

    assert api.call("GET", path, token=rival).status_code == 404
    assert api.call("GET", "/shows/999/bookings", token=owner).status_code == 404
    assert api.call("GET", path, token=user).status_code == 403
    assert api.call("GET", path).status_code == 401
    assert api.call("GET", "/shows/x/bookings", token=owner).status_code == 400


def test_a_retried_booking_with_an_idempotency_key_books_once(
    api: Api, user: str, show: dict[str, Any]
) -> None:
    body = {"show_id": show["id"], "num_seats": 2}
    key = {"Idempotency-Key": "order-7f3a"}

    first = api.call("POST", "/bookings", json=body, token=user, headers=key)
    retry = api.call("POST", "/bookings", json=body, token=user, headers=key)

    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json == first.json
    assert len(api.call("GET", "/bookings", token=user).json) == 1
    assert api.call("GET", f"/shows/{show['id']}").json["available_seats"] == 18


def test_an_idempotency_key_reused_for_another_request_is_422(
    api: Api, user: str, show: dict[str, Any]
) -> None:
    key = {"Idempotency-Key": "order-7f3a"}
    api.call(
        "POST", "/bookings", json={"show_id": show["id"], "num_seats": 2}, token=user, headers=key
    )

    other = api.call(
        "POST", "/bookings", json={"show_id": show["id"], "num_seats": 3}, token=user, headers=key
    )

    assert other.status_code == 422
    assert set(other.json) == {"title", "description"}
    assert api.call("GET", f"/shows/{show['id']}").json["available_seats"] == 18


def test_a_malformed_idempotency_key_is_400(api: Api, user: str, show: dict[str, Any]) -> None:
    result = api.call(
        "POST",
        "/bookings",
        json={"show_id": show["id"], "num_seats": 1},
        token=user,
        headers={"Idempotency-Key": "has a space"},
    )
    assert result.status_code == 400
    assert api.call("GET", f"/shows/{show['id']}").json["available_seats"] == 20


def test_a_retried_cancellation_with_an_idempotency_key_answers_the_same(
    api: Api, user: str, show: dict[str, Any]
) -> None:
    booking = api.book(user, show["id"], seats=3).json
    key = {"Idempotency-Key": "undo-1"}

    first = api.call("DELETE", f"/bookings/{booking['id']}", token=user, headers=key)
    retry = api.call("DELETE", f"/bookings/{booking['id']}", token=user, headers=key)
    without_key = api.call("DELETE", f"/bookings/{booking['id']}", token=user)

    assert (first.status_code, retry.status_code, without_key.status_code) == (200, 200, 409)
    assert retry.json == first.json
    assert api.call("GET", f"/shows/{show['id']}").json["available_seats"] == 20
