"""A Hypothesis state machine of the booking core, runnable over any unit-of-work factory.

Shows are general admission or seated; users book counts or named seats, hold seats, confirm
and release holds, cancel; time passes (holds lapse, shows start). After every step the store
must agree with a plain-dict model: for every show, available + held + booked == capacity with
available never negative; for a seated show every seat is in exactly the model's state, so no
seat is booked or held twice and a lapsed hold blocks nothing.
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
    AlreadyHolding,
    BoxofficeError,
    EmailTaken,
    HoldNotActive,
    NotEnoughSeats,
    NotFound,
    SeatsUnavailable,
    ShowStarted,
    ValidationError,
)
from boxoffice.domain.model import Actor, Role
from boxoffice.domain.ports import UnitOfWorkFactory
from boxoffice.domain.rules import Limits
from boxoffice.domain.seating import SeatMap
from boxoffice.domain.service import Boxoffice
from tests.fakes import FakeClock, FakePasswordHasher, FakeTokenService

NewStore = Callable[[], AbstractContextManager[UnitOfWorkFactory]]
MAX_SEATS = 10
PASSWORD = "correct horse"


# Time is counted in whole seconds, so the model and the clock agree to the second.
HOLD_TTL_SECONDS = Limits().hold_ttl_seconds


@attrs.define
class ModelShow:
    capacity: int
    starts_after_seconds: int
    # Seated shows: every seat's label -> "free", "blocked", or the booking or hold taking it.
    seats: dict[str, str] | None = None


@attrs.define
class ModelBooking:
    user_id: int
    show_id: int
    seats: int
    labels: tuple[str, ...] = ()
    active: bool = True


@attrs.define
class ModelHold:
    user_id: int
    show_id: int
    seats: int
    labels: tuple[str, ...]
    expires_after_seconds: int
    # "active", "confirmed" or "released"; an active one past its time is expired.
    status: str = "active"


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
        holds = Bundle("holds")

        def __init__(self) -> None:
            super().__init__()
            self.resources = contextlib.ExitStack()
            uow = self.resources.enter_context(new_store())
            self.clock = FakeClock()
            self.seconds_passed = 0
            self.app = Boxoffice.from_ports(
                uow=uow, hasher=FakePasswordHasher(), tokens=FakeTokenService(), clock=self.clock
            )
            self.model_shows: dict[int, ModelShow] = {}
            self.model_bookings: dict[int, ModelBooking] = {}
            self.model_holds: dict[int, ModelHold] = {}
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

        # --- the model's reading of the present -------------------------------------------

        def _live(self, hold: ModelHold) -> bool:
            return hold.status == "active" and self.seconds_passed < hold.expires_after_seconds

        def _held(self, show_id: int) -> int:
            return sum(
                h.seats for h in self.model_holds.values() if h.show_id == show_id and self._live(h)
            )

        def _booked(self, show_id: int) -> int:
            return sum(
                b.seats for b in self.model_bookings.values() if b.show_id == show_id and b.active
            )

        def _available(self, show_id: int) -> int:
            show = self.model_shows[show_id]
            return show.capacity - self._held(show_id) - self._booked(show_id)

        def _seat_state(self, show: ModelShow, label: str) -> str:
            assert show.seats is not None
            taker = show.seats[label]
            if taker.startswith("hold:"):
                return "held" if self._live(self.model_holds[int(taker[5:])]) else "free"
            return "booked" if taker.startswith("booking:") else taker

        def _started(self, show_id: int) -> bool:
            return self.model_shows[show_id].starts_after_seconds <= self.seconds_passed

        def _take(self, show_id: int, labels: tuple[str, ...], taker: str) -> None:
            seats = self.model_shows[show_id].seats
            if seats is not None:
                for label in labels:
                    assert self._seat_state(self.model_shows[show_id], label) == "free", label
                    seats[label] = taker

        def _free(self, show_id: int, labels: tuple[str, ...]) -> None:
            seats = self.model_shows[show_id].seats
            if seats is not None:
                for label in labels:
                    seats[label] = "free"

        def _request_error(
            self, show_id: int, count: int, labels: tuple[str, ...] | None
        ) -> type[BoxofficeError] | None:
            """What taking these seats must raise, once the request itself is valid."""
            show = self.model_shows[show_id]
            if labels is not None and show.seats is None:
                return ValidationError
            if count > self._available(show_id):
                return NotEnoughSeats
            if labels is None:
                return None
            if any(self._seat_state(show, label) != "free" for label in labels):
                return SeatsUnavailable
            return None

        # --- shows ---------------------------------------------------------------------

        @rule(target=shows, capacity=st.integers(1, 30), hours=st.integers(1, 48))
        def add_show(self, capacity: int, hours: int) -> int:
            show = self.app.add_show(
                self.owner,
                movie_id=self.movie.id,
                timing=self.clock.now() + timedelta(hours=hours),
                available_seats=capacity,
            )
            self.model_shows[show.id] = ModelShow(capacity, self.seconds_passed + hours * 3600)
            return show.id

        @rule(
            target=shows,
            rows=st.lists(st.integers(1, 6), min_size=1, max_size=4),
            blocked=st.sets(st.integers(0, 23), max_size=4),
            hours=st.integers(1, 48),
        )
        def add_seated_show(self, rows: list[int], blocked: set[int], hours: int) -> Any:
            labels = [
                f"{chr(65 + r)}{n}" for r, seats in enumerate(rows) for n in range(1, seats + 1)
            ]
            gaps = sorted({labels[i] for i in blocked if i < len(labels)})
            layout = [(chr(65 + r), seats) for r, seats in enumerate(rows)]
            if len(gaps) == len(labels):
                expect(ValidationError, lambda: self._add_seated(layout, gaps, hours))
                return multiple()
            show = self._add_seated(layout, gaps, hours)
            states = {label: "blocked" if label in gaps else "free" for label in labels}
            self.model_shows[show.id] = ModelShow(
                len(labels) - len(gaps), self.seconds_passed + hours * 3600, states
            )
            return show.id

        def _add_seated(self, rows: list[tuple[str, int]], gaps: list[str], hours: int) -> Any:
            return self.app.add_show(
                self.owner,
                movie_id=self.movie.id,
                timing=self.clock.now() + timedelta(hours=hours),
                seat_map=SeatMap.build(rows, blocked=gaps),
            )

        def _draw_labels(self, data: st.DataObject, show_id: int) -> tuple[str, ...] | None:
            """Named seats (some taken or blocked, maybe not on the map), or None for a count."""
            seats = self.model_shows[show_id].seats
            pool = sorted(seats) if seats else ["A1", "A2", "B1"]
            if not data.draw(st.booleans(), label="named"):
                return None
            return tuple(
                data.draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3, unique=True))
            )

        # --- bookings ------------------------------------------------------------------

        @rule(target=bookings, user=users, show_id=shows, data=st.data())
        def book(self, user: Actor, show_id: int, data: st.DataObject) -> Any:
            labels = self._draw_labels(data, show_id)
            count = len(labels) if labels else data.draw(st.integers(-1, MAX_SEATS + 2))
            error: type[BoxofficeError] | None = None
            if not 1 <= count <= MAX_SEATS:
                error = ValidationError
            elif self._started(show_id):
                error = ShowStarted
            else:
                error = self._request_error(show_id, count, labels)
            booking = expect(
                error,
                lambda: self.app.book_seats(
                    user,
                    show_id=show_id,
                    seats=None if labels is None else list(labels),
                    num_seats=None if labels else count,
                ),
            )
            if booking is None:
                return multiple()
            assert (booking.user_id, booking.show_id, booking.num_seats) == (
                user.id,
                show_id,
                count,
            )
            if labels is not None:
                assert set(booking.seats) == set(labels)
            assert len(booking.seats) == (0 if self.model_shows[show_id].seats is None else count)
            self._take(show_id, booking.seats, f"booking:{booking.id}")
            self.model_bookings[booking.id] = ModelBooking(user.id, show_id, count, booking.seats)
            return booking.id

        @rule(user=users, booking_id=bookings)
        def cancel(self, user: Actor, booking_id: int) -> None:
            booking = self.model_bookings[booking_id]
            error: type[BoxofficeError] | None = None
            if booking.user_id != user.id:
                error = NotFound
            elif not booking.active:
                error = AlreadyCancelled
            elif self._started(booking.show_id):
                error = ShowStarted
            cancelled = expect(error, lambda: self.app.cancel_booking(user, booking_id))
            if error is None:
                assert cancelled.seats == booking.labels
                booking.active = False
                self._free(booking.show_id, booking.labels)

        # --- holds ---------------------------------------------------------------------

        @rule(target=holds, user=users, show_id=shows, data=st.data())
        def hold(self, user: Actor, show_id: int, data: st.DataObject) -> Any:
            labels = self._draw_labels(data, show_id)
            count = len(labels) if labels else data.draw(st.integers(1, MAX_SEATS))
            error: type[BoxofficeError] | None = None
            if self._started(show_id):
                error = ShowStarted
            elif any(
                h.user_id == user.id and h.show_id == show_id and self._live(h)
                for h in self.model_holds.values()
            ):
                error = AlreadyHolding
            else:
                error = self._request_error(show_id, count, labels)
            hold = expect(
                error,
                lambda: self.app.hold_seats(
                    user,
                    show_id=show_id,
                    seats=None if labels is None else list(labels),
                    num_seats=None if labels else count,
                ),
            )
            if hold is None:
                return multiple()
            assert (hold.user_id, hold.show_id, hold.num_seats) == (user.id, show_id, count)
            self._take(show_id, hold.seats, f"hold:{hold.id}")
            self.model_holds[hold.id] = ModelHold(
                user.id, show_id, count, hold.seats, self.seconds_passed + HOLD_TTL_SECONDS
            )
            return hold.id

        @rule(user=users, hold_id=holds)
        def confirm(self, user: Actor, hold_id: int) -> None:
            hold = self.model_holds[hold_id]
            error: type[BoxofficeError] | None = None
            if hold.user_id != user.id:
                error = NotFound
            elif self._started(hold.show_id):
                error = ShowStarted
            elif not self._live(hold):
                error = HoldNotActive
            booking = expect(error, lambda: self.app.confirm_hold(user, hold_id))
            if booking is None:
                return
            assert (booking.num_seats, booking.seats) == (hold.seats, hold.labels)
            hold.status = "confirmed"
            seats = self.model_shows[hold.show_id].seats
            for label in hold.labels:
                assert seats is not None
                seats[label] = f"booking:{booking.id}"
            self.model_bookings[booking.id] = ModelBooking(
                user.id, hold.show_id, hold.seats, hold.labels
            )

        @rule(user=users, hold_id=holds)
        def release(self, user: Actor, hold_id: int) -> None:
            hold = self.model_holds[hold_id]
            error: type[BoxofficeError] | None = None
            if hold.user_id != user.id:
                error = NotFound
            elif not self._live(hold):
                error = HoldNotActive
            expect(error, lambda: self.app.release_hold(user, hold_id))
            if error is None:
                hold.status = "released"
                self._free(hold.show_id, hold.labels)

        @rule(minutes=st.sampled_from([1, 5, 9]))
        def let_minutes_pass(self, minutes: int) -> None:
            self.clock.advance(minutes=minutes)
            self.seconds_passed += minutes * 60

        @rule(hours=st.sampled_from([0.5, 1, 6, 12]))
        def let_time_pass(self, hours: float) -> None:
            self.clock.advance(hours=hours)
            self.seconds_passed += int(hours * 3600)

        @invariant()
        def seats_add_up_for_every_show(self) -> None:
            for show_id, model in self.model_shows.items():
                stored = self.app.get_show(show_id)
                assert stored.available_seats == self._available(show_id) >= 0
                assert stored.held_seats == self._held(show_id)
                assert (
                    stored.available_seats + self._held(show_id) + self._booked(show_id)
                    == stored.capacity
                    == model.capacity
                )

        @invariant()
        def every_seat_is_in_the_models_state(self) -> None:
            for show_id, model in self.model_shows.items():
                if model.seats is None:
                    continue
                stored = self.app.get_seats(show_id).seats
                expected = {label: self._seat_state(model, label) for label in model.seats}
                assert {label: str(state) for label, state in stored.items()} == expected
                free = sum(state == "free" for state in expected.values())
                assert free == self.app.get_show(show_id).available_seats

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
