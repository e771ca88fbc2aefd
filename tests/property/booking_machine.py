"""A Hypothesis state machine of the booking core, runnable over any unit-of-work factory.

After every step the store must agree with a plain-dict model, and for every show
available + seats of active bookings == capacity, with available never negative.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

import attrs
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
)

from boxoffice.domain.errors import (
    AlreadyCancelled,
    BoxofficeError,
    EmailTaken,
    NotEnoughSeats,
    NotFound,
    ShowStarted,
    ValidationError,
)
from boxoffice.domain.model import Actor, Role
from boxoffice.domain.ports import UnitOfWorkFactory
from boxoffice.domain.service import Boxoffice
from tests.fakes import FakeClock, FakePasswordHasher, FakeTokenService

NewStore = Callable[[], AbstractContextManager[UnitOfWorkFactory]]
MAX_SEATS = 10
PASSWORD = "correct horse"


@attrs.define
class ModelShow:
    capacity: int
    available: int
    starts_after_hours: float


@attrs.define
class ModelBooking:
    user_id: int
    show_id: int
    seats: int
    active: bool = True


def expect(error: type[BoxofficeError] | None, call: Callable[[], Any]) -> Any:
    """Run call; it must raise exactly `error`, or nothing when error is None."""
    if error is None:
        return call()
    try:
        result = call()
    except error:
        return None
    raise AssertionError(f"expected {error.__name__}, got {result!r}")


def booking_machine(new_store: NewStore) -> type[RuleBasedStateMachine]:
    class BookingMachine(RuleBasedStateMachine):
        users = Bundle("users")
        shows = Bundle("shows")
        bookings = Bundle("bookings")

        def __init__(self) -> None:
            super().__init__()
            self.resources = contextlib.ExitStack()
            uow = self.resources.enter_context(new_store())
            self.clock = FakeClock()
            self.hours_passed = 0.0
            self.app = Boxoffice.from_ports(
                uow=uow, hasher=FakePasswordHasher(), tokens=FakeTokenService(), clock=self.clock
            )
            self.model_shows: dict[int, ModelShow] = {}
            self.model_bookings: dict[int, ModelBooking] = {}
            self.emails: list[str] = []
            self.actors: list[Actor] = []

        def teardown(self) -> None:
            self.resources.close()

        def _sign_up(self, role: str) -> Actor:
            email = f"person{len(self.emails)}@example.com"
            self.emails.append(email)
            self.app.sign_up(name="someone", email=email, password=PASSWORD, role=role)
            return self.app.authenticate(self.app.log_in(email=email, password=PASSWORD))

        @initialize()
        def publish_a_movie(self) -> None:
            self.owner = self._sign_up("owner")
            self.movie = self.app.add_movie(self.owner, title="Alien", genre="Sci-fi", duration=117)

        @rule(target=users)
        def sign_up_user(self) -> Actor:
            actor = self._sign_up("user")
            self.actors.append(actor)
            return actor

        @rule(data=st.data())
        def sign_up_again_with_other_case(self, data: st.DataObject) -> None:
            email = data.draw(st.sampled_from(self.emails))
            expect(
                EmailTaken,
                lambda: self.app.sign_up(name="twin", email=email.upper(), password=PASSWORD),
            )

        @rule(target=shows, capacity=st.integers(1, 30), hours=st.integers(1, 48))
        def add_show(self, capacity: int, hours: int) -> int:
            show = self.app.add_show(
                self.owner,
                movie_id=self.movie.id,
                timing=self.clock.now() + timedelta(hours=hours),
                available_seats=capacity,
            )
            self.model_shows[show.id] = ModelShow(capacity, capacity, self.hours_passed + hours)
            return show.id

        @rule(target=bookings, user=users, show_id=shows, seats=st.integers(-1, MAX_SEATS + 2))
        def book(self, user: Actor, show_id: int, seats: int) -> Any:
            show = self.model_shows[show_id]
            error: type[BoxofficeError] | None = None
            if not 1 <= seats <= MAX_SEATS:
                error = ValidationError
            elif show.starts_after_hours <= self.hours_passed:
                error = ShowStarted
            elif seats > show.available:
                error = NotEnoughSeats
            booking = expect(
                error, lambda: self.app.book_seats(user, show_id=show_id, num_seats=seats)
            )
            if booking is None:
                return multiple()
            assert (booking.user_id, booking.show_id, booking.num_seats) == (
                user.id,
                show_id,
                seats,
            )
            show.available -= seats
            self.model_bookings[booking.id] = ModelBooking(user.id, show_id, seats)
            return booking.id

        @rule(user=users, booking_id=bookings)
        def cancel(self, user: Actor, booking_id: int) -> None:
            booking = self.model_bookings[booking_id]
            show = self.model_shows[booking.show_id]
            error: type[BoxofficeError] | None = None
            if booking.user_id != user.id:
                error = NotFound
            elif not booking.active:
                error = AlreadyCancelled
            elif show.starts_after_hours <= self.hours_passed:
                error = ShowStarted
            expect(error, lambda: self.app.cancel_booking(user, booking_id))
            if error is None:
                booking.active = False
                show.available += booking.seats

        @rule(hours=st.sampled_from([0.5, 1, 6, 12]))
        def let_time_pass(self, hours: float) -> None:
            self.clock.advance(hours=hours)
            self.hours_passed += hours

        @invariant()
        def seats_add_up_for_every_show(self) -> None:
            for show_id, model in self.model_shows.items():
                stored = self.app.get_show(show_id)
                active = sum(
                    b.seats
                    for b in self.model_bookings.values()
                    if b.show_id == show_id and b.active
                )
                assert stored.available_seats == model.available
                assert stored.available_seats >= 0
                assert stored.available_seats + active == stored.capacity == model.capacity

        @invariant()
        def everyone_sees_exactly_their_own_bookings(self) -> None:
            for actor in self.actors:
                seen = {b.id: b for b in self.app.list_bookings(actor, limit=500)}
                expected = {i for i, b in self.model_bookings.items() if b.user_id == actor.id}
                assert set(seen) == expected
                for booking_id, booking in seen.items():
                    model = self.model_bookings[booking_id]
                    assert booking.is_active == model.active
                    assert (booking.show_id, booking.num_seats) == (model.show_id, model.seats)
            assert all(actor.role is Role.USER for actor in self.actors)

    return BookingMachine
