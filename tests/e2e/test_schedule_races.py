"""The schedule under concurrency, against `boxoffice serve --workers 4` on both databases:
owners racing for one screen's time get exactly one show, and a show cancelled while people
book it keeps no booking."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from tests.e2e.server import Reply, Server
from tests.e2e.test_service import sign_up_and_log_in

pytestmark = pytest.mark.slow

RACERS = 20


def cinema_with_screen(server: Server, owner: str) -> tuple[dict[str, Any], dict[str, Any]]:
    cinema = server.call(
        "POST",
        "/cinemas",
        {"name": "Rex", "time_zone": "Europe/Berlin", "currency": "EUR", "gap_minutes": 15},
        owner,
    )
    assert cinema.status == 201, cinema
    layout = {"rows": [{"label": "A", "seats": 10}, {"label": "B", "seats": 10}]}
    screen = server.call(
        "POST", f"/cinemas/{cinema.body['id']}/screens", {"name": "1", "layout": layout}, owner
    )
    assert screen.status == 201, screen
    return cinema.body, screen.body


def a_movie(server: Server, owner: str) -> int:
    movie = server.call(
        "POST", "/movies", {"title": "Alien", "genre": "sci-fi", "duration": 117}, owner
    )
    assert movie.status == 201, movie
    movie_id: int = movie.body["id"]
    return movie_id


def all_at_once(calls: list[Callable[[], Reply]]) -> list[Reply]:
    start = threading.Barrier(len(calls))

    def run(call: Callable[[], Reply]) -> Reply:
        start.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def test_owners_racing_for_one_screen_get_exactly_one_show(server: Server) -> None:
    owner = sign_up_and_log_in(server, "owner@example.com", "owner")
    _, screen = cinema_with_screen(server, owner)
    movie_id = a_movie(server, owner)
    first = datetime.now(UTC).replace(microsecond=0) + timedelta(days=10)

    def schedule(minutes: int) -> Callable[[], Reply]:
        timing = (first + timedelta(minutes=minutes)).isoformat()
        body = {"movie_id": movie_id, "screen_id": screen["id"], "timing": timing}
        return lambda: server.call("POST", "/shows", body, owner)

    # Every pair of these overlaps: they start at most 19 minutes apart and run 117.
    replies = all_at_once([schedule(minutes) for minutes in range(RACERS)])

    statuses = Counter(reply.status for reply in replies)
    assert statuses == {201: 1, 409: RACERS - 1}, statuses
    (winner,) = [reply.body for reply in replies if reply.status == 201]
    assert all(
        reply.body["conflicts"] == [winner["id"]] for reply in replies if reply.status == 409
    )
    listed = server.call("GET", f"/shows?screen_id={screen['id']}&status=all")
    assert [show["id"] for show in listed.body] == [winner["id"]]


def test_series_racing_for_one_screen_are_all_or_nothing(server: Server) -> None:
    owner = sign_up_and_log_in(server, "owner@example.com", "owner")
    _, screen = cinema_with_screen(server, owner)
    movie_id = a_movie(server, owner)
    monday = date.today() + timedelta(days=14 - date.today().weekday())

    def series(minute: int) -> Callable[[], Reply]:
        body = {
            "movie_id": movie_id,
            "screen_id": screen["id"],
            "first_day": monday.isoformat(),
            "last_day": (monday + timedelta(days=6)).isoformat(),
            # Every two series overlap: their shows start at most 45 minutes apart.
            "times": [f"14:{minute:02d}", f"20:{minute:02d}"],
        }
        return lambda: server.call("POST", "/shows/series", body, owner)

    replies = all_at_once([series(minute) for minute in range(0, 50, 5)])

    statuses = Counter(reply.status for reply in replies)
    assert statuses == {201: 1, 409: 9}, statuses
    (scheduled,) = [reply.body for reply in replies if reply.status == 201]
    assert len(scheduled) == 14
    listed = server.call("GET", f"/shows?screen_id={screen['id']}&status=all&limit=500")
    # Nothing of a refused series was kept.
    assert sorted(show["id"] for show in listed.body) == sorted(s["id"] for s in scheduled)


def test_a_show_cancelled_while_people_book_it_keeps_no_booking(server: Server) -> None:
    owner = sign_up_and_log_in(server, "owner@example.com", "owner")
    _, screen = cinema_with_screen(server, owner)
    movie_id = a_movie(server, owner)
    timing = (datetime.now(UTC) + timedelta(days=10)).isoformat()
    show = server.call(
        "POST", "/shows", {"movie_id": movie_id, "screen_id": screen["id"], "timing": timing}, owner
    ).body
    with ThreadPoolExecutor(max_workers=8) as pool:
        users = list(
            pool.map(lambda n: sign_up_and_log_in(server, f"u{n}@example.com", "user"), range(19))
        )
    book = [
        (
            lambda token=token: server.call(
                "POST", "/bookings", {"show_id": show["id"], "num_seats": 1}, token
            )
        )
        for token in users
    ]
    cancel = [lambda: server.call("DELETE", f"/shows/{show['id']}", token=owner)]

    replies = all_at_once(book + cancel)

    assert replies[-1].status == 200
    assert replies[-1].body["status"] == "cancelled"
    # A booking either came before the cancellation, and was cancelled with the show, or
    # after it, and was refused.
    assert {reply.status for reply in replies[:-1]} <= {201, 409}
    after = server.call("GET", f"/shows/{show['id']}").body
    assert after["available_seats"] == after["capacity"] == 20
    for token, reply in zip(users, replies, strict=False):
        if reply.status == 201:
            booking = server.call("GET", f"/bookings/{reply.body['id']}", token=token).body
            assert (booking["status"], booking["cancel_reason"]) == ("cancelled", "show_cancelled")
    owners_view = server.call("GET", f"/shows/{show['id']}/bookings", token=owner).body
    assert all(booking["status"] == "cancelled" for booking in owners_view)
