"""A Hypothesis state machine of the booking core, runnable over any unit-of-work factory.

Shows are general admission or seated, or on one of a cinema's two screens (one at a time, or
a series at local times); users book counts or named seats, hold seats, confirm and release
holds, cancel; the owner moves and cancels shows; time passes (holds lapse, shows start).
After every step the store must agree with a plain-dict model: for every show, available +
held + booked == capacity with available never negative; for a seated show every seat is in
exactly the model's state, so no seat is booked or held twice and a lapsed hold blocks nothing;
no two scheduled shows on a screen overlap; a cancelled show has no active booking, no live
hold, and all its seats free.

Money and the door: the cinema has a currency, two ticket types and a cancellation fee and
cut-off; shows on its screens may have price lists, changed now and then; bookings and holds
sometimes name ticket types. Every ticket is priced as the model prices it (holds when they
are confirmed); refunds are the total less the fee a ticket, or everything when the owner
cancels the show. The owner checks tickets in at the door (time is walked into the doors
window). After every step, for every show: sold + held + free == capacity, gross - refunds
== the active bookings' totals + the fees kept, admissions are the model's; no ticket is in
twice; every ticket code is unique.

Waiting lists: users join the list of a general-admission show that cannot give their party
now, and leave it; whenever the core changes a show (before and after the change, under its
lock) or settle_due runs, the model settles lapsed holds and offers the free seats in join
order to each waiting party that fits, as a hold in its user's name; offers are confirmed,
declined or lapse as time passes. After every step: each entry is as the model has it (status,
place in line, offer); every live offer is an active hold of its user and no hold is offered
twice; no waiting entry whose party fits a settled show's free seats is left waiting while its
user holds nothing there; available + held + booked == capacity still.
"""

from __future__ import annotations

import contextlib
import copy
import itertools
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
)

from boxoffice.domain.errors import (
    AlreadyCancelled,
    AlreadyHolding,
    AlreadyWaiting,
    BookingCheckedIn,
    BoxofficeError,
    CancellationClosed,
    CheckInRefused,
    Clash,
    EmailTaken,
    HoldNotActive,
    NotEnoughSeats,
    NotFound,
    ScheduleConflict,
    SeatsAvailable,
    SeatsUnavailable,
    ShowCancelled,
    ShowEnded,
    ShowStarted,
    ValidationError,
)
from boxoffice.domain.model import (
    Actor,
    Booking,
    CancelReason,
    Price,
    Role,
    ShowStatus,
    WaitlistStatus,
)
from boxoffice.domain.ports import UnitOfWorkFactory
from boxoffice.domain.rules import Limits
from boxoffice.domain.seating import STANDARD_ZONE, SeatMap
from boxoffice.domain.service import Boxoffice
from tests.fakes import START, FakeClock, FakePasswordHasher, FakeTokenService

NewStore = Callable[[], AbstractContextManager[UnitOfWorkFactory]]
MAX_SEATS = 10
PASSWORD = "correct horse"


# Time is counted in whole seconds, so the model and the clock agree to the second.
HOLD_TTL_SECONDS = Limits().hold_ttl_seconds
OFFER_SECONDS = Limits().waitlist_offer_seconds
LIVE_ENTRY = ("waiting", "offered")
RUNNING_MINUTES = 117
GAP_MINUTES = 8
# How long a show on a screen holds it: its running time and the cleaning gap.
WINDOW_SECONDS = (RUNNING_MINUTES + GAP_MINUTES) * 60
BERLIN = ZoneInfo("Europe/Berlin")
# Two screens: six seats in two zones, and four with one blocked.
LAYOUTS = [
    SeatMap.build([("A", 3), ("B", 3)], zones={"front": ["A1-A3"]}),
    SeatMap.build([("A", 4)], blocked=["A1"]),
]
# Series times: far enough apart that a series never overlaps itself.
SERIES_TIMES = [time(9, 0), time(13, 0), time(20, 30)]
# The cinema's policy: users cancel until half an hour before, and 2.50 a ticket is kept.
CUT_OFF_MINUTES = 30
FEE = 250
DOORS_MINUTES = Limits().doors_open_minutes
# Minutes from a show's start where its door or cut-off changes its answer.
DOOR_MOMENTS = [
    *(-DOORS_MINUTES - 1, -DOORS_MINUTES, -45),
    *(-CUT_OFF_MINUTES - 1, -CUT_OFF_MINUTES, -CUT_OFF_MINUTES + 1),
    *(-1, 0, RUNNING_MINUTES - 1, RUNNING_MINUTES),
]
# The cinema's ticket types, the default first; "senior" is one it does not sell.
TYPES = ["adult", "child"]
ASKED_TYPES = [*TYPES, "senior"]


def price_list(base: int, screen: int) -> dict[tuple[str, str], int]:
    """Every (type, zone) of the screen priced: children half, each further zone 3.00 more.
    Small bases make prices below the fee, whose refunds are 0."""
    return {
        (kind, zone): (base if kind == "adult" else base // 2) + 300 * place
        for place, zone in enumerate(LAYOUTS[screen].zone_names())
        for kind in TYPES
    }


@attrs.define
class ModelTicket:
    code: str
    seat: str | None
    amount: int
    # "valid", "checked_in" or "cancelled".
    status: str = "valid"


@attrs.define
class ModelShow:
    capacity: int
    starts_after_seconds: int
    # Seated shows: every seat's label -> "free", "blocked", or the booking or hold taking it.
    seats: dict[str, str] | None = None
    # The index of its screen in the machine's screens; None for a show on none.
    screen: int | None = None
    cancelled: bool = False
    # (ticket type, zone) -> minor units, for a show on a screen; empty: it sells at 0.
    prices: dict[tuple[str, str], int] = attrs.field(factory=dict)

    @property
    def ends_after_seconds(self) -> int:
        return self.starts_after_seconds + RUNNING_MINUTES * 60

    @property
    def window_end(self) -> int:
        return self.starts_after_seconds + WINDOW_SECONDS


@attrs.define
class ModelBooking:
    user_id: int
    show_id: int
    seats: int
    labels: tuple[str, ...] = ()
    active: bool = True
    # Cancelled with its show, rather than by its user.
    by_show: bool = False
    tickets: list[ModelTicket] = attrs.field(factory=list)
    refund: int = 0

    @property
    def total(self) -> int:
        return sum(ticket.amount for ticket in self.tickets)


@attrs.define
class ModelHold:
    user_id: int
    show_id: int
    seats: int
    labels: tuple[str, ...]
    expires_after_seconds: int
    # "active", "confirmed" or "released"; an active one past its time is expired.
    status: str = "active"
    # The type of each of its seats, in the seats' order; None: the default type.
    kinds: tuple[str, ...] | None = None


@attrs.define
class ModelEntry:
    user_id: int
    show_id: int
    seats: int
    # "waiting", "offered", "booked", "expired" or "left", as stored; an offered one whose hold
    # lapsed reads as expired before anything settles it (_entry_status).
    status: str = "waiting"
    # The offer's hold: negative while the model waits to learn the core's id (_adopt_offers).
    hold_id: int | None = None


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
            self.model_entries: dict[int, ModelEntry] = {}
            self.placeholders = itertools.count(-1, -1)
            self.emails: list[str] = []
            self.actors: list[Actor] = []
            # Every ticket code ever sold, and each one's admissions less undos.
            self.codes: set[str] = set()
            self.admissions: dict[str, int] = {}
            # Here rather than an initialize rule: the first show needs the cinema.
            self.publish_a_movie()

        def teardown(self) -> None:
            self.resources.close()

        def _sign_up(self, role: str) -> Actor:
            email = f"person{len(self.emails)}@example.com"
            self.emails.append(email)
            self.app.sign_up(name="someone", email=email, password=PASSWORD, role=role)
            return self.app.authenticate(self.app.log_in(email=email, password=PASSWORD))

        def publish_a_movie(self) -> None:
            self.owner = self._sign_up("owner")
            self.movie = self.app.add_movie(
                self.owner, title="Alien", genre="Sci-fi", duration=RUNNING_MINUTES
            )
            self.cinema = self.app.add_cinema(
                self.owner,
                name="Babylon",
                time_zone="Europe/Berlin",
                currency="EUR",
                gap_minutes=GAP_MINUTES,
                cancel_until_minutes=CUT_OFF_MINUTES,
                cancel_fee=FEE,
            )
            for kind in TYPES:
                self.app.add_ticket_type(self.owner, self.cinema.id, code=kind, name=kind.title())
            self.screens = [
                self.app.add_screen(self.owner, self.cinema.id, name=f"Saal {n}", layout=layout)
                for n, layout in enumerate(LAYOUTS)
            ]

        @initialize(target=users)
        def a_first_user(self) -> Actor:
            return self.sign_up_user()

        @initialize(target=shows, base=st.integers(0, 2000))
        def a_priced_show_soon(self, base: int) -> int:
            """A priced show on the first screen, its doors half an hour away: most runs sell
            tickets and let some in."""
            start = self.seconds_passed + 90 * 60
            prices = price_list(base, 0)
            show = self.app.add_show(
                self.owner,
                movie_id=self.movie.id,
                timing=self._instant(start),
                screen_id=self.screens[0].id,
                prices=self._price_list(prices),
            )
            self.model_shows[show.id] = self._on_screen(0, start)
            self.model_shows[show.id].prices = prices
            return show.id

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

        def _party_error(self, show_id: int, count: int) -> type[BoxofficeError] | None:
            """What refuses a party of `count` on the show before its seats are looked at."""
            if not 1 <= count <= MAX_SEATS:
                return ValidationError
            if self.model_shows[show_id].cancelled:
                return ShowCancelled
            if self._started(show_id):
                return ShowStarted
            return None

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

        # --- waiting lists ---------------------------------------------------------------

        def _actor(self, user_id: int) -> Actor:
            return next(actor for actor in self.actors if actor.id == user_id)

        def _entry_status(self, entry: ModelEntry) -> str:
            """The entry as readers see it: an offer whose hold lapsed is expired."""
            if entry.status == "offered" and entry.hold_id is not None:
                hold = self.model_holds[entry.hold_id]
                if hold.status in ("active", "expired") and not self._live(hold):
                    return "expired"
            return entry.status

        def _entries_of(self, show_id: int, *statuses: str) -> list[tuple[int, ModelEntry]]:
            """The show's entries (in join order: ids grow with time) read as in `statuses`."""
            return [
                (entry_id, entry)
                for entry_id, entry in sorted(self.model_entries.items())
                if entry.show_id == show_id and self._entry_status(entry) in statuses
            ]

        def _settle(self, show_id: int) -> None:
            """What the core settles under a show's lock: lapsed holds expire, and the entries
            whose offers they were."""
            for hold in self.model_holds.values():
                if hold.show_id == show_id and hold.status == "active" and not self._live(hold):
                    hold.status = "expired"
            for entry in self.model_entries.values():
                if entry.show_id == show_id and self._entry_status(entry) != entry.status:
                    entry.status = "expired"

        def _pass_on(self, show_id: int) -> None:
            """The core's step before and after each change of a show: settle it, then offer
            the free seats in join order to each waiting party that fits and whose user holds
            nothing there. Once the show has begun, waiting entries expire instead."""
            self._settle(show_id)
            live = self._entries_of(show_id, *LIVE_ENTRY)
            if self.model_shows[show_id].cancelled or not live:
                return
            if self._started(show_id):
                for _, entry in live:
                    if entry.status == "waiting":
                        entry.status = "expired"
                return
            holding = {
                h.user_id
                for h in self.model_holds.values()
                if h.show_id == show_id and self._live(h)
            }
            for _, entry in live:
                fits = entry.seats <= self._available(show_id)
                if entry.status == "waiting" and fits and entry.user_id not in holding:
                    hold_id = next(self.placeholders)
                    expires = self.seconds_passed + OFFER_SECONDS
                    self.model_holds[hold_id] = ModelHold(
                        entry.user_id, show_id, entry.seats, (), expires
                    )
                    entry.status, entry.hold_id = "offered", hold_id
                    holding.add(entry.user_id)

        def _adopt_offers(self, show_id: int) -> None:
            """Offers the model made take the ids of the holds the core made for them: the
            core must have offered exactly those entries."""
            for entry_id, entry in self.model_entries.items():
                if entry.show_id != show_id or entry.hold_id is None or entry.hold_id >= 0:
                    continue
                seen = self.app.get_waitlist_entry(self._actor(entry.user_id), entry_id)
                assert seen.hold_id is not None, f"entry {entry_id} was not offered"
                assert seen.hold_id not in self.model_holds
                expires = self.model_holds[entry.hold_id].expires_after_seconds
                assert seen.expires_at == self._instant(expires)
                self.model_holds[seen.hold_id] = self.model_holds.pop(entry.hold_id)
                entry.hold_id = seen.hold_id
                event("waitlist: an offer made")

        def _locked(self, show_id: int) -> Any:
            """The core locks the show and passes its seats on before a change: the model does
            too, returning what to go back to should the change be refused."""
            before = copy.deepcopy((self.model_holds, self.model_entries))
            self._pass_on(show_id)
            return before

        def _refused(self, before: Any) -> None:
            """A refused change rolls back, its settlement and offers too."""
            self.model_holds, self.model_entries = before

        def _committed(self, show_id: int) -> None:
            """After the change the seats it freed pass on, and the model learns the ids."""
            self._pass_on(show_id)
            self._adopt_offers(show_id)

        def _offer_of(self, hold_id: int) -> ModelEntry | None:
            return next((e for e in self.model_entries.values() if e.hold_id == hold_id), None)

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

        # --- money ---------------------------------------------------------------------

        def _lines(
            self,
            show_id: int,
            seats: tuple[str, ...],
            count: int,
            labels: tuple[str, ...] | None,
            kinds: tuple[str, ...] | None,
        ) -> list[tuple[str | None, str, str | None, int]]:
            """Each ticket's seat, zone, type and price, as the show sells them now: named
            seats take the type beside them, seats for a count the types in order."""
            show = self.model_shows[show_id]
            places: list[str | None] = list(seats) if seats else [None] * count
            if kinds is None:
                per: list[str | None] = [TYPES[0] if show.screen is not None else None] * count
            elif labels is not None:
                kind_of = dict(zip(labels, kinds, strict=True))
                per = [kind_of[seat] for seat in seats]
            else:
                per = list(kinds)
            lines = []
            for seat, kind in zip(places, per, strict=True):
                zone = (
                    STANDARD_ZONE
                    if seat is None or show.screen is None
                    else LAYOUTS[show.screen].zone(seat)
                )
                lines.append((seat, zone, kind, show.prices.get((str(kind), zone), 0)))
            return lines

        def _kinds_error(
            self, show_id: int, kinds: tuple[str, ...] | None
        ) -> type[BoxofficeError] | None:
            """A type the show's cinema does not sell, or any type off a cinema."""
            if kinds is None:
                return None
            if self.model_shows[show_id].screen is None or "senior" in kinds:
                return ValidationError
            return None

        def _draw_kinds(self, data: st.DataObject, count: int) -> tuple[str, ...] | None:
            if count < 1 or not data.draw(st.booleans(), label="typed"):
                return None
            # "senior" rarely: a refusal now and then, sales mostly.
            pool = st.sampled_from(TYPES) | st.sampled_from(ASKED_TYPES)
            return tuple(data.draw(st.lists(pool, min_size=count, max_size=count)))

        def _sold(
            self,
            booking: Booking,
            show_id: int,
            lines: list[tuple[str | None, str, str | None, int]],
        ) -> list[ModelTicket]:
            """The booking's tickets, checked against the model's pricing; new unique codes."""
            assert [(t.seat, t.zone, t.ticket_type, t.amount) for t in booking.tickets] == lines
            in_cinema = self.model_shows[show_id].screen is not None
            assert booking.currency == ("EUR" if in_cinema else None)
            assert booking.total == sum(line[3] for line in lines)
            tickets = []
            for ticket in booking.tickets:
                assert ticket.code not in self.codes, "a ticket code was sold twice"
                self.codes.add(ticket.code)
                self.admissions[ticket.code] = 0
                tickets.append(ModelTicket(ticket.code, ticket.seat, ticket.amount))
            return tickets

        @staticmethod
        def _price_list(prices: dict[tuple[str, str], int]) -> list[Price]:
            return [Price(kind, zone, amount) for (kind, zone), amount in prices.items()]

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

        # --- the schedule ------------------------------------------------------------------

        def _instant(self, seconds: int) -> datetime:
            return START + timedelta(seconds=seconds)

        def _seconds(self, instant: datetime) -> int:
            return int((instant - START).total_seconds())

        def _in_the_way(self, screen: int, start: int, moving: int | None = None) -> list[int]:
            """The model's scheduled shows on the screen whose window overlaps one from start."""
            return sorted(
                show_id
                for show_id, show in self.model_shows.items()
                if show.screen == screen
                and not show.cancelled
                and show_id != moving
                and show.starts_after_seconds < start + WINDOW_SECONDS
                and start < show.window_end
            )

        def _on_screen(self, screen: int, start: int) -> ModelShow:
            layout = LAYOUTS[screen]
            seats = {
                label: "blocked" if label in layout.blocked else "free" for label in layout.labels
            }
            return ModelShow(layout.capacity, start, seats, screen)

        def _draw_start(self, data: st.DataObject, screen: int) -> int:
            """A start in seconds: often right at, or a minute off, the end or start of a show
            on the screen, where an off-by-one in the window would show; else anywhere."""
            edges = sorted(
                edge
                for show in self.model_shows.values()
                if show.screen == screen
                for edge in (show.window_end, show.starts_after_seconds - WINDOW_SECONDS)
            )
            if edges and data.draw(st.booleans(), label="near an edge"):
                edge = data.draw(st.sampled_from(edges), label="edge")
                return edge + 60 * data.draw(st.sampled_from([-1, 0, 1]), label="off by")
            return self.seconds_passed + 60 * data.draw(
                st.integers(1, 48 * 12).map(lambda n: n * 5)
            )

        @rule(target=shows, screen=st.sampled_from([0, 1]), data=st.data())
        def schedule_on_screen(self, screen: int, data: st.DataObject) -> Any:
            start = self._draw_start(data, screen)
            in_the_way = self._in_the_way(screen, start)
            base = data.draw(st.none() | st.integers(0, 2000), label="price base")
            prices = {} if base is None else price_list(base, screen)
            call = lambda: self.app.add_show(  # noqa: E731
                self.owner,
                movie_id=self.movie.id,
                timing=self._instant(start),
                screen_id=self.screens[screen].id,
                prices=None if base is None else self._price_list(prices),
            )
            if start <= self.seconds_passed:
                expect(ValidationError, call)
                return multiple()
            if in_the_way:
                with pytest.raises(ScheduleConflict) as refused:
                    call()
                assert [c.in_the_way for c in refused.value.conflicts] == in_the_way
                return multiple()
            show = call()
            assert (show.screen_id, show.cinema_id) == (self.screens[screen].id, self.cinema.id)
            assert show.occupied_until == show.timing + timedelta(seconds=WINDOW_SECONDS)
            assert show.currency == "EUR"
            self.model_shows[show.id] = self._on_screen(screen, start)
            self.model_shows[show.id].prices = prices
            return show.id

        @rule(show_id=shows, base=st.none() | st.integers(0, 2000))
        def reprice(self, show_id: int, base: int | None) -> None:
            model = self.model_shows[show_id]
            prices = {} if base is None or model.screen is None else price_list(base, model.screen)
            before = self._locked(show_id)
            error: type[BoxofficeError] | None = None
            if model.cancelled:
                error = ShowCancelled
            elif self._started(show_id):
                error = ShowStarted
            elif model.screen is None:
                error = ValidationError
            listed = (
                self._price_list(prices)
                if model.screen is not None
                else [Price(TYPES[0], STANDARD_ZONE, 100)]
            )
            changed = expect(
                error, lambda: self.app.update_show(self.owner, show_id, prices=listed)
            )
            if changed is None:
                self._refused(before)
                return
            assert set(changed.prices) == set(listed)
            # What was sold keeps its price: the invariants read the bookings again.
            model.prices = prices
            self._committed(show_id)

        @rule(
            target=shows,
            screen=st.sampled_from([0, 1]),
            first=st.integers(0, 3),
            days=st.integers(1, 3),
            times=st.lists(st.sampled_from(SERIES_TIMES), min_size=1, max_size=3, unique=True),
        )
        def schedule_series(self, screen: int, first: int, days: int, times: list[time]) -> Any:
            today = self._instant(self.seconds_passed).astimezone(BERLIN).date()
            first_day = today + timedelta(days=first)
            last_day = first_day + timedelta(days=days - 1)
            slots = [
                (day, at, self._seconds(datetime.combine(day, at, tzinfo=BERLIN).astimezone(UTC)))
                for day in (first_day + timedelta(days=n) for n in range(days))
                for at in sorted(times)
            ]
            call = lambda: self.app.schedule_series(  # noqa: E731
                self.owner,
                movie_id=self.movie.id,
                screen_id=self.screens[screen].id,
                first_day=first_day,
                last_day=last_day,
                times=times,
            )
            if any(start <= self.seconds_passed for _, _, start in slots):
                expect(ValidationError, call)
                return multiple()
            clashes = {
                Clash(other, day, at)
                for day, at, start in slots
                for other in self._in_the_way(screen, start)
            }
            if clashes:
                with pytest.raises(ScheduleConflict) as refused:
                    call()
                assert set(refused.value.conflicts) == clashes
                return multiple()
            shows = call()
            assert [self._seconds(show.timing) for show in shows] == [s for _, _, s in slots]
            for show, (_, _, start) in zip(shows, slots, strict=True):
                self.model_shows[show.id] = self._on_screen(screen, start)
            return multiple(*(show.id for show in shows))

        @rule(show_id=shows, data=st.data())
        def move_show(self, show_id: int, data: st.DataObject) -> None:
            model = self.model_shows[show_id]
            screen = model.screen
            start = (
                self.seconds_passed + 60 * data.draw(st.integers(1, 48 * 12).map(lambda n: n * 5))
                if screen is None
                else max(self.seconds_passed + 60, self._draw_start(data, screen))
            )
            before = self._locked(show_id)
            error: type[BoxofficeError] | None = None
            # A show that is cancelled or has begun is not moved, wherever to.
            if model.cancelled:
                error = ShowCancelled
            elif self._started(show_id):
                error = ShowStarted
            elif screen is not None and self._in_the_way(screen, start, moving=show_id):
                error = ScheduleConflict
            moved = expect(
                error,
                lambda: self.app.update_show(self.owner, show_id, timing=self._instant(start)),
            )
            if moved is None:
                self._refused(before)
                return
            assert self._seconds(moved.timing) == start
            assert moved.ends_at == moved.timing + timedelta(minutes=RUNNING_MINUTES)
            model.starts_after_seconds = start
            self._committed(show_id)

        @rule(show_id=shows)
        def cancel_show(self, show_id: int) -> None:
            model = self.model_shows[show_id]
            error: type[BoxofficeError] | None = None
            if not model.cancelled and model.ends_after_seconds <= self.seconds_passed:
                error = ShowEnded
            cancelled = expect(error, lambda: self.app.cancel_show(self.owner, show_id))
            if cancelled is None:
                return
            assert cancelled.status is ShowStatus.CANCELLED
            if not model.cancelled:
                # Settled, not passed on: the list expires with the show.
                self._settle(show_id)
                for _, entry in self._entries_of(show_id, *LIVE_ENTRY):
                    entry.status = "expired"
            model.cancelled = True
            for booking in self.model_bookings.values():
                if booking.show_id == show_id and booking.active:
                    booking.active, booking.by_show = False, True
                    # The owner's cancellation gives everything back, fee or cut-off.
                    booking.refund = booking.total
                    for ticket in booking.tickets:
                        ticket.status = "cancelled"
            for hold in self.model_holds.values():
                if hold.show_id == show_id and self._live(hold):
                    hold.status = "released"
            if model.seats is not None:
                for label, taker in model.seats.items():
                    if taker != "blocked":
                        model.seats[label] = "free"

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
            kinds = self._draw_kinds(data, count)
            before = self._locked(show_id)
            error = (
                self._party_error(show_id, count)
                or self._request_error(show_id, count, labels)
                or self._kinds_error(show_id, kinds)
            )
            event(f"book: {'ok' if error is None else error.__name__}")
            booking = expect(
                error,
                lambda: self.app.book_seats(
                    user,
                    show_id=show_id,
                    seats=None if labels is None else list(labels),
                    num_seats=None if labels else count,
                    ticket_types=None if kinds is None else list(kinds),
                ),
            )
            if booking is None:
                self._refused(before)
                return multiple()
            assert (booking.user_id, booking.show_id, booking.num_seats) == (
                user.id,
                show_id,
                count,
            )
            if labels is not None:
                assert set(booking.seats) == set(labels)
            assert len(booking.seats) == (0 if self.model_shows[show_id].seats is None else count)
            lines = self._lines(show_id, booking.seats, count, labels, kinds)
            tickets = self._sold(booking, show_id, lines)
            self._take(show_id, booking.seats, f"booking:{booking.id}")
            self.model_bookings[booking.id] = ModelBooking(
                user.id, show_id, count, booking.seats, tickets=tickets
            )
            self._committed(show_id)
            return booking.id

        @rule(user=users, booking_id=bookings)
        def cancel(self, user: Actor, booking_id: int) -> None:
            booking = self.model_bookings[booking_id]
            show = self.model_shows[booking.show_id]
            in_cinema = show.screen is not None
            before = self._locked(booking.show_id)
            error: type[BoxofficeError] | None = None
            if booking.user_id != user.id:
                error = NotFound
            elif not booking.active:
                error = AlreadyCancelled
            elif any(ticket.status == "checked_in" for ticket in booking.tickets):
                error = BookingCheckedIn
            elif self._started(booking.show_id):
                error = ShowStarted
            elif (
                in_cinema and self.seconds_passed > show.starts_after_seconds - CUT_OFF_MINUTES * 60
            ):
                error = CancellationClosed
            event(f"cancel: {'ok' if error is None else error.__name__}")
            cancelled = expect(error, lambda: self.app.cancel_booking(user, booking_id))
            if error is None:
                assert cancelled.seats == booking.labels
                fee = FEE if in_cinema else 0
                refund = max(0, booking.total - fee * len(booking.tickets))
                assert (cancelled.total, cancelled.refund) == (booking.total, refund)
                assert cancelled.cancel_reason is CancelReason.BY_USER
                booking.active, booking.refund = False, refund
                for ticket in booking.tickets:
                    ticket.status = "cancelled"
                self._free(booking.show_id, booking.labels)
                self._committed(booking.show_id)
            else:
                self._refused(before)

        # --- holds ---------------------------------------------------------------------

        @rule(target=holds, user=users, show_id=shows, data=st.data())
        def hold(self, user: Actor, show_id: int, data: st.DataObject) -> Any:
            labels = self._draw_labels(data, show_id)
            count = len(labels) if labels else data.draw(st.integers(1, MAX_SEATS))
            kinds = self._draw_kinds(data, count)
            before = self._locked(show_id)
            error: type[BoxofficeError] | None = None
            if self.model_shows[show_id].cancelled:
                error = ShowCancelled
            elif self._started(show_id):
                error = ShowStarted
            elif any(
                h.user_id == user.id and h.show_id == show_id and self._live(h)
                for h in self.model_holds.values()
            ):
                error = AlreadyHolding
            else:
                error = self._request_error(show_id, count, labels) or self._kinds_error(
                    show_id, kinds
                )
            hold = expect(
                error,
                lambda: self.app.hold_seats(
                    user,
                    show_id=show_id,
                    seats=None if labels is None else list(labels),
                    num_seats=None if labels else count,
                    ticket_types=None if kinds is None else list(kinds),
                ),
            )
            if hold is None:
                self._refused(before)
                return multiple()
            assert (hold.user_id, hold.show_id, hold.num_seats) == (user.id, show_id, count)
            # The types are kept per seat, in the seats' order, to be priced at confirmation.
            per_seat = None
            if kinds is not None:
                per_seat = tuple(
                    str(line[2]) for line in self._lines(show_id, hold.seats, count, labels, kinds)
                )
            assert self.app.get_hold(user, hold.id).ticket_types == (per_seat or ())
            self._take(show_id, hold.seats, f"hold:{hold.id}")
            self.model_holds[hold.id] = ModelHold(
                user.id,
                show_id,
                count,
                hold.seats,
                self.seconds_passed + HOLD_TTL_SECONDS,
                kinds=per_seat,
            )
            self._committed(show_id)
            return hold.id

        @rule(user=users, hold_id=holds)
        def confirm(self, user: Actor, hold_id: int) -> None:
            hold = self.model_holds[hold_id]
            before = self._locked(hold.show_id)
            error: type[BoxofficeError] | None = None
            if hold.user_id != user.id:
                error = NotFound
            elif self._started(hold.show_id):
                error = ShowStarted
            elif not self._live(hold):
                error = HoldNotActive
            booking = expect(error, lambda: self.app.confirm_hold(user, hold_id))
            if booking is None:
                self._refused(before)
                return
            assert (booking.num_seats, booking.seats) == (hold.seats, hold.labels)
            # Priced now, at the show's prices of the moment of confirming.
            lines = self._lines(hold.show_id, hold.labels, hold.seats, None, hold.kinds)
            tickets = self._sold(booking, hold.show_id, lines)
            hold.status = "confirmed"
            seats = self.model_shows[hold.show_id].seats
            for label in hold.labels:
                assert seats is not None
                seats[label] = f"booking:{booking.id}"
            self.model_bookings[booking.id] = ModelBooking(
                user.id, hold.show_id, hold.seats, hold.labels, tickets=tickets
            )
            offer = self._offer_of(hold_id)
            if offer is not None:
                offer.status = "booked"
            self._committed(hold.show_id)

        @rule(user=users, hold_id=holds)
        def release(self, user: Actor, hold_id: int) -> None:
            hold = self.model_holds[hold_id]
            before = self._locked(hold.show_id)
            error: type[BoxofficeError] | None = None
            if hold.user_id != user.id:
                error = NotFound
            elif not self._live(hold):
                error = HoldNotActive
            expect(error, lambda: self.app.release_hold(user, hold_id))
            if error is not None:
                self._refused(before)
                return
            hold.status = "released"
            self._free(hold.show_id, hold.labels)
            offer = self._offer_of(hold_id)
            if offer is not None:
                # Declined: the entry leaves the list.
                offer.status = "left"
            self._committed(hold.show_id)

        # --- waiting lists: joining, leaving, offers ------------------------------------

        @precondition(lambda self: any(show.seats is None for show in self.model_shows.values()))
        @rule(user=users, data=st.data())
        def join_waitlist(self, user: Actor, data: st.DataObject) -> None:
            general = sorted(i for i, show in self.model_shows.items() if show.seats is None)
            show_id = data.draw(st.sampled_from(general), label="show")
            count = data.draw(st.integers(0, MAX_SEATS + 1), label="party")
            before = self._locked(show_id)
            mine = [e for _, e in self._entries_of(show_id, *LIVE_ENTRY) if e.user_id == user.id]
            error = self._party_error(show_id, count)
            if error is None and mine:
                error = AlreadyWaiting
            elif error is None and count <= self._available(show_id):
                error = SeatsAvailable
            event(f"join: {'ok' if error is None else error.__name__}")
            entry = expect(error, lambda: self.app.join_waitlist(user, show_id, num_seats=count))
            if entry is None:
                self._refused(before)
                return
            waiting = self._entries_of(show_id, "waiting")
            assert (entry.status, entry.position) == (WaitlistStatus.WAITING, len(waiting) + 1)
            self.model_entries[entry.id] = ModelEntry(user.id, show_id, count)
            self._committed(show_id)

        @precondition(lambda self: any(show.seats is None for show in self.model_shows.values()))
        @rule(target=bookings, user=users, data=st.data())
        def sell_out(self, user: Actor, data: st.DataObject) -> Any:
            """The user books every seat left of a general-admission show, ten at a time: a
            sold-out show is where waiting lists begin."""
            general = sorted(i for i, show in self.model_shows.items() if show.seats is None)
            show_id = data.draw(st.sampled_from(general), label="show")
            if self.model_shows[show_id].cancelled or self._started(show_id):
                return multiple()
            sold = []
            while True:
                before = self._locked(show_id)
                count = min(MAX_SEATS, self._available(show_id))
                if count < 1:
                    # Nothing was asked of the core: nothing it settled is kept.
                    self._refused(before)
                    return multiple(*sold)
                booking = self.app.book_seats(user, show_id=show_id, num_seats=count)
                tickets = self._sold(booking, show_id, self._lines(show_id, (), count, None, None))
                self.model_bookings[booking.id] = ModelBooking(
                    user.id, show_id, count, (), tickets=tickets
                )
                self._committed(show_id)
                sold.append(booking.id)

        @initialize(
            target=bookings,
            capacity=st.integers(2, 12),
            parties=st.lists(st.integers(1, 4), max_size=4),
            first_holds=st.booleans(),
        )
        def a_sold_out_show(self, capacity: int, parties: list[int], first_holds: bool) -> Any:
            """A general-admission show sold out to one user, and people waiting for it; the
            first of them may hold its last seat, and is passed over while the hold lasts."""
            show = self.app.add_show(
                self.owner,
                movie_id=self.movie.id,
                timing=self.clock.now() + timedelta(hours=30),
                available_seats=capacity,
            )
            self.model_shows[show.id] = ModelShow(capacity, self.seconds_passed + 30 * 3600)
            buyer = self.sign_up_user()
            waiters = [self.sign_up_user() for _ in parties]
            held = 1 if first_holds and waiters else 0
            if held:
                hold = self.app.hold_seats(waiters[0], show_id=show.id, num_seats=held)
                expires = self.seconds_passed + HOLD_TTL_SECONDS
                self.model_holds[hold.id] = ModelHold(waiters[0].id, show.id, held, (), expires)
            sold = []
            for count in ((capacity - held) // 2, capacity - held - (capacity - held) // 2):
                if count:
                    booking = self.app.book_seats(buyer, show_id=show.id, num_seats=count)
                    lines = self._lines(show.id, (), count, None, None)
                    tickets = self._sold(booking, show.id, lines)
                    self.model_bookings[booking.id] = ModelBooking(
                        buyer.id, show.id, count, (), tickets=tickets
                    )
                    sold.append(booking.id)
            for waiter, party in zip(waiters, parties, strict=True):
                entry = self.app.join_waitlist(waiter, show.id, num_seats=party)
                self.model_entries[entry.id] = ModelEntry(waiter.id, show.id, party)
            return multiple(*sold)

        @precondition(lambda self: any(b.active for b in self.model_bookings.values()))
        @rule(data=st.data())
        def cancel_own(self, data: st.DataObject) -> None:
            """A booking cancelled by its own user: seats come free for the lists."""
            active = sorted(i for i, b in self.model_bookings.items() if b.active)
            # Mostly a booking of a show people wait for.
            awaited = [
                i for i in active if self._entries_of(self.model_bookings[i].show_id, "waiting")
            ]
            pool = awaited if awaited and data.draw(st.booleans(), label="awaited") else active
            booking_id = data.draw(st.sampled_from(pool), label="booking")
            self.cancel(self._actor(self.model_bookings[booking_id].user_id), booking_id)

        @precondition(lambda self: self.model_entries)
        @rule(data=st.data())
        def leave_waitlist(self, data: st.DataObject) -> None:
            entry_id = data.draw(st.sampled_from(sorted(self.model_entries)), label="entry")
            entry = self.model_entries[entry_id]
            who = self._actor(entry.user_id)
            if data.draw(st.integers(0, 5), label="someone else") == 0:
                who = data.draw(st.sampled_from(self.actors), label="who")
            if who.id != entry.user_id:
                expect(NotFound, lambda: self.app.leave_waitlist(who, entry_id))
                return
            self._locked(entry.show_id)
            if entry.status in LIVE_ENTRY:
                if entry.status == "offered" and entry.hold_id is not None:
                    offer = self.model_holds[entry.hold_id]
                    offer.status = "released"
                    self._free(entry.show_id, offer.labels)
                entry.status = "left"
            left = self.app.leave_waitlist(who, entry_id)
            event(f"leave: {left.status}")
            assert str(left.status) == entry.status
            self._committed(entry.show_id)

        def _draw_offer(self, data: st.DataObject) -> tuple[Actor, int]:
            offered = sorted(i for i, e in self.model_entries.items() if e.hold_id is not None)
            entry = self.model_entries[data.draw(st.sampled_from(offered), label="offer")]
            assert entry.hold_id is not None
            return self._actor(entry.user_id), entry.hold_id

        @precondition(lambda self: any(e.hold_id for e in self.model_entries.values()))
        @rule(data=st.data())
        def confirm_offer(self, data: st.DataObject) -> None:
            self.confirm(*self._draw_offer(data))

        @precondition(lambda self: any(e.hold_id for e in self.model_entries.values()))
        @rule(data=st.data())
        def decline_offer(self, data: st.DataObject) -> None:
            self.release(*self._draw_offer(data))

        @rule()
        def settle_due(self) -> None:
            """The sweeper's call: every show with a list and a lapsed hold, or begun with
            entries still waiting, is settled and passed on."""
            due = [
                show_id
                for show_id in sorted(self.model_shows)
                if any(
                    e.show_id == show_id and e.status in LIVE_ENTRY
                    for e in self.model_entries.values()
                )
                and (
                    any(
                        h.show_id == show_id and h.status == "active" and not self._live(h)
                        for h in self.model_holds.values()
                    )
                    or (
                        self._started(show_id)
                        and any(
                            e.show_id == show_id and e.status == "waiting"
                            for e in self.model_entries.values()
                        )
                    )
                )
            ]
            event(f"settle_due: {min(len(due), 2)}")
            assert self.app.settle_due() == len(due)
            for show_id in due:
                self._committed(show_id)

        # --- the door ------------------------------------------------------------------

        def _door_result(self, ticket: ModelTicket, booking: ModelBooking, show_id: int) -> str:
            """What the door says to the ticket at this show, as the model sees it."""
            if booking.show_id != show_id:
                return "wrong_show"
            show = self.model_shows[show_id]
            if ticket.status == "cancelled" or show.cancelled:
                return "cancelled"
            if ticket.status == "checked_in":
                return "already_checked_in"
            if self.seconds_passed < show.starts_after_seconds - DOORS_MINUTES * 60:
                return "too_early"
            if self.seconds_passed >= show.ends_after_seconds:
                return "show_ended"
            return "admitted"

        # Any booking, confirmed holds too: drawn from the model, not the bundle.
        @precondition(lambda self: self.model_bookings)
        @rule(data=st.data())
        def check_in(self, data: st.DataObject) -> None:
            booking_id = data.draw(st.sampled_from(sorted(self.model_bookings)), label="booking")
            booking = self.model_bookings[booking_id]
            if data.draw(st.booleans(), label="walk to the doors first"):
                # Shows are hours ahead: time walks into the doors window, or a second short.
                before = data.draw(st.sampled_from([DOORS_MINUTES * 60 + 1, 3600, 1800, 60, 0]))
                self._walk_to(self.model_shows[booking.show_id].starts_after_seconds - before)
            # A party at the door: a few presentations, the same ticket perhaps twice.
            for _ in range(data.draw(st.integers(1, 3), label="presentations")):
                ticket = data.draw(st.sampled_from(booking.tickets), label="ticket")
                # Mostly at its own show's door; now and then at another of the owner's.
                show_id = booking.show_id
                if data.draw(st.integers(0, 3), label="elsewhere") == 0:
                    show_id = data.draw(st.sampled_from(sorted(self.model_shows)), label="door")
                self._present(ticket, booking, show_id)

        def _present(self, ticket: ModelTicket, booking: ModelBooking, show_id: int) -> None:
            expected = self._door_result(ticket, booking, show_id)
            event(f"door: {expected}")
            call = lambda: self.app.check_in(  # noqa: E731
                self.owner, code=ticket.code, show_id=show_id
            )
            if expected != "admitted":
                with pytest.raises(CheckInRefused) as refused:
                    call()
                assert refused.value.result == expected
                return
            admitted = call()
            assert admitted.code == ticket.code
            assert admitted.checked_in_at == self.clock.now()
            ticket.status = "checked_in"
            self.admissions[ticket.code] += 1

        @precondition(lambda self: self.model_bookings)
        @rule(data=st.data())
        def undo_check_in(self, data: st.DataObject) -> None:
            booking_id = data.draw(st.sampled_from(sorted(self.model_bookings)), label="booking")
            ticket = data.draw(st.sampled_from(self.model_bookings[booking_id].tickets))
            if ticket.status != "checked_in":
                with pytest.raises(CheckInRefused) as refused:
                    self.app.undo_check_in(self.owner, ticket.code)
                assert refused.value.result == "not_checked_in"
                return
            undone = self.app.undo_check_in(self.owner, ticket.code)
            assert (undone.checked_in_at, str(undone.status)) == (None, "valid")
            ticket.status = "valid"
            self.admissions[ticket.code] -= 1

        @rule(
            show_id=shows,
            minutes=st.sampled_from(DOOR_MOMENTS),
        )
        def walk_to_the_doors(self, show_id: int, minutes: int) -> None:
            """Time passes to a moment around a show's doors, cut-off, start or end."""
            self._walk_to(self.model_shows[show_id].starts_after_seconds + minutes * 60)

        def _walk_to(self, target: int) -> None:
            """The clock forward to `target` seconds after the machine's start; never back."""
            if target > self.seconds_passed:
                self.clock.advance(seconds=target - self.seconds_passed)
                self.seconds_passed = target

        @rule(minutes=st.sampled_from([1, 5, 9]))
        def let_minutes_pass(self, minutes: int) -> None:
            self.clock.advance(minutes=minutes)
            self.seconds_passed += minutes * 60

        @rule(hours=st.sampled_from([0.5, 1, 6, 12]))
        def let_time_pass(self, hours: float) -> None:
            self.clock.advance(hours=hours)
            self.seconds_passed += int(hours * 3600)

        @invariant()
        def every_report_adds_up(self) -> None:
            for show_id, model in self.model_shows.items():
                report = self.app.show_report(self.owner, show_id)
                assert report.sold + report.held + report.free == report.capacity
                assert (report.sold, report.held) == (self._booked(show_id), self._held(show_id))
                booked = [b for b in self.model_bookings.values() if b.show_id == show_id]
                tickets = [t for b in booked for t in b.tickets]
                kept = sum(b.total if b.active else b.total - b.refund for b in booked)
                assert report.gross == sum(t.amount for t in tickets)
                assert report.refunds == sum(b.refund for b in booked)
                assert report.gross - report.refunds == report.net == kept
                assert report.checked_in == sum(t.status == "checked_in" for t in tickets)
                assert report.currency == ("EUR" if model.screen is not None else None)
                for rows in (report.by_ticket_type, report.by_zone):
                    assert sum(row.sold for row in rows) == report.sold
                    assert sum(row.gross for row in rows) == report.gross

        @invariant()
        def every_entry_is_as_the_model_has_it(self) -> None:
            offered_holds = []
            for entry_id, model in self.model_entries.items():
                user = self._actor(model.user_id)
                seen = self.app.get_waitlist_entry(user, entry_id)
                status = self._entry_status(model)
                assert (str(seen.status), seen.hold_id) == (status, model.hold_id), entry_id
                if status == "waiting":
                    ahead = [
                        i for i, _ in self._entries_of(model.show_id, "waiting") if i < entry_id
                    ]
                    assert seen.position == len(ahead) + 1
                if status == "offered":
                    # Every offer is a live hold of its user, for the entry's party.
                    assert model.hold_id is not None
                    hold = self.app.get_hold(user, model.hold_id)
                    assert (hold.user_id, hold.show_id, hold.num_seats) == (
                        model.user_id,
                        model.show_id,
                        model.seats,
                    )
                    assert str(hold.status) == "active"
                    offered_holds.append(model.hold_id)
            # No hold is offered twice at once.
            assert len(offered_holds) == len(set(offered_holds))

        @invariant()
        def no_waiting_party_that_fits_is_passed_over(self) -> None:
            for show_id, show in self.model_shows.items():
                lapsed = any(
                    h.show_id == show_id and h.status == "active" and not self._live(h)
                    for h in self.model_holds.values()
                )
                # Seats freed by a lapse pass on at the show's next change, or settle_due.
                if show.cancelled or lapsed or self._started(show_id):
                    continue
                free = self.app.get_show(show_id).available_seats
                holding = {
                    h.user_id
                    for h in self.model_holds.values()
                    if h.show_id == show_id and self._live(h)
                }
                for _, entry in self._entries_of(show_id, "waiting"):
                    assert entry.seats > free or entry.user_id in holding

        @invariant()
        def no_ticket_is_in_twice(self) -> None:
            assert all(count in (0, 1) for count in self.admissions.values())
            assert len(self.admissions) == len(self.codes)

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
        def no_two_scheduled_shows_overlap_on_a_screen(self) -> None:
            for index, screen in enumerate(self.screens):
                listed = []
                page = self.app.list_shows(screen_id=screen.id, status=None, limit=500)
                listed += page
                while page.next_after is not None:
                    page = self.app.list_shows(
                        screen_id=screen.id, status=None, after=page.next_after, limit=500
                    )
                    listed += page
                expected = {i for i, show in self.model_shows.items() if show.screen == index}
                assert {show.id for show in listed} == expected
                for show in listed:
                    model = self.model_shows[show.id]
                    assert self._seconds(show.timing) == model.starts_after_seconds
                    assert show.occupied_until is not None
                    assert self._seconds(show.occupied_until) == model.window_end
                    assert show.is_cancelled == model.cancelled
                scheduled = sorted(
                    (show for show in listed if not show.is_cancelled), key=lambda s: s.timing
                )
                for earlier, later in itertools.pairwise(scheduled):
                    assert earlier.occupied_until is not None
                    assert earlier.occupied_until <= later.timing, (earlier.id, later.id)

        @invariant()
        def a_cancelled_show_keeps_nothing(self) -> None:
            for show_id, model in self.model_shows.items():
                if not model.cancelled:
                    continue
                stored = self.app.get_show(show_id)
                assert stored.status is ShowStatus.CANCELLED
                assert (stored.available_seats, stored.held_seats) == (stored.capacity, 0)
                for booking in self.app.list_show_bookings(self.owner, show_id, limit=500):
                    assert not booking.is_active
                    by_show = self.model_bookings[booking.id].by_show
                    assert (booking.cancel_reason is CancelReason.SHOW_CANCELLED) == by_show

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
