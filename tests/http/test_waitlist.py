"""Waiting lists over HTTP: joining, reading, leaving, offers, and the owner's view."""

from __future__ import annotations

from typing import Any

import falcon.testing
import pytest

from boxoffice.domain.rules import Limits
from boxoffice.domain.service import Boxoffice
from boxoffice.entrypoints.http import create_app
from tests.fakes import FakeClock
from tests.http.conftest import Api
from tests.http.test_paging import next_link

ENTRY_FIELDS = {
    "id",
    "show_id",
    "user_id",
    "num_seats",
    "status",
    "position",
    "hold_id",
    "expires_at",
    "created_at",
}


@pytest.fixture
def sold_out(api: Api, owner: str) -> dict[str, Any]:
    """A show of 4 seats, every one booked by a buyer of its own (2 bookings of 2)."""
    movie = api.add_movie(owner)
    show = api.add_show(owner, movie["id"], seats=4)
    buyer = api.account("buyer@example.com")
    bookings = [api.book(buyer, show["id"], seats=2).json for _ in range(2)]
    return {"show": show, "buyer": buyer, "bookings": bookings}


def join(api: Api, token: str, show_id: int, seats: int = 2) -> Any:
    return api.call("POST", f"/shows/{show_id}/waitlist", json={"num_seats": seats}, token=token)


def entry(api: Api, token: str, entry_id: int) -> dict[str, Any]:
    result = api.call("GET", f"/waitlist/{entry_id}", token=token)
    assert result.status_code == 200, result.text
    found: dict[str, Any] = result.json
    return found


def free_seats(api: Api, sold_out: dict[str, Any]) -> None:
    """The buyer cancels a booking of the sold-out show: its seats go to the waiting list."""
    booking_id = sold_out["bookings"][0]["id"]
    cancelled = api.call("DELETE", f"/bookings/{booking_id}", token=sold_out["buyer"])
    assert cancelled.status_code == 200, cancelled.text


def two_waiting(api: Api, user: str, show_id: int) -> tuple[str, Any, Any]:
    """`user` joins the show's list, then a later user: that user's token and both entries."""
    later = api.account("later@example.com")
    first = join(api, user, show_id).json
    second = join(api, later, show_id).json
    return later, first, second


def test_joining_a_sold_out_show_is_201_a_waiting_entry_at_its_place(
    api: Api, user: str, sold_out: dict[str, Any]
) -> None:
    show_id = sold_out["show"]["id"]

    result = join(api, user, show_id)

    assert result.status_code == 201, result.text
    body = result.json
    assert set(body) == ENTRY_FIELDS
    assert body["show_id"] == show_id
    assert body["num_seats"] == 2
    assert body["status"] == "waiting"
    assert body["position"] == 1
    assert body["hold_id"] is None
    assert body["expires_at"] is None
    assert result.headers["Location"] == f"/waitlist/{body['id']}"
    assert entry(api, user, body["id"]) == body


def test_positions_follow_the_order_of_joining(
    api: Api, user: str, sold_out: dict[str, Any]
) -> None:
    show_id = sold_out["show"]["id"]
    later, first, second = two_waiting(api, user, show_id)

    assert (first["position"], second["position"]) == (1, 2)
    api.call("DELETE", f"/waitlist/{first['id']}", token=user)
    assert entry(api, later, second["id"])["position"] == 1


def test_joining_while_the_seats_are_available_is_409_book_them(
    api: Api, user: str, show: dict[str, Any]
) -> None:
    result = join(api, user, show["id"])

    assert result.status_code == 409
    assert "seats are available" in result.json["description"]
    assert api.call("GET", "/waitlist", token=user).json == []


def test_a_party_larger_than_what_is_left_may_wait(api: Api, user: str, owner: str) -> None:
    movie = api.add_movie(owner)
    show = api.add_show(owner, movie["id"], seats=3)
    assert api.book(api.account("buyer@example.com"), show["id"], seats=2).status_code == 201

    assert join(api, user, show["id"], seats=1).status_code == 409
    assert join(api, user, show["id"], seats=2).status_code == 201


def test_one_live_entry_per_user_and_show(api: Api, user: str, sold_out: dict[str, Any]) -> None:
    show_id = sold_out["show"]["id"]
    assert join(api, user, show_id).status_code == 201

    again = join(api, user, show_id, seats=1)

    assert again.status_code == 409
    assert len(api.call("GET", "/waitlist", token=user).json) == 1


def test_an_entry_left_makes_room_for_a_new_one(
    api: Api, user: str, sold_out: dict[str, Any]
) -> None:
    show_id = sold_out["show"]["id"]
    first = join(api, user, show_id).json
    api.call("DELETE", f"/waitlist/{first['id']}", token=user)

    assert join(api, user, show_id).status_code == 201


@pytest.mark.parametrize(
    ("body", "description"),
    [
        ({}, "num_seats: "),
        ({"num_seats": 0}, "num_seats: must be between 1 and 10"),
        ({"num_seats": 11}, "num_seats: must be between 1 and 10"),
        ({"num_seats": "2"}, "num_seats: must be an integer"),
        ({"num_seats": 2.5}, "num_seats: must be an integer"),
        ({"num_seats": True}, "num_seats: must be an integer"),
        ({"num_seats": None}, "num_seats: must be an integer"),
    ],
)
def test_a_bad_party_size_is_400_naming_it(
    api: Api, user: str, sold_out: dict[str, Any], body: dict[str, Any], description: str
) -> None:
    result = api.call("POST", f"/shows/{sold_out['show']['id']}/waitlist", json=body, token=user)

    assert result.status_code == 400, result.text
    assert result.json["description"].startswith(description)


def test_the_party_size_follows_the_configured_booking_maximum(
    memory_uow: Any, hasher: Any, tokens: Any, clock: FakeClock
) -> None:
    boxoffice = Boxoffice.from_ports(
        uow=memory_uow,
        hasher=hasher,
        tokens=tokens,
        clock=clock,
        limits=Limits(max_seats_per_booking=3),
    )
    api = Api(falcon.testing.TestClient(create_app(boxoffice, token_ttl_seconds=60)))
    schemas = api.call("GET", "/openapi.json").json["components"]["schemas"]
    owner = api.account("owner@example.com", "owner")
    show = api.add_show(owner, api.add_movie(owner)["id"], seats=3)
    api.book(api.account("buyer@example.com"), show["id"], seats=3)
    user = api.account("user@example.com")

    assert schemas["WaitlistRequest"]["properties"]["num_seats"]["maximum"] == 3
    assert join(api, user, show["id"], seats=4).json["description"] == (
        "num_seats: must be between 1 and 3"
    )
    assert join(api, user, show["id"], seats=3).status_code == 201


@pytest.mark.parametrize("path", ["/shows/0/waitlist", "/shows/x/waitlist", "/waitlist/0"])
def test_an_id_that_is_no_id_is_400(api: Api, user: str, path: str) -> None:
    method = "POST" if path.startswith("/shows") else "GET"

    result = api.call(method, path, json={"num_seats": 1}, token=user)

    assert result.status_code == 400, result.text


def test_an_unknown_show_is_404(api: Api, user: str) -> None:
    assert join(api, user, 999).status_code == 404


def test_a_cancelled_show_refuses_joining_with_409(
    api: Api, owner: str, user: str, sold_out: dict[str, Any]
) -> None:
    show_id = sold_out["show"]["id"]
    assert api.call("DELETE", f"/shows/{show_id}", token=owner).status_code == 200

    assert join(api, user, show_id).status_code == 409


def test_a_started_show_refuses_joining_with_409(
    api: Api, user: str, sold_out: dict[str, Any], clock: FakeClock
) -> None:
    clock.advance(days=60)

    assert join(api, user, sold_out["show"]["id"]).status_code == 409


def test_owners_may_not_wait_and_strangers_must_log_in(
    api: Api, owner: str, user: str, sold_out: dict[str, Any]
) -> None:
    show_id = sold_out["show"]["id"]
    entry_id = join(api, user, show_id).json["id"]

    assert join(api, owner, show_id).status_code == 403
    assert api.call("GET", "/waitlist", token=owner).status_code == 403
    assert api.call("GET", f"/waitlist/{entry_id}", token=owner).status_code == 403
    assert api.call("DELETE", f"/waitlist/{entry_id}", token=owner).status_code == 403
    assert entry(api, user, entry_id)["status"] == "waiting"
    unauthenticated = api.call("POST", f"/shows/{show_id}/waitlist", json={"num_seats": 1})
    assert unauthenticated.status_code == 401
    assert unauthenticated.headers["WWW-Authenticate"] == "Bearer"
    for path in ("/waitlist", "/waitlist/1", f"/shows/{show_id}/waitlist"):
        assert api.call("GET", path).status_code == 401
    assert api.call("DELETE", "/waitlist/1").status_code == 401


def test_someone_elses_entry_is_404_to_read_and_to_leave(
    api: Api, user: str, sold_out: dict[str, Any]
) -> None:
    mine = join(api, user, sold_out["show"]["id"]).json
    other = api.account("other@example.com")

    assert api.call("GET", f"/waitlist/{mine['id']}", token=other).status_code == 404
    assert api.call("DELETE", f"/waitlist/{mine['id']}", token=other).status_code == 404
    assert api.call("GET", "/waitlist", token=other).json == []
    assert entry(api, user, mine["id"])["status"] == "waiting"


def test_an_unknown_entry_is_404(api: Api, user: str) -> None:
    assert api.call("GET", "/waitlist/999", token=user).status_code == 404
    assert api.call("DELETE", "/waitlist/999", token=user).status_code == 404


def test_leaving_is_200_the_entry_left(api: Api, user: str, sold_out: dict[str, Any]) -> None:
    mine = join(api, user, sold_out["show"]["id"]).json

    result = api.call("DELETE", f"/waitlist/{mine['id']}", token=user)

    assert result.status_code == 200, result.text
    assert result.json["id"] == mine["id"]
    assert result.json["status"] == "left"
    assert result.json["position"] is None
    assert entry(api, user, mine["id"])["status"] == "left"


def test_leaving_again_or_after_booking_changes_nothing(
    api: Api, user: str, sold_out: dict[str, Any]
) -> None:
    mine = join(api, user, sold_out["show"]["id"]).json
    left = api.call("DELETE", f"/waitlist/{mine['id']}", token=user).json

    again = api.call("DELETE", f"/waitlist/{mine['id']}", token=user)

    assert again.status_code == 200
    assert again.json == left


def test_the_users_entries_are_paged(api: Api, owner: str, user: str) -> None:
    movie = api.add_movie(owner)
    buyer = api.account("buyer@example.com")
    ids = []
    for _ in range(3):
        show = api.add_show(owner, movie["id"], seats=1)
        api.book(buyer, show["id"], seats=1)
        ids.append(join(api, user, show["id"], seats=1).json["id"])

    first = api.call("GET", "/waitlist", params={"limit": 2}, token=user)
    rest = api.call("GET", "/waitlist", params={"limit": 2, "after": ids[1]}, token=user)

    assert [e["id"] for e in first.json] == ids[:2]
    assert next_link(first.headers) == f"/waitlist?limit=2&after={ids[1]}"
    assert [e["id"] for e in rest.json] == ids[2:]
    assert next_link(rest.headers) is None


def test_a_freed_seat_is_offered_to_the_list_not_sold_to_the_public(
    api: Api, user: str, sold_out: dict[str, Any]
) -> None:
    show_id = sold_out["show"]["id"]
    mine = join(api, user, show_id).json
    booking = sold_out["bookings"][0]

    cancelled = api.call("DELETE", f"/bookings/{booking['id']}", token=sold_out["buyer"])
    public = api.book(api.account("public@example.com"), show_id, seats=1)

    assert cancelled.status_code == 200
    assert public.status_code == 409
    offered = entry(api, user, mine["id"])
    assert offered["status"] == "offered"
    assert offered["position"] is None
    assert offered["expires_at"] is not None
    hold = api.call("GET", f"/holds/{offered['hold_id']}", token=user).json
    assert (hold["num_seats"], hold["status"], hold["expires_at"]) == (
        2,
        "active",
        offered["expires_at"],
    )


def test_confirming_the_offer_books_and_the_entry_is_booked(
    api: Api, user: str, sold_out: dict[str, Any]
) -> None:
    mine = join(api, user, sold_out["show"]["id"]).json
    free_seats(api, sold_out)
    hold_id = entry(api, user, mine["id"])["hold_id"]

    booked = api.call("POST", f"/holds/{hold_id}/confirm", token=user)

    assert booked.status_code == 201, booked.text
    assert entry(api, user, mine["id"])["status"] == "booked"


def test_leaving_with_an_offer_passes_it_to_the_next_entry(
    api: Api, user: str, sold_out: dict[str, Any]
) -> None:
    show_id = sold_out["show"]["id"]
    later, first, second = two_waiting(api, user, show_id)
    free_seats(api, sold_out)
    offer = entry(api, user, first["id"])["hold_id"]

    left = api.call("DELETE", f"/waitlist/{first['id']}", token=user)

    assert left.json["status"] == "left"
    assert api.call("GET", f"/holds/{offer}", token=user).json["status"] == "released"
    assert entry(api, later, second["id"])["status"] == "offered"


def test_a_lapsed_offer_reads_expired_at_once_and_passes_on_when_settled(
    api: Api, app: Boxoffice, user: str, sold_out: dict[str, Any], clock: FakeClock
) -> None:
    show_id = sold_out["show"]["id"]
    later, first, second = two_waiting(api, user, show_id)
    free_seats(api, sold_out)
    offer = entry(api, user, first["id"])

    clock.advance(seconds=Limits().waitlist_offer_seconds + 1)
    lapsed = entry(api, user, first["id"])
    settled = app.settle_due()  # what the service's sweeper calls

    assert lapsed["status"] == "expired"
    assert lapsed["expires_at"] is None
    assert settled == 1
    passed = entry(api, later, second["id"])
    assert passed["status"] == "offered"
    assert passed["hold_id"] != offer["hold_id"]


def test_the_owner_reads_the_list_of_their_show_in_order(
    api: Api, owner: str, user: str, sold_out: dict[str, Any]
) -> None:
    show_id = sold_out["show"]["id"]
    later = api.account("later@example.com")
    ids = [join(api, token, show_id).json["id"] for token in (user, later)]

    result = api.call("GET", f"/shows/{show_id}/waitlist", token=owner)
    page = api.call("GET", f"/shows/{show_id}/waitlist", params={"limit": 1}, token=owner)

    assert result.status_code == 200, result.text
    assert [e["id"] for e in result.json] == ids
    assert [e["position"] for e in result.json] == [1, 2]
    assert [e["id"] for e in page.json] == ids[:1]
    assert next_link(page.headers) == f"/shows/{show_id}/waitlist?limit=1&after={ids[0]}"


def test_the_list_of_a_show_is_its_owners_alone(
    api: Api, user: str, sold_out: dict[str, Any]
) -> None:
    show_id = sold_out["show"]["id"]
    join(api, user, show_id)
    rival = api.account("rival@example.com", "owner")

    assert api.call("GET", f"/shows/{show_id}/waitlist", token=rival).status_code == 404
    assert api.call("GET", f"/shows/{show_id}/waitlist", token=user).status_code == 403
    assert api.call("GET", "/shows/999/waitlist", token=rival).status_code == 404


def test_every_state_of_an_entry_matches_the_documented_schema(
    api: Api, user: str, sold_out: dict[str, Any], clock: FakeClock
) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    document = api.call("GET", "/openapi.json").json
    schema = {"$ref": "#/components/schemas/WaitlistEntry", "components": document["components"]}
    show_id = sold_out["show"]["id"]
    later, first, second = two_waiting(api, user, show_id)
    free_seats(api, sold_out)
    offered = entry(api, user, first["id"])
    clock.advance(seconds=Limits().waitlist_offer_seconds + 1)
    expired = entry(api, user, first["id"])
    left = api.call("DELETE", f"/waitlist/{second['id']}", token=later).json

    states = [first, offered, expired, left]
    assert [state["status"] for state in states] == ["waiting", "offered", "expired", "left"]
    for state in states:
        jsonschema.validate(state, schema, cls=jsonschema.Draft202012Validator)
