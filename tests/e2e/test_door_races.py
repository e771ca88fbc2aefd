"""The door under concurrency, against `boxoffice serve --workers 4` on both databases:
scanners presenting one ticket at once let it in exactly once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.e2e.server import Reply, Server
from tests.e2e.test_schedule_races import a_movie, all_at_once
from tests.e2e.test_service import sign_up_and_log_in

pytestmark = pytest.mark.slow

SCANNERS = 20


def a_priced_show_at_the_door(server: Server, owner: str) -> dict[str, Any]:
    """A show of the owner's starting in half an hour: its doors (an hour before) are open."""
    cinema = server.call(
        "POST",
        "/cinemas",
        {"name": "Rex", "time_zone": "Europe/Berlin", "currency": "EUR"},
        owner,
    )
    assert cinema.status == 201, cinema
    cinema_id = cinema.body["id"]
    for code, name in [("adult", "Adult"), ("child", "Child")]:
        kind = server.call(
            "POST", f"/cinemas/{cinema_id}/ticket-types", {"code": code, "name": name}, owner
        )
        assert kind.status == 201, kind
    layout = {"rows": [{"label": "A", "seats": 10}]}
    screen = server.call(
        "POST", f"/cinemas/{cinema_id}/screens", {"name": "1", "layout": layout}, owner
    )
    assert screen.status == 201, screen
    timing = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=30)
    show = server.call(
        "POST",
        "/shows",
        {
            "movie_id": a_movie(server, owner),
            "screen_id": screen.body["id"],
            "timing": timing.isoformat(),
            "prices": [
                {"ticket_type": "adult", "zone": "standard", "amount": 1200},
                {"ticket_type": "child", "zone": "standard", "amount": 800},
            ],
        },
        owner,
    )
    assert show.status == 201, show
    body: dict[str, Any] = show.body
    return body


def test_scanners_presenting_one_code_at_once_admit_it_exactly_once(server: Server) -> None:
    owner = sign_up_and_log_in(server, "owner@example.com", "owner")
    ada = sign_up_and_log_in(server, "ada@example.com", "user")
    show = a_priced_show_at_the_door(server, owner)
    booking = server.call(
        "POST",
        "/bookings",
        {"show_id": show["id"], "num_seats": 2, "ticket_types": ["adult", "child"]},
        ada,
    )
    assert booking.status == 201, booking
    first, second = (line["ticket_code"] for line in booking.body["lines"])
    assert first != second

    def scan(code: str) -> Callable[[], Reply]:
        return lambda: server.call(
            "POST", "/checkins", {"code": code, "show_id": show["id"]}, owner
        )

    replies = all_at_once([scan(first) for _ in range(SCANNERS)])

    statuses = Counter(reply.status for reply in replies)
    assert statuses == {201: 1, 409: SCANNERS - 1}, statuses
    (admitted,) = [reply.body for reply in replies if reply.status == 201]
    assert admitted["result"] == "admitted"
    assert admitted["ticket"]
    refused = [reply.body for reply in replies if reply.status == 409]
    assert {body["result"] for body in refused} == {"already_checked_in"}
    assert all(body["title"] and body["description"] for body in refused)
    # Presented again later, it is still in once; the booking's other ticket is unaffected.
    again = scan(first)()
    assert (again.status, again.body["result"]) == (409, "already_checked_in")
    other = scan(second)()
    assert (other.status, other.body["result"]) == (201, "admitted")
