"""The Events port: told of each committed booking, cancellation and hold, once."""

from __future__ import annotations

import pytest

from boxoffice.domain.errors import NotEnoughSeats
from boxoffice.domain.model import Actor, Booking, Hold
from boxoffice.domain.service import Boxoffice
from tests.unit.conftest import MakeShow


class Recorded:
    def __init__(self) -> None:
        self.events: list[tuple[str, int]] = []

    def booked(self, booking: Booking) -> None:
        self.events.append(("booked", booking.num_seats))

    def cancelled(self, booking: Booking) -> None:
        self.events.append(("cancelled", booking.num_seats))

    def held(self, hold: Hold) -> None:
        self.events.append(("held", hold.num_seats))


@pytest.fixture
def recorded() -> Recorded:
    return Recorded()


@pytest.fixture
def events(recorded: Recorded) -> Recorded:
    return recorded


def test_bookings_cancellations_holds_and_confirmations_are_told_once_each(
    app: Boxoffice, user: Actor, make_show: MakeShow, recorded: Recorded
) -> None:
    show = make_show(seats=10)

    booking = app.book_seats(user, show_id=show.id, num_seats=3)
    app.cancel_booking(user, booking.id)
    hold = app.hold_seats(user, show_id=show.id, num_seats=2)
    app.confirm_hold(user, hold.id)

    assert recorded.events == [("booked", 3), ("cancelled", 3), ("held", 2), ("booked", 2)]


def test_a_replayed_retry_and_a_refused_request_tell_nothing(
    app: Boxoffice, user: Actor, make_show: MakeShow, recorded: Recorded
) -> None:
    show = make_show(seats=4)
    first = app.book_seats(user, show_id=show.id, num_seats=3, idempotency_key="k1")

    again = app.book_seats(user, show_id=show.id, num_seats=3, idempotency_key="k1")
    with pytest.raises(NotEnoughSeats):
        app.book_seats(user, show_id=show.id, num_seats=3)
    app.cancel_booking(user, first.id, idempotency_key="k2")
    app.cancel_booking(user, first.id, idempotency_key="k2")

    assert again == first
    assert recorded.events == [("booked", 3), ("cancelled", 3)]
