"""Webhooks from `boxoffice serve --workers 4`, on both databases, to a real receiver in this
process: every event arrives, signed, in order per show, through failed attempts; none is lost
when the whole service is killed mid-delivery, and none is invented for work that rolled back;
under 32 clients booking at once the receiver hears of exactly the bookings made."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.e2e.receiver import Receiver, per_show
from tests.e2e.server import Reply, Server
from tests.e2e.test_service import sign_up_and_log_in

pytestmark = pytest.mark.slow

# Fast retries and polls, so a test takes seconds; receivers on 127.0.0.1 are allowed.
FAST_DELIVERY = {
    "BOXOFFICE_WEBHOOKS_ALLOW_PRIVATE": "1",
    "BOXOFFICE_WEBHOOKS_RETRY_BASE_SECONDS": "0.05",
    "BOXOFFICE_WEBHOOKS_POLL_SECONDS": "0.1",
}
CLIENTS = 32
BOOKINGS_PER_CLIENT = 4
LOAD_SEATS = 100


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as started:
        yield started


@pytest.fixture
def fast_server(server_factory: Callable[..., Server]) -> Server:
    return server_factory(extra_env=FAST_DELIVERY)


def ok(reply: Reply, status: int = 200) -> Any:
    assert reply.status == status, reply
    return reply.body


class Cinema:
    """An owner's cinema, seen through the service: screens and shows on them."""

    def __init__(self, server: Server, owner: str) -> None:
        self.server = server
        self.owner = owner
        body = {"name": "Rex", "time_zone": "UTC", "currency": "EUR"}
        self.id: int = ok(server.call("POST", "/cinemas", body, owner), 201)["id"]
        movie = {"title": "Alien", "genre": "sci-fi", "duration": 117}
        self.movie_id: int = ok(server.call("POST", "/movies", movie, owner), 201)["id"]

    def show(self, seats: int, starts_in: timedelta = timedelta(days=30)) -> dict[str, Any]:
        """A general-admission show on a screen of its own."""
        screen = ok(
            self.server.call(
                "POST",
                f"/cinemas/{self.id}/screens",
                {"name": "Hall", "capacity": seats},
                self.owner,
            ),
            201,
        )
        timing = (datetime.now(UTC) + starts_in).isoformat()
        body = {"movie_id": self.movie_id, "timing": timing, "screen_id": screen["id"]}
        show: dict[str, Any] = ok(self.server.call("POST", "/shows", body, self.owner), 201)
        return show

    def register(self, receiver: Receiver, events: list[str] | None = None) -> dict[str, Any]:
        """A webhook to the receiver, which verifies with its secret from now on."""
        body = {"url": receiver.url, "events": events or ["*"]}
        path = f"/cinemas/{self.id}/webhooks"
        webhook: dict[str, Any] = ok(self.server.call("POST", path, body, self.owner), 201)
        receiver.secret = webhook["secret"]
        return webhook

    def deliveries(self, webhook: dict[str, Any]) -> list[dict[str, Any]]:
        path = f"/webhooks/{webhook['id']}/deliveries?limit=500"
        listed: list[dict[str, Any]] = ok(self.server.call("GET", path, token=self.owner))
        return listed

    def settled(self, webhook: dict[str, Any], seconds: float = 15) -> list[dict[str, Any]]:
        """The deliveries once none is pending: the receiver answers before the dispatcher
        records its answer."""
        deadline = time.monotonic() + seconds
        while True:
            listed = self.deliveries(webhook)
            if all(d["status"] != "pending" for d in listed):
                return listed
            assert time.monotonic() < deadline, listed
            time.sleep(0.1)


def book(server: Server, token: str, show_id: int, seats: int = 1) -> Reply:
    return server.call("POST", "/bookings", {"show_id": show_id, "num_seats": seats}, token)


def happened_in(accepted: list[str], groups: list[set[str]]) -> bool:
    """Whether the events came group after group, in any order within a group: the events
    one request made (a cancelled show and its bookings) happened at once."""
    position = 0
    for group in groups:
        if set(accepted[position : position + len(group)]) != group:
            return False
        position += len(group)
    return position == len(accepted)


def test_every_event_arrives_signed_and_in_order_per_show_through_failed_attempts(
    fast_server: Server, receiver: Receiver
) -> None:
    server = fast_server
    receiver.failures = 2
    owner = sign_up_and_log_in(server, "owner@example.com", "owner")
    first = sign_up_and_log_in(server, "first@example.com", "user")
    second = sign_up_and_log_in(server, "second@example.com", "user")
    cinema = Cinema(server, owner)
    # Doors open an hour before: this show lets tickets in now.
    tonight = cinema.show(seats=2, starts_in=timedelta(minutes=30))
    later = cinema.show(seats=10)
    webhook = cinema.register(receiver)
    data: dict[str, Any] = {}  # each event's data as the API answered the change

    b1 = ok(book(server, first, tonight["id"], seats=2), 201)
    data[f"booking.created {b1['id']}"] = b1
    b3 = ok(book(server, first, later["id"]), 201)
    data[f"booking.created {b3['id']}"] = b3
    entry = ok(
        server.call("POST", f"/shows/{tonight['id']}/waitlist", {"num_seats": 1}, second), 201
    )
    # Freed seats: the cancellation and the offer happen at once.
    cancelled = ok(server.call("DELETE", f"/bookings/{b1['id']}", token=first))
    data[f"booking.cancelled {b1['id']}"] = cancelled
    offered = ok(server.call("GET", f"/waitlist/{entry['id']}", token=second))
    assert offered["status"] == "offered", offered
    data[f"waitlist.offered {entry['id']}"] = offered
    b2 = ok(server.call("POST", f"/holds/{offered['hold_id']}/confirm", token=second), 201)
    data[f"booking.created {b2['id']}"] = b2
    code = b2["lines"][0]["ticket_code"]
    admitted = ok(
        server.call("POST", "/checkins", {"code": code, "show_id": tonight["id"]}, owner), 201
    )
    data[f"checkin.admitted {code}"] = admitted["ticket"]
    b3_cancelled = ok(server.call("DELETE", f"/bookings/{b3['id']}", token=first))
    data[f"booking.cancelled {b3['id']}"] = b3_cancelled
    moved_to = (datetime.fromisoformat(tonight["timing"]) + timedelta(minutes=10)).isoformat()
    moved = ok(server.call("PATCH", f"/shows/{tonight['id']}", {"timing": moved_to}, owner))
    data[f"show.rescheduled {tonight['id']}"] = moved
    gone = ok(server.call("DELETE", f"/shows/{tonight['id']}", token=owner))
    data[f"show.cancelled {tonight['id']}"] = gone
    b2_cancelled = ok(server.call("GET", f"/bookings/{b2['id']}", token=second))
    data[f"booking.cancelled {b2['id']}"] = b2_cancelled

    expected = {
        tonight["id"]: [
            {f"booking.created {b1['id']}"},
            {f"booking.cancelled {b1['id']}", f"waitlist.offered {entry['id']}"},
            {f"booking.created {b2['id']}"},
            {f"checkin.admitted {code}"},
            {f"show.rescheduled {tonight['id']}"},
            {f"show.cancelled {tonight['id']}", f"booking.cancelled {b2['id']}"},
        ],
        later["id"]: [{f"booking.created {b3['id']}"}, {f"booking.cancelled {b3['id']}"}],
    }
    receiver.wait_for(lambda r: len(r.events()) == len(data), what="every event")

    attempts = receiver.attempts
    assert all(attempt.verified for attempt in attempts), "a signature did not verify"
    # Each event failed twice, then went through, always under its own id.
    events = receiver.events()
    for event_id, payload in events.items():
        assert [a.answered for a in attempts if a.event_id == event_id] == [503, 503, 204]
        assert set(payload) == {"id", "type", "occurred_at", "data"}
        assert payload["id"] == event_id
    arrived = {
        f"{p['type']} {p['data'].get('code', p['data'].get('id'))}": p for p in events.values()
    }
    assert set(arrived) == set(data)
    for name, payload in arrived.items():
        assert payload["data"] == data[name], name
    order = per_show(receiver.accepted())
    for show_id, groups in expected.items():
        assert happened_in(order[show_id], groups), (show_id, order[show_id])
    listed = cinema.settled(webhook)
    assert {(d["status"], d["attempts"], d["last_status"]) for d in listed} == {
        ("delivered", 3, 204)
    }
    assert {d["event_id"] for d in listed} == set(events)


def test_a_killed_service_delivers_every_committed_event_after_a_restart_and_no_other(
    server_factory: Callable[..., Server], receiver: Receiver
) -> None:
    server = server_factory(extra_env=FAST_DELIVERY)
    owner = sign_up_and_log_in(server, "owner@example.com", "owner")
    user = sign_up_and_log_in(server, "user@example.com", "user")
    cinema = Cinema(server, owner)
    show = cinema.show(seats=5)
    cinema.register(receiver)
    receiver.stall()

    made = [ok(book(server, user, show["id"]), 201)["id"] for _ in range(5)]
    # Rolled back: no seats left, and a booking already cancelled.
    assert book(server, user, show["id"]).status == 409
    ok(server.call("DELETE", f"/bookings/{made[0]}", token=user))
    assert server.call("DELETE", f"/bookings/{made[0]}", token=user).status == 409
    # A delivery is in flight: the receiver holds its answer.
    receiver.wait_for(lambda r: r.stalled > 0, what="a delivery in flight")

    server.kill_all()
    # What the receiver had in hand it now accepts, but nobody hears the answer.
    receiver.release()
    restarted = server_factory(extra_env=FAST_DELIVERY)

    def created(r: Receiver) -> set[int]:
        return {p["data"]["id"] for p in r.events().values() if p["type"] == "booking.created"}

    receiver.wait_for(lambda r: created(r) == set(made), what="every booking")
    receiver.wait_for(lambda r: r.count("booking.cancelled") == 1, what="the cancellation")
    # Anything invented would have come by now: the dispatcher polls every 0.1 s.
    time.sleep(1)
    events = receiver.events().values()
    assert created(receiver) == set(made)
    assert [p["data"]["id"] for p in events if p["type"] == "booking.cancelled"] == [made[0]]
    assert len(events) == len(made) + 1
    assert all(attempt.verified for attempt in receiver.attempts)
    # The event in flight at the kill was taken, but its answer never recorded: it came again.
    accepted = Counter(attempt.event_id for attempt in receiver.accepted())
    assert max(accepted.values()) == 2, accepted
    assert restarted.call("GET", "/health").status == 200


def test_under_32_clients_booking_the_receiver_hears_of_exactly_the_bookings_made(
    fast_server: Server, receiver: Receiver
) -> None:
    server = fast_server
    owner = sign_up_and_log_in(server, "owner@example.com", "owner")
    user = sign_up_and_log_in(server, "user@example.com", "user")
    cinema = Cinema(server, owner)
    shows = [cinema.show(seats=LOAD_SEATS // 2) for _ in range(2)]
    cinema.register(receiver, events=["booking.created"])

    def client(number: int) -> list[Reply]:
        show_id = shows[number % 2]["id"]
        return [book(server, user, show_id) for _ in range(BOOKINGS_PER_CLIENT)]

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        replies = [reply for replies in pool.map(client, range(CLIENTS)) for reply in replies]

    made = {reply.body["id"] for reply in replies if reply.status == 201}
    assert len(made) == LOAD_SEATS
    assert {reply.status for reply in replies} == {201, 409}

    def heard(r: Receiver) -> set[int]:
        return {payload["data"]["id"] for payload in r.events().values()}

    receiver.wait_for(lambda r: len(heard(r)) >= len(made), what="every booking")
    time.sleep(0.5)
    assert heard(receiver) == made
    assert receiver.count("booking.created") == len(made)
