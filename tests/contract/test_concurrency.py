"""Racing threads in one process: the lock, not luck, decides who gets the last seat."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import TypeVar

from boxoffice.domain.errors import AlreadyCancelled, BoxofficeError, EmailTaken, NotEnoughSeats
from boxoffice.domain.model import Actor, AuditAction, Role, Show
from boxoffice.domain.service import Boxoffice
from tests.fakes import START

T = TypeVar("T")
RACERS = 12


def race(calls: list[Callable[[], T]]) -> Counter[str]:
    """Start every call at once; count outcomes by result or error type."""
    start = threading.Barrier(len(calls))

    def run(call: Callable[[], T]) -> str:
        start.wait()
        try:
            call()
        except BoxofficeError as error:
            return type(error).__name__
        return "ok"

    with ThreadPoolExecutor(len(calls)) as pool:
        return Counter(pool.map(run, calls))


def actions(app: Boxoffice) -> list[AuditAction]:
    return [event.action for event in app.list_audit_events(limit=500)]


def a_show(app: Boxoffice, seats: int) -> tuple[Actor, Show]:
    app.sign_up(name="Owner", email="owner@example.com", password="password", role="owner")
    owner = app.authenticate(app.log_in(email="owner@example.com", password="password"))
    film = app.add_movie(owner, title="Metropolis", genre="drama", duration=153)
    show = app.add_show(
        owner, movie_id=film.id, timing=START + timedelta(days=1), available_seats=seats
    )
    user = app.sign_up(name="Ada", email="ada@example.com", password="password")
    return Actor(user.id, Role.USER), show


def test_racing_bookings_sell_every_seat_and_no_more(app: Boxoffice) -> None:
    ada, show = a_show(app, seats=RACERS // 2)
    outcomes = race([lambda: app.book_seats(ada, show_id=show.id, num_seats=1)] * RACERS)
    assert outcomes == {"ok": RACERS // 2, NotEnoughSeats.__name__: RACERS // 2}
    assert app.get_show(show.id).available_seats == 0
    assert len(app.list_bookings(ada)) == RACERS // 2
    assert actions(app).count(AuditAction.BOOKED) == RACERS // 2


def test_racing_cancels_of_one_booking_return_its_seats_once(app: Boxoffice) -> None:
    ada, show = a_show(app, seats=10)
    booking = app.book_seats(ada, show_id=show.id, num_seats=3)
    app.book_seats(ada, show_id=show.id, num_seats=2)
    outcomes = race([lambda: app.cancel_booking(ada, booking.id)] * RACERS)
    assert outcomes == {"ok": 1, AlreadyCancelled.__name__: RACERS - 1}
    assert app.get_show(show.id).available_seats == 8
    assert actions(app).count(AuditAction.BOOKING_CANCELLED) == 1


def test_racing_sign_ups_with_one_email_make_one_account(app: Boxoffice) -> None:
    emails = [f"{'ADA' if n % 2 else 'ada'}@example.com" for n in range(RACERS)]
    outcomes = race(
        [lambda e=e: app.sign_up(name="Ada", email=e, password="password") for e in emails]
    )
    assert outcomes == {"ok": 1, EmailTaken.__name__: RACERS - 1}
    assert actions(app).count(AuditAction.SIGNED_UP) == 1
