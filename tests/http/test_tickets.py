"""Money over HTTP: currencies, ticket types, prices on shows, priced bookings and holds,
refunds; and the tickets a booking issues, read by their user and shown as QR codes."""

from __future__ import annotations

import re

import pytest
import segno

from tests.fakes import FakeClock
from tests.http.conftest import FUTURE, Api
from tests.http.priced import PRICES, Venue


@pytest.fixture
def venue(api: Api, owner: str) -> Venue:
    return Venue.open(api, owner, cancel_until_minutes=120, cancel_fee=100)


def test_a_cinema_has_a_currency_and_a_cancellation_policy(venue: Venue) -> None:
    cinema = venue.cinema

    assert (cinema["currency"], cinema["cancel_until_minutes"], cinema["cancel_fee"]) == (
        "EUR",
        120,
        100,
    )


def test_its_owner_changes_the_policy_and_nobody_else_may(
    api: Api, venue: Venue, user: str
) -> None:
    path = f"/cinemas/{venue.cinema['id']}"
    other = api.account("other@example.com", "owner")

    changed = api.call("PATCH", path, json={"cancel_fee": 250}, token=venue.owner)

    assert changed.status_code == 200
    assert changed.json == {**venue.cinema, "cancel_fee": 250}
    assert api.call("PATCH", path, json={"name": "Rex"}, token=other).status_code == 404
    assert api.call("PATCH", path, json={"name": "Rex"}, token=user).status_code == 403
    assert api.call("PATCH", path, json={}, token=venue.owner).status_code == 400


def test_ticket_types_list_the_default_first_and_a_code_is_taken_once(
    api: Api, venue: Venue
) -> None:
    path = f"/cinemas/{venue.cinema['id']}/ticket-types"

    listed = api.call("GET", path)
    again = api.call("POST", path, json={"code": "child", "name": "Kid"}, token=venue.owner)

    assert [(t["code"], t["name"], t["default"]) for t in listed.json] == [
        ("adult", "Adult", True),
        ("child", "Child", False),
    ]
    assert {t["cinema_id"] for t in listed.json} == {venue.cinema["id"]}
    assert again.status_code == 409
    assert "child" in again.json["description"]


def test_the_first_ticket_type_is_the_default(api: Api, owner: str) -> None:
    cinema = api.call(
        "POST",
        "/cinemas",
        json={"name": "Rex", "time_zone": "UTC", "currency": "JPY"},
        token=owner,
    ).json
    path = f"/cinemas/{cinema['id']}/ticket-types"

    first = api.call("POST", path, json={"code": "adult", "name": "Adult"}, token=owner)
    second = api.call("POST", path, json={"code": "senior", "name": "Senior"}, token=owner)

    assert first.status_code == second.status_code == 201
    assert (first.json["default"], second.json["default"]) == (True, False)


def test_a_show_on_a_screen_carries_its_cinemas_currency_and_its_prices(
    api: Api, venue: Venue
) -> None:
    show = venue.show()

    assert show["currency"] == "EUR"
    assert show["prices"] == PRICES
    assert api.call("GET", f"/shows/{show['id']}").json == show


def test_a_price_for_an_unknown_type_or_zone_is_refused(venue: Venue) -> None:
    for price in (
        {"ticket_type": "student", "zone": "premium", "amount": 1},
        {"ticket_type": "adult", "zone": "balcony", "amount": 1},
    ):
        body = {
            "movie_id": venue.movie["id"],
            "timing": FUTURE,
            "screen_id": venue.screen["id"],
            "prices": [price],
        }
        result = venue.api.call("POST", "/shows", json=body, token=venue.owner)

        assert result.status_code == 400
        assert result.json["description"].startswith("prices: ")


def test_an_adult_and_a_child_pay_their_prices(api: Api, venue: Venue, user: str) -> None:
    show = venue.show()

    booking = venue.booked(user, show["id"], ["E1", "F4"], ["adult", "child"])

    lines = [{k: v for k, v in line.items() if k != "ticket_code"} for line in booking["lines"]]
    assert lines == [
        {"seat": "E1", "zone": "premium", "ticket_type": "adult", "amount": 1500},
        {"seat": "F4", "zone": "standard", "ticket_type": "child", "amount": 700},
    ]
    assert (booking["total"], booking["currency"], booking["refund"]) == (2200, "EUR", 0)


def test_seats_without_types_are_of_the_default_type(venue: Venue, user: str) -> None:
    show = venue.show()

    booking = venue.booked(user, show["id"], ["E2", "E3"])

    assert [line["ticket_type"] for line in booking["lines"]] == ["adult", "adult"]
    assert booking["total"] == 3000


def test_types_follow_the_seats_in_the_order_they_are_named(venue: Venue, user: str) -> None:
    show = venue.show()

    booking = venue.booked(user, show["id"], ["F4", "E1"], ["child", "adult"])

    by_seat = {line["seat"]: line["ticket_type"] for line in booking["lines"]}
    assert by_seat == {"E1": "adult", "F4": "child"}
    assert booking["total"] == 1500 + 700


def test_a_count_of_seats_takes_as_many_types(venue: Venue, user: str) -> None:
    show = venue.show()
    body = {"show_id": show["id"], "num_seats": 2, "ticket_types": ["child", "child"]}

    result = venue.api.call("POST", "/bookings", json=body, token=user)

    assert result.status_code == 201, result.text
    assert [line["ticket_type"] for line in result.json["lines"]] == ["child", "child"]


@pytest.mark.parametrize(
    ("seats", "kinds", "named"),
    [
        (["E1", "E2"], ["adult"], "2 seats"),
        (["E1"], ["student"], "student"),
        (["F1"], ["adult"], "seat F1"),
    ],
    ids=["count", "unknown type", "unpriced zone"],
)
def test_ticket_types_that_do_not_fit_are_refused_naming_why(
    api: Api, venue: Venue, user: str, seats: list[str], kinds: list[str], named: str
) -> None:
    show = venue.show()

    result = venue.book(user, show["id"], seats, kinds)

    assert result.status_code == 400
    assert result.json["description"].startswith("ticket_types: ")
    assert named in result.json["description"]
    assert api.call("GET", f"/shows/{show['id']}").json["available_seats"] == 17


def test_a_hold_keeps_its_types_and_is_priced_when_confirmed(
    api: Api, venue: Venue, user: str
) -> None:
    show = venue.show()
    held = api.call(
        "POST",
        "/holds",
        json={"show_id": show["id"], "seats": ["E1", "E2"], "ticket_types": ["child", "adult"]},
        token=user,
    )
    assert held.status_code == 201, held.text
    assert held.json["ticket_types"] == ["child", "adult"]
    cheaper = [{**price, "amount": price["amount"] // 2} for price in PRICES]
    patched = api.call("PATCH", f"/shows/{show['id']}", json={"prices": cheaper}, token=venue.owner)
    assert patched.status_code == 200, patched.text

    booking = api.call("POST", f"/holds/{held.json['id']}/confirm", token=user)

    assert booking.status_code == 201, booking.text
    assert [(line["ticket_type"], line["amount"]) for line in booking.json["lines"]] == [
        ("child", 450),
        ("adult", 750),
    ]
    assert booking.json["total"] == 1200


def test_a_later_price_change_never_alters_a_booking(api: Api, venue: Venue, user: str) -> None:
    show = venue.show()
    booking = venue.booked(user, show["id"], ["E1"])

    dearer = [{**price, "amount": price["amount"] * 2} for price in PRICES]
    changed = api.call("PATCH", f"/shows/{show['id']}", json={"prices": dearer}, token=venue.owner)

    assert changed.json["prices"] == dearer
    assert api.call("GET", f"/bookings/{booking['id']}", token=user).json == booking


def test_a_user_cancelling_gets_the_total_less_the_fee_a_ticket(
    api: Api, venue: Venue, user: str
) -> None:
    show = venue.show()
    booking = venue.booked(user, show["id"], ["E1", "F4"], ["adult", "child"])

    cancelled = api.call("DELETE", f"/bookings/{booking['id']}", token=user)

    assert cancelled.status_code == 200
    assert cancelled.json["status"] == "cancelled"
    assert cancelled.json["refund"] == 2200 - 2 * 100
    assert cancelled.json["total"] == 2200


def test_after_the_cut_off_a_user_may_not_cancel(
    api: Api, venue: Venue, user: str, clock: FakeClock
) -> None:
    show = venue.show(timing="2030-01-01T14:00:00+00:00")
    booking = venue.booked(user, show["id"], ["E1"])
    clock.advance(minutes=1)  # 119 minutes before the show: the cut-off is 120

    result = api.call("DELETE", f"/bookings/{booking['id']}", token=user)

    assert result.status_code == 409
    assert "120 minutes" in result.json["description"]
    assert api.call("GET", f"/bookings/{booking['id']}", token=user).json["status"] == "active"


def test_the_owner_cancelling_a_show_refunds_everything(
    api: Api, venue: Venue, user: str, clock: FakeClock
) -> None:
    show = venue.show(timing="2030-01-01T14:00:00+00:00")
    booking = venue.booked(user, show["id"], ["E1", "F4"], ["adult", "child"])
    clock.advance(minutes=30)  # past the users' cut-off

    api.call("DELETE", f"/shows/{show['id']}", token=venue.owner)

    refunded = api.call("GET", f"/bookings/{booking['id']}", token=user).json
    assert (refunded["cancel_reason"], refunded["refund"]) == ("show_cancelled", 2200)


def test_a_ticket_is_read_by_its_user_and_nobody_else(api: Api, venue: Venue, user: str) -> None:
    show = venue.show()
    booking = venue.booked(user, show["id"], ["F4"], ["child"])
    code = booking["lines"][0]["ticket_code"]
    stranger = api.account("stranger@example.com")

    mine = api.call("GET", f"/tickets/{code}", token=user)

    assert mine.status_code == 200
    assert mine.json == {
        "code": code,
        "booking_id": booking["id"],
        "show_id": show["id"],
        "seat": "F4",
        "zone": "standard",
        "ticket_type": "child",
        "amount": 700,
        "status": "valid",
        "checked_in_at": None,
    }
    theirs = api.call("GET", f"/tickets/{code}", token=stranger)
    unknown = api.call("GET", "/tickets/no-such-code", token=user)
    assert theirs.status_code == unknown.status_code == 404
    assert theirs.json["description"].replace(code, "?") == unknown.json["description"].replace(
        "no-such-code", "?"
    )
    assert api.call("GET", f"/tickets/{code}").status_code == 401


def test_a_ticket_code_in_a_path_is_checked(api: Api, user: str) -> None:
    result = api.call("GET", "/tickets/" + "x" * 65, token=user)

    assert result.status_code == 400
    assert result.json["description"].startswith("code: ")


def _modules(svg: str) -> set[tuple[int, int]]:
    """The dark modules an SVG path of segno's draws: after M (absolute) or m (relative) moves,
    each h draws a run of modules along the row it is on."""
    (path,) = re.findall(r' d="([^"]+)"', svg)
    x = y = 0.0
    dark = set()
    for command, numbers in re.findall(r"([Mmh])([-0-9. ]+)", path):
        values = [float(n) for n in numbers.split()]
        if command == "M":
            x, y = values
        elif command == "m":
            x, y = x + values[0], y + values[1]
        else:
            dark |= {(int(y), int(x) + i) for i in range(int(values[0]))}
            x += values[0]
    return dark


def test_a_tickets_qr_code_encodes_its_code(api: Api, venue: Venue, user: str) -> None:
    show = venue.show()
    code = venue.booked(user, show["id"], ["E5"])["lines"][0]["ticket_code"]

    result = api.call("GET", f"/tickets/{code}/qr.svg", token=user)

    assert result.status_code == 200
    assert result.headers["Content-Type"] == "image/svg+xml"
    assert result.text.startswith("<svg")
    expected = segno.make(code, error="m")
    border = 4
    dark = {
        (row + border, column + border)
        for row, line in enumerate(expected.matrix)
        for column, module in enumerate(line)
        if module
    }
    assert _modules(result.text) == dark
    assert 'transform="scale(4)"' in result.text


def test_only_the_tickets_user_gets_its_qr_code(api: Api, venue: Venue, user: str) -> None:
    show = venue.show()
    code = venue.booked(user, show["id"], ["E5"])["lines"][0]["ticket_code"]
    stranger = api.account("stranger@example.com")

    result = api.call("GET", f"/tickets/{code}/qr.svg", token=stranger)

    assert result.status_code == 404
    assert result.headers["Content-Type"] == "application/json"


def test_money_is_never_a_float(api: Api, venue: Venue, user: str) -> None:
    show = venue.show()
    body = {"show_id": show["id"], "seats": ["E1"]}
    booking = api.call("POST", "/bookings", json=body, token=user)
    price = {"ticket_type": "adult", "zone": "premium", "amount": 12.5}

    refused = api.call("PATCH", f"/shows/{show['id']}", json={"prices": [price]}, token=venue.owner)

    assert isinstance(booking.json["total"], int)
    assert refused.status_code == 400
    assert refused.json["description"] == "prices[0].amount: must be an integer"


def test_a_listing_shows_a_shows_new_prices(api: Api, venue: Venue) -> None:
    show = venue.show()
    assert api.call("GET", "/shows").json == [show]
    dearer = [{**price, "amount": price["amount"] + 1} for price in PRICES]

    api.call("PATCH", f"/shows/{show['id']}", json={"prices": dearer}, token=venue.owner)

    (listed,) = api.call("GET", "/shows").json
    assert listed["prices"] == dearer


def test_a_series_sells_at_its_prices(api: Api, venue: Venue) -> None:
    body = {
        "movie_id": venue.movie["id"],
        "screen_id": venue.screen["id"],
        "first_day": "2030-02-01",
        "last_day": "2030-02-02",
        "times": ["20:00"],
        "prices": PRICES,
    }

    result = api.call("POST", "/shows/series", json=body, token=venue.owner)

    assert result.status_code == 201, result.text
    assert [(show["currency"], show["prices"]) for show in result.json] == [("EUR", PRICES)] * 2


def test_a_general_admission_show_lists_its_current_prices(api: Api, venue: Venue) -> None:
    # Listings keep general-admission shows' JSON by value: a new price is a new value.
    hall = api.call(
        "POST",
        f"/cinemas/{venue.cinema['id']}/screens",
        json={"name": "Lawn", "capacity": 50},
        token=venue.owner,
    ).json
    standard = [price for price in PRICES if price["zone"] == "standard"]
    body = {"movie_id": venue.movie["id"], "timing": FUTURE, "screen_id": hall["id"]}
    show = api.call("POST", "/shows", json={**body, "prices": standard}, token=venue.owner).json
    assert api.call("GET", "/shows").json == [show]
    dearer = [{**price, "amount": price["amount"] + 50} for price in standard]

    api.call("PATCH", f"/shows/{show['id']}", json={"prices": dearer}, token=venue.owner)

    (listed,) = api.call("GET", "/shows").json
    assert listed["prices"] == dearer
