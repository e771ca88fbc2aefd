"""Safe retries on every adapter: one key, one booking, whatever the timing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from boxoffice.domain.errors import IdempotencyKeyInFlight, IdempotencyKeyReused, ValidationError
from boxoffice.domain.model import AuditAction, Booking
from boxoffice.domain.service import Boxoffice
from tests.contract.test_concurrency import RACERS, a_show, actions, race
from tests.fakes import FakeClock


def test_a_retried_booking_returns_the_first_one(app: Boxoffice) -> None:
    ada, show = a_show(app, seats=10)
    first = app.book_seats(ada, show_id=show.id, num_seats=2, idempotency_key="order-1")
    again = app.book_seats(ada, show_id=show.id, num_seats=2, idempotency_key="order-1")
    assert again == first
    assert app.get_show(show.id).available_seats == 8
    assert len(app.list_bookings(ada)) == 1


def test_the_same_key_for_another_request_is_refused(app: Boxoffice) -> None:
    ada, show = a_show(app, seats=10)
    app.book_seats(ada, show_id=show.id, num_seats=2, idempotency_key="order-1")
    with pytest.raises(IdempotencyKeyReused):
        app.book_seats(ada, show_id=show.id, num_seats=3, idempotency_key="order-1")
    booking = app.list_bookings(ada)[0]
    with pytest.raises(IdempotencyKeyReused):
        app.cancel_booking(ada, booking.id, idempotency_key="order-1")
    assert app.get_show(show.id).available_seats == 8
    assert booking.is_active


def test_keys_belong_to_their_user(app: Boxoffice) -> None:
    ada, show = a_show(app, seats=10)
    app.sign_up(name="Bob", email="bob@example.com", password="password")
    bob = app.authenticate(app.log_in(email="bob@example.com", password="password"))
    mine = app.book_seats(ada, show_id=show.id, num_seats=1, idempotency_key="k")
    theirs = app.book_seats(bob, show_id=show.id, num_seats=1, idempotency_key="k")
    assert mine.id != theirs.id
    assert app.get_show(show.id).available_seats == 8


def test_a_key_is_remembered_for_24_hours_then_books_afresh(
    app: Boxoffice, clock: FakeClock
) -> None:
    ada, show = a_show(app, seats=10)
    owner = app.authenticate(app.log_in(email="owner@example.com", password="password"))
    later = app.add_show(
        owner, movie_id=show.movie_id, timing=show.timing + timedelta(days=7), available_seats=10
    )

    def book() -> Booking:
        return app.book_seats(ada, show_id=later.id, num_seats=1, idempotency_key="k")

    first = book()
    clock.advance(hours=23, minutes=59, seconds=59)
    assert book() == first
    clock.advance(seconds=1)
    assert book().id != first.id
    assert app.get_show(later.id).available_seats == 8


def test_a_retried_cancellation_returns_the_cancelled_booking(app: Boxoffice) -> None:
    ada, show = a_show(app, seats=10)
    booking = app.book_seats(ada, show_id=show.id, num_seats=4)
    cancelled = app.cancel_booking(ada, booking.id, idempotency_key="undo-1")
    assert app.cancel_booking(ada, booking.id, idempotency_key="undo-1") == cancelled
    assert app.get_show(show.id).available_seats == 10


@pytest.mark.parametrize("key", ["", "x" * 256, "has space", "tab\t", "ü", 7])
def test_keys_are_short_visible_ascii(app: Boxoffice, key: object) -> None:
    ada, show = a_show(app, seats=10)
    with pytest.raises(ValidationError):
        app.book_seats(ada, show_id=show.id, num_seats=1, idempotency_key=key)
    assert app.get_show(show.id).available_seats == 10


def test_racing_retries_make_one_booking(app: Boxoffice) -> None:
    ada, show = a_show(app, seats=100)
    outcomes = race(
        [lambda: app.book_seats(ada, show_id=show.id, num_seats=2, idempotency_key="once")] * RACERS
    )
    # Each retry either replays the booking or, while its twin is uncommitted, is told so.
    assert set(outcomes) <= {"ok", IdempotencyKeyInFlight.__name__}
    assert outcomes["ok"] >= 1
    assert len(app.list_bookings(ada)) == 1
    assert app.get_show(show.id).available_seats == 98
    # The replays and the refused twins recorded nothing.
    assert actions(app).count(AuditAction.BOOKED) == 1
