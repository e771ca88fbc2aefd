"""The door over HTTP: a show's owner lets each ticket in once, and undoes a mistake."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from tests.fakes import FakeClock
from tests.http.conftest import FUTURE, Api
from tests.http.priced import Venue

DOORS_OPEN = datetime.fromisoformat("2030-02-01T19:00:00+00:00")  # an hour before FUTURE


@pytest.fixture
def venue(api: Api, owner: str) -> Venue:
    return Venue.open(api, owner)


@pytest.fixture
def show(venue: Venue) -> dict[str, Any]:
    return venue.show()


@pytest.fixture
def code(venue: Venue, user: str, show: dict[str, Any]) -> str:
    booking = venue.booked(user, show["id"], ["E1"])
    ticket_code: str = booking["lines"][0]["ticket_code"]
    return ticket_code


def check_in(api: Api, token: str, code: str, show_id: int) -> Any:
    return api.call("POST", "/checkins", json={"code": code, "show_id": show_id}, token=token)


def test_a_ticket_is_admitted_once(
    api: Api, venue: Venue, show: dict[str, Any], code: str, clock: FakeClock, user: str
) -> None:
    clock.current = DOORS_OPEN

    admitted = check_in(api, venue.owner, code, show["id"])
    again = check_in(api, venue.owner, code, show["id"])

    assert admitted.status_code == 201
    assert admitted.json["result"] == "admitted"
    assert admitted.json["ticket"]["code"] == code
    assert admitted.json["ticket"]["status"] == "checked_in"
    assert admitted.json["ticket"]["checked_in_at"] == "2030-02-01T19:00:00+00:00"
    assert again.status_code == 409
    assert again.json == {
        "title": "Conflict",
        "description": "the ticket is already checked in",
        "result": "already_checked_in",
        "checked_in_at": "2030-02-01T19:00:00+00:00",
    }
    assert api.call("GET", f"/tickets/{code}", token=user).json["status"] == "checked_in"


def test_a_ticket_is_refused_before_the_doors_open(
    api: Api, venue: Venue, show: dict[str, Any], code: str, clock: FakeClock
) -> None:
    # The fake clock starts a month before the show.
    result = check_in(api, venue.owner, code, show["id"])

    assert result.status_code == 409
    assert result.json["result"] == "too_early"
    assert set(result.json) == {"title", "description", "result"}


def test_a_ticket_for_another_show_is_refused(
    api: Api, venue: Venue, show: dict[str, Any], code: str, clock: FakeClock
) -> None:
    other = venue.show(timing="2030-02-02T20:00:00+00:00")
    clock.current = DOORS_OPEN

    result = check_in(api, venue.owner, code, other["id"])

    assert result.status_code == 409
    assert result.json["result"] == "wrong_show"
    assert str(show["id"]) in result.json["description"]


def test_a_cancelled_ticket_is_refused(
    api: Api, venue: Venue, show: dict[str, Any], code: str, clock: FakeClock, user: str
) -> None:
    (booking,) = api.call("GET", "/bookings", token=user).json
    assert api.call("DELETE", f"/bookings/{booking['id']}", token=user).status_code == 200
    clock.current = DOORS_OPEN

    result = check_in(api, venue.owner, code, show["id"])

    assert result.status_code == 409
    assert result.json["result"] == "cancelled"


def test_an_unknown_code_and_another_owners_ticket_are_the_same_404(
    api: Api, show: dict[str, Any], code: str, clock: FakeClock
) -> None:
    other = api.account("other@example.com", "owner")
    clock.current = DOORS_OPEN

    theirs = check_in(api, other, code, show["id"])
    unknown = check_in(api, other, "no-such-code", show["id"])

    assert theirs.status_code == unknown.status_code == 404
    assert theirs.json["description"].replace(code, "?") == unknown.json["description"].replace(
        "no-such-code", "?"
    )
    assert "result" not in theirs.json


def test_only_owners_check_tickets_in(api: Api, user: str, show: dict[str, Any], code: str) -> None:
    assert check_in(api, user, code, show["id"]).status_code == 403


def test_a_check_in_is_undone_and_the_ticket_is_valid_again(
    api: Api, venue: Venue, show: dict[str, Any], code: str, clock: FakeClock
) -> None:
    clock.current = DOORS_OPEN
    check_in(api, venue.owner, code, show["id"])

    undone = api.call("DELETE", f"/checkins/{code}", token=venue.owner)
    admitted = check_in(api, venue.owner, code, show["id"])

    assert undone.status_code == 200
    assert (undone.json["status"], undone.json["checked_in_at"]) == ("valid", None)
    assert admitted.status_code == 201


def test_undoing_a_ticket_not_checked_in_is_refused(api: Api, venue: Venue, code: str) -> None:
    result = api.call("DELETE", f"/checkins/{code}", token=venue.owner)

    assert result.status_code == 409
    assert result.json["result"] == "not_checked_in"


def test_another_owner_may_not_undo_a_check_in(
    api: Api, venue: Venue, show: dict[str, Any], code: str, clock: FakeClock
) -> None:
    clock.current = DOORS_OPEN
    check_in(api, venue.owner, code, show["id"])
    other = api.account("other@example.com", "owner")

    assert api.call("DELETE", f"/checkins/{code}", token=other).status_code == 404
    assert api.call("DELETE", "/checkins/no-such-code", token=venue.owner).status_code == 404


def test_the_door_opens_an_hour_before_the_show(
    api: Api, venue: Venue, show: dict[str, Any], code: str, clock: FakeClock
) -> None:
    assert show["timing"] == FUTURE
    clock.current = DOORS_OPEN
    clock.advance(seconds=-1)

    assert check_in(api, venue.owner, code, show["id"]).json["result"] == "too_early"
    clock.advance(seconds=1)
    assert check_in(api, venue.owner, code, show["id"]).status_code == 201


def test_a_ticket_is_refused_once_the_show_is_over(
    api: Api, venue: Venue, show: dict[str, Any], code: str, clock: FakeClock
) -> None:
    clock.current = datetime.fromisoformat(show["ends_at"])

    result = check_in(api, venue.owner, code, show["id"])

    assert result.status_code == 409
    assert result.json["result"] == "show_ended"
