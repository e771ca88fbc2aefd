"""Waiting lists on `boxoffice serve --workers 4`, on both databases: freed seats go to the
list in order of joining under concurrency, and lapsed offers pass on with nobody asking."""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.e2e.server import Reply, Server
from tests.e2e.test_audit import boxoffice_audit
from tests.e2e.test_service import add_show, sign_up_and_log_in

pytestmark = pytest.mark.slow

WAITING = 50
CANCELLED = 30
PUBLIC = 8
OFFER_SECONDS = 2
WORKERS = 4


def accounts(server: Server, prefix: str, count: int) -> list[str]:
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(
            pool.map(
                lambda n: sign_up_and_log_in(server, f"{prefix}{n}@example.com", "user"),
                range(count),
            )
        )


def join(server: Server, token: str, show_id: int, seats: int = 1) -> dict[str, Any]:
    reply = server.call("POST", f"/shows/{show_id}/waitlist", {"num_seats": seats}, token)
    assert reply.status == 201, reply
    entry: dict[str, Any] = reply.body
    return entry


def the_list(server: Server, owner: str, show_id: int) -> list[dict[str, Any]]:
    reply = server.call("GET", f"/shows/{show_id}/waitlist?limit=500", token=owner)
    assert reply.status == 200, reply
    entries: list[dict[str, Any]] = reply.body
    return entries


def test_freed_seats_go_to_the_list_in_order_of_joining_and_never_to_the_public(
    server: Server,
) -> None:
    owner = sign_up_and_log_in(server, "owner@example.com", "owner")
    show = add_show(server, owner, seats=CANCELLED)
    show_id = show["id"]
    buyers = accounts(server, "buyer", CANCELLED)
    bookings = []
    for token in buyers:
        booked = server.call("POST", "/bookings", {"show_id": show_id, "num_seats": 1}, token)
        assert booked.status == 201, booked
        bookings.append((token, booked.body["id"]))
    waiters = accounts(server, "waiter", WAITING)
    # One after another: the order of joining is the order of these calls.
    entries = [join(server, token, show_id) for token in waiters]
    assert [entry["position"] for entry in entries] == list(range(1, WAITING + 1))
    public = accounts(server, "public", PUBLIC)

    cancelling = threading.Event()
    public_replies: list[Reply] = []
    lock = threading.Lock()

    def cancel(pair: tuple[str, int]) -> Reply:
        token, booking_id = pair
        return server.call("DELETE", f"/bookings/{booking_id}", token=token)

    def keep_booking(token: str) -> None:
        # Until the cancellations are done, and a few tries after.
        tries_after = 3
        while tries_after:
            if not cancelling.is_set():
                tries_after -= 1
            for kind in ("/bookings", "/holds"):
                reply = server.call("POST", kind, {"show_id": show_id, "num_seats": 1}, token)
                with lock:
                    public_replies.append(reply)

    cancelling.set()
    with ThreadPoolExecutor(max_workers=CANCELLED + PUBLIC) as pool:
        racing = [pool.submit(keep_booking, token) for token in public]
        cancelled = list(pool.map(cancel, bookings))
        cancelling.clear()
        for future in racing:
            future.result()

    assert Counter(reply.status for reply in cancelled) == {200: CANCELLED}
    assert public_replies
    assert {reply.status for reply in public_replies} == {409}, Counter(
        (reply.status, reply.body.get("description")) for reply in public_replies
    )
    listed = the_list(server, owner, show_id)
    assert [entry["id"] for entry in listed] == [entry["id"] for entry in entries]
    offered, waiting = listed[:CANCELLED], listed[CANCELLED:]
    assert {entry["status"] for entry in offered} == {"offered"}
    assert {entry["status"] for entry in waiting} == {"waiting"}
    assert [entry["position"] for entry in waiting] == list(range(1, WAITING - CANCELLED + 1))
    hold_ids = [entry["hold_id"] for entry in offered]
    assert len(set(hold_ids)) == CANCELLED
    for token, entry in zip(waiters, offered, strict=False):
        hold = server.call("GET", f"/holds/{entry['hold_id']}", token=token)
        assert hold.status == 200, hold
        assert (hold.body["user_id"], hold.body["num_seats"], hold.body["status"]) == (
            entry["user_id"],
            1,
            "active",
        )
    report = server.call("GET", f"/shows/{show_id}/report", token=owner).body
    assert (report["sold"], report["held"], report["free"]) == (0, CANCELLED, 0)
    # No entry was ever offered twice, even for a moment.
    offers = Counter(
        event["target"]
        for event in boxoffice_audit(server)
        if event["action"] == "waitlist.offered"
    )
    assert sorted(offers.values()) == [1] * CANCELLED


def one_seat_offered_to_the_first_of_two(
    server: Server,
) -> tuple[str, dict[str, Any], list[str], list[dict[str, Any]]]:
    """A one-seat show, sold and then freed while two users wait: the first holds an offer."""
    owner = sign_up_and_log_in(server, "owner@example.com", "owner")
    show = add_show(server, owner, seats=1)
    buyer = sign_up_and_log_in(server, "buyer@example.com", "user")
    booking = server.call("POST", "/bookings", {"show_id": show["id"], "num_seats": 1}, buyer)
    assert booking.status == 201, booking
    waiters = accounts(server, "waiter", 2)
    entries = [join(server, token, show["id"]) for token in waiters]
    cancelled = server.call("DELETE", f"/bookings/{booking.body['id']}", token=buyer)
    assert cancelled.status == 200, cancelled
    first = server.call("GET", f"/waitlist/{entries[0]['id']}", token=waiters[0]).body
    assert first["status"] == "offered", first
    return owner, show, waiters, entries


def audited(server: Server, action: str) -> list[str]:
    return [event["target"] for event in boxoffice_audit(server) if event["action"] == action]


def read(server: Server, token: str, entry: dict[str, Any]) -> dict[str, Any]:
    """An entry as its user reads it: reading settles nothing."""
    reply = server.call("GET", f"/waitlist/{entry['id']}", token=token)
    assert reply.status == 200, reply
    body: dict[str, Any] = reply.body
    return body


def test_a_lapsed_offer_passes_on_with_nobody_touching_the_show(
    server_factory: Callable[..., Server],
) -> None:
    server = server_factory(extra_env={"BOXOFFICE_WAITLIST_OFFER_SECONDS": str(OFFER_SECONDS)})
    _, _, waiters, entries = one_seat_offered_to_the_first_of_two(server)

    # Nothing changes the show meanwhile, and reads settle nothing: only the service's
    # sweeper can pass the offer on.
    deadline = time.monotonic() + OFFER_SECONDS + 15
    while (second := read(server, waiters[1], entries[1]))["status"] == "waiting":
        assert time.monotonic() < deadline, "the lapsed offer was never passed on"
        time.sleep(0.1)

    assert second["status"] == "offered", second
    assert read(server, waiters[0], entries[0])["status"] == "expired"
    hold = server.call("GET", f"/holds/{second['hold_id']}", token=waiters[1])
    assert (hold.status, hold.body["user_id"]) == (200, second["user_id"])
    first_id, second_id = (f"waitlist:{entry['id']}" for entry in entries)
    assert audited(server, "waitlist.offered")[:2] == [first_id, second_id]
    assert audited(server, "waitlist.lapsed")[:1] == [first_id]
    # Each worker's sweeper stops with its worker, cleanly.
    assert server.stop() == 0
    log = server.log()
    assert len(re.findall(r"waitlist sweeper \S+ every 1s", log)) == WORKERS, log
    assert len(re.findall(r"waitlist sweeper \S+ stopped", log)) == WORKERS, log


def test_without_a_sweeper_a_lapsed_offer_waits_for_the_show_to_change(
    server_factory: Callable[..., Server],
) -> None:
    server = server_factory(
        extra_env={
            "BOXOFFICE_WAITLIST_OFFER_SECONDS": str(OFFER_SECONDS),
            "BOXOFFICE_WAITLIST_SWEEP_SECONDS": "0",
        }
    )
    owner, show, waiters, entries = one_seat_offered_to_the_first_of_two(server)

    deadline = time.monotonic() + OFFER_SECONDS + 3
    while time.monotonic() < deadline:
        assert read(server, waiters[1], entries[1])["status"] == "waiting"
        time.sleep(0.2)

    # Readers never see the lapsed offer as live, yet nothing passed it on.
    assert read(server, waiters[0], entries[0])["status"] == "expired"
    assert len(audited(server, "waitlist.offered")) == 1
    # The show's next change does.
    grown = server.call("PATCH", f"/shows/{show['id']}", {"capacity": 2}, owner)
    assert grown.status == 200, grown
    assert read(server, waiters[1], entries[1])["status"] == "offered"
