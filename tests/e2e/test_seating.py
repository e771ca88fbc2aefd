"""Seat maps, holds and best seats against `boxoffice serve --workers 4`, SQLite and PostgreSQL:
fifty clients racing for two seats, pick-hold-confirm, holds lapsing on a real clock.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from tests.e2e.server import Reply, Server
from tests.e2e.test_service import add_show, sign_up_and_log_in

pytestmark = pytest.mark.slow

CLIENTS = 50
CONTESTED = ["C5", "C6"]
# Five rows of eight; two aisle corners and one broken seat are never sold.
HALL = {
    "rows": [{"label": label, "seats": 8} for label in "ABCDE"],
    "blocked": ["A1", "A8", "E4"],
}
HALL_CAPACITY = 5 * 8 - 3
HOLD_TTL_SECONDS = 2


def seat_states(server: Server, show_id: int) -> tuple[dict[str, str], int]:
    """Every seat's state by name, and available_seats, from GET /shows/{id}/seats; checks
    that the counts agree with the seats (free = available, free + held + booked = capacity).
    """
    reply = server.call("GET", f"/shows/{show_id}/seats")
    assert reply.status == 200, reply
    assert reply.body["show_id"] == show_id
    states = {seat["seat"]: seat["state"] for row in reply.body["rows"] for seat in row["seats"]}
    counts = Counter(states.values())
    assert counts["free"] == reply.body["available_seats"], reply.body
    assert counts["free"] + counts["held"] + counts["booked"] == reply.body["capacity"]
    return states, reply.body["available_seats"]


def states_of(states: dict[str, str], seats: list[str]) -> set[str]:
    return {states[seat] for seat in seats}


def many_users(server: Server, count: int) -> list[str]:
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(
            pool.map(
                lambda n: sign_up_and_log_in(server, f"u{n}@example.com", "user"), range(count)
            )
        )


@pytest.mark.parametrize(("path", "taken_as"), [("/bookings", "booked"), ("/holds", "held")])
def test_fifty_clients_grab_the_same_two_seats_one_wins(
    server: Server, path: str, taken_as: str
) -> None:
    owner = sign_up_and_log_in(server, "owner@example.com", "owner")
    show = add_show(server, owner, seat_map=HALL)
    tokens = many_users(server, CLIENTS)
    _, available_before = seat_states(server, show["id"])
    start = threading.Barrier(CLIENTS)

    def grab(token: str) -> Reply:
        start.wait()
        return server.call("POST", path, {"show_id": show["id"], "seats": CONTESTED}, token)

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        replies = list(pool.map(grab, tokens))

    statuses = Counter(reply.status for reply in replies)
    print(f"\n{CLIENTS} clients for seats {CONTESTED} via POST {path}: {dict(statuses)}")
    assert statuses == {201: 1, 409: CLIENTS - 1}
    (winner,) = [reply for reply in replies if reply.status == 201]
    assert winner.body["seats"] == CONTESTED
    assert all(reply.body["seats"] == CONTESTED for reply in replies if reply.status == 409)
    states, available_after = seat_states(server, show["id"])
    assert states_of(states, CONTESTED) == {taken_as}
    assert Counter(states.values())[taken_as] == 2
    assert available_after == available_before - 2


def test_pick_hold_confirm_cancel_and_release(server: Server) -> None:
    owner = sign_up_and_log_in(server, "owner@example.com", "owner")
    ada = sign_up_and_log_in(server, "ada@example.com", "user")
    bob = sign_up_and_log_in(server, "bob@example.com", "user")
    show = add_show(server, owner, seat_map=HALL)
    show_id = show["id"]
    assert show["capacity"] == show["available_seats"] == HALL_CAPACITY

    # The seat map: every seat, row by row, blocked ones marked.
    seats = server.call("GET", f"/shows/{show_id}/seats")
    assert seats.status == 200, seats
    assert seats.body["capacity"] == seats.body["available_seats"] == HALL_CAPACITY
    assert [row["label"] for row in seats.body["rows"]] == list("ABCDE")
    assert [seat["seat"] for seat in seats.body["rows"][0]["seats"]] == [
        f"A{n}" for n in range(1, 9)
    ]
    states, _ = seat_states(server, show_id)
    assert {seat for seat, state in states.items() if state == "blocked"} == {"A1", "A8", "E4"}
    assert Counter(states.values()) == {"free": HALL_CAPACITY, "blocked": 3}

    # Ada holds two seats: they are held, and counted as taken.
    held = server.call("POST", "/holds", {"show_id": show_id, "seats": ["c6", "C5"]}, ada)
    assert held.status == 201, held
    hold = held.body
    assert hold["seats"] == CONTESTED
    assert (hold["show_id"], hold["num_seats"], hold["status"]) == (show_id, 2, "active")
    assert hold["booking_id"] is None
    lifetime = datetime.fromisoformat(hold["expires_at"]) - datetime.fromisoformat(
        hold["created_at"]
    )
    assert lifetime == timedelta(seconds=600)
    states, available = seat_states(server, show_id)
    assert states_of(states, CONTESTED) == {"held"}
    assert available == HALL_CAPACITY - 2
    assert server.call("GET", f"/shows/{show_id}").body["available_seats"] == HALL_CAPACITY - 2

    # Nobody else gets them, nor sees Ada's hold; Ada holds one set per show.
    clash = server.call("POST", "/bookings", {"show_id": show_id, "seats": ["C6", "C7"]}, bob)
    assert clash.status == 409, clash
    assert clash.body["seats"] == ["C6"]
    assert (
        server.call("POST", "/holds", {"show_id": show_id, "seats": CONTESTED}, bob).status == 409
    )
    assert server.call("GET", f"/holds/{hold['id']}", token=bob).status == 404
    assert server.call("POST", f"/holds/{hold['id']}/confirm", token=bob).status == 404
    assert server.call("POST", "/holds", {"show_id": show_id, "seats": ["D1"]}, ada).status == 409
    assert server.call("POST", "/holds", {"show_id": show_id, "seats": ["A1"]}, bob).status == 409
    assert server.call("POST", "/holds", {"show_id": show_id, "num_seats": 1}, owner).status == 403

    # Confirmed: the hold becomes a booking carrying its seats.
    confirmed = server.call(
        "POST", f"/holds/{hold['id']}/confirm", token=ada, headers={"Idempotency-Key": "pay-1"}
    )
    assert confirmed.status == 201, confirmed
    booking = confirmed.body
    assert (booking["seats"], booking["num_seats"], booking["status"]) == (CONTESTED, 2, "active")
    replayed = server.call(
        "POST", f"/holds/{hold['id']}/confirm", token=ada, headers={"Idempotency-Key": "pay-1"}
    )
    assert (replayed.status, replayed.body) == (201, booking)
    assert server.call("POST", f"/holds/{hold['id']}/confirm", token=ada).status == 409
    settled = server.call("GET", f"/holds/{hold['id']}", token=ada).body
    assert (settled["status"], settled["booking_id"]) == ("confirmed", booking["id"])
    assert server.call("GET", f"/bookings/{booking['id']}", token=ada).body == booking
    states, available = seat_states(server, show_id)
    assert states_of(states, CONTESTED) == {"booked"}
    assert available == HALL_CAPACITY - 2

    # Cancelled: the seats are free again.
    cancelled = server.call("DELETE", f"/bookings/{booking['id']}", token=ada)
    assert cancelled.status == 200, cancelled
    assert (cancelled.body["status"], cancelled.body["seats"]) == ("cancelled", CONTESTED)
    states, available = seat_states(server, show_id)
    assert states_of(states, CONTESTED) == {"free"}
    assert available == HALL_CAPACITY

    # Released: a hold given back frees its seats, and Bob may take them.
    second = server.call("POST", "/holds", {"show_id": show_id, "seats": ["D1", "D2"]}, bob)
    assert second.status == 201, second
    assert states_of(seat_states(server, show_id)[0], ["D1", "D2"]) == {"held"}
    released = server.call("DELETE", f"/holds/{second.body['id']}", token=bob)
    assert released.status == 200, released
    assert released.body["status"] == "released"
    states, available = seat_states(server, show_id)
    assert states_of(states, ["D1", "D2"]) == {"free"}
    assert available == HALL_CAPACITY
    assert server.call("POST", f"/holds/{second.body['id']}/confirm", token=bob).status == 409
    again = server.call("POST", "/bookings", {"show_id": show_id, "seats": ["D1", "D2"]}, bob)
    assert again.status == 201, again

    # num_seats alone: the most central run of adjacent seats, here the middle of row C.
    party = server.call("POST", "/bookings", {"show_id": show_id, "num_seats": 4}, ada)
    assert party.status == 201, party
    assert party.body["seats"] == ["C3", "C4", "C5", "C6"]
    # Row C now has no two adjacent central seats: one row nearer the front or back does.
    pair = server.call("POST", "/holds", {"show_id": show_id, "num_seats": 2}, bob)
    assert pair.status == 201, pair
    assert pair.body["seats"] in (["B4", "B5"], ["D4", "D5"])
    states, available = seat_states(server, show_id)
    assert available == HALL_CAPACITY - 2 - 4 - 2
    assert Counter(states.values()) == {
        "free": HALL_CAPACITY - 8,
        "booked": 6,
        "held": 2,
        "blocked": 3,
    }


def test_one_users_concurrent_holds_on_a_show_give_one_hold(server: Server) -> None:
    owner = sign_up_and_log_in(server, "owner@example.com", "owner")
    ada = sign_up_and_log_in(server, "ada@example.com", "user")
    show = add_show(server, owner, seat_map=HALL)
    attempts = ["B", "C", "D"]
    start = threading.Barrier(len(attempts))

    def hold(row: str) -> Reply:
        start.wait()
        body = {"show_id": show["id"], "seats": [f"{row}4", f"{row}5"]}
        return server.call("POST", "/holds", body, ada)

    with ThreadPoolExecutor(max_workers=len(attempts)) as pool:
        replies = list(pool.map(hold, attempts))

    assert Counter(reply.status for reply in replies) == {201: 1, 409: len(attempts) - 1}
    states, available = seat_states(server, show["id"])
    assert Counter(states.values())["held"] == 2
    assert available == HALL_CAPACITY - 2


def test_confirm_racing_release_settles_the_hold_once(server: Server) -> None:
    owner = sign_up_and_log_in(server, "owner@example.com", "owner")
    ada = sign_up_and_log_in(server, "ada@example.com", "user")
    show = add_show(server, owner, seat_map=HALL)
    hold = server.call("POST", "/holds", {"show_id": show["id"], "seats": CONTESTED}, ada).body
    start = threading.Barrier(2)

    def settle(method: str, path: str) -> Reply:
        start.wait()
        return server.call(method, path, token=ada)

    with ThreadPoolExecutor(max_workers=2) as pool:
        confirm = pool.submit(settle, "POST", f"/holds/{hold['id']}/confirm")
        release = pool.submit(settle, "DELETE", f"/holds/{hold['id']}")
        confirmed, released = confirm.result(), release.result()

    outcome = (confirmed.status, released.status)
    assert outcome in ((201, 409), (409, 200)), (confirmed, released)
    final = server.call("GET", f"/holds/{hold['id']}", token=ada).body["status"]
    states, _ = seat_states(server, show["id"])
    bookings = server.call("GET", "/bookings", token=ada).body
    if outcome == (201, 409):
        assert (final, states_of(states, CONTESTED), len(bookings)) == ("confirmed", {"booked"}, 1)
    else:
        assert (final, states_of(states, CONTESTED), bookings) == ("released", {"free"}, [])


def test_holds_lapse_by_themselves_on_a_real_clock(server_factory: Callable[..., Server]) -> None:
    server = server_factory(extra_env={"BOXOFFICE_HOLD_TTL_SECONDS": str(HOLD_TTL_SECONDS)})
    owner = sign_up_and_log_in(server, "owner@example.com", "owner")
    ada = sign_up_and_log_in(server, "ada@example.com", "user")
    bob = sign_up_and_log_in(server, "bob@example.com", "user")
    seated = add_show(server, owner, seat_map=HALL)
    general = add_show(server, owner, seats=10)

    held = server.call("POST", "/holds", {"show_id": seated["id"], "seats": CONTESTED}, ada)
    assert held.status == 201, held
    counted = server.call("POST", "/holds", {"show_id": general["id"], "num_seats": 3}, ada)
    assert counted.status == 201, counted
    expires_at = datetime.fromisoformat(held.body["expires_at"])
    assert expires_at - datetime.fromisoformat(held.body["created_at"]) == timedelta(
        seconds=HOLD_TTL_SECONDS
    )
    # The server shares this machine's clock; a little past the later expiry is enough.
    latest = max(expires_at, datetime.fromisoformat(counted.body["expires_at"]))
    time.sleep(max(0.0, (latest - datetime.now(UTC)).total_seconds()) + 0.5)

    # Readers see the seats free with no write having happened since.
    states, available = seat_states(server, seated["id"])
    assert states_of(states, CONTESTED) == {"free"}
    assert available == HALL_CAPACITY
    assert server.call("GET", f"/shows/{general['id']}").body["available_seats"] == 10
    listed = {show["id"]: show for show in server.call("GET", "/shows").body}
    assert listed[seated["id"]]["available_seats"] == HALL_CAPACITY
    assert listed[general["id"]]["available_seats"] == 10
    for hold in (held.body, counted.body):
        assert server.call("GET", f"/holds/{hold['id']}", token=ada).body["status"] == "expired"

    # The lapsed hold blocks nobody, and confirming it fails cleanly.
    taken = server.call("POST", "/bookings", {"show_id": seated["id"], "seats": CONTESTED}, bob)
    assert taken.status == 201, taken
    late = server.call("POST", f"/holds/{held.body['id']}/confirm", token=ada)
    assert late.status == 409, late
    assert "expired" in late.body["description"]
    assert server.call("POST", f"/holds/{counted.body['id']}/confirm", token=ada).status == 409
    assert server.call("GET", f"/holds/{held.body['id']}", token=ada).body["status"] == "expired"
    states, available = seat_states(server, seated["id"])
    assert states_of(states, CONTESTED) == {"booked"}
    assert available == HALL_CAPACITY - 2
    assert server.call("GET", f"/shows/{general['id']}").body["available_seats"] == 10
    # Ada's lapsed hold no longer counts as her one hold on the show.
    fresh = server.call("POST", "/holds", {"show_id": seated["id"], "seats": ["D4"]}, ada)
    assert fresh.status == 201, fresh


def test_general_admission_holds_count_seats(server: Server) -> None:
    owner = sign_up_and_log_in(server, "owner@example.com", "owner")
    ada = sign_up_and_log_in(server, "ada@example.com", "user")
    show = add_show(server, owner, seats=10)

    held = server.call("POST", "/holds", {"show_id": show["id"], "num_seats": 3}, ada)
    assert held.status == 201, held
    assert (held.body["num_seats"], held.body["seats"], held.body["status"]) == (3, [], "active")
    assert server.call("GET", f"/shows/{show['id']}").body["available_seats"] == 7
    # A general-admission show has no seats to name nor a map to draw.
    named = server.call("POST", "/bookings", {"show_id": show["id"], "seats": ["A1"]}, ada)
    assert named.status == 400, named
    assert server.call("GET", f"/shows/{show['id']}/seats").status == 404

    confirmed = server.call("POST", f"/holds/{held.body['id']}/confirm", token=ada)
    assert confirmed.status == 201, confirmed
    assert (confirmed.body["num_seats"], confirmed.body["seats"]) == (3, [])
    assert server.call("GET", f"/shows/{show['id']}").body["available_seats"] == 7
    assert server.call("GET", "/bookings", token=ada).body == [confirmed.body]
    cancelled = server.call("DELETE", f"/bookings/{confirmed.body['id']}", token=ada)
    assert cancelled.status == 200, cancelled
    assert server.call("GET", f"/shows/{show['id']}").body["available_seats"] == 10
