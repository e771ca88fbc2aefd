"""A show's inventory: the consistency boundary of every booking, hold and cancellation.

The show's seat count, its chart (seated shows) and its active holds change together, only
through ShowInventory's methods, while the unit of work holds the show locked; the unit of work
saves what changed. No background job is needed: holds whose time ran out are settled by the
next change to the show (settle), and readers settle a copy they never save.

A show with a waiting list (Show.waitlisted) loads its live entries with it: an offer is a hold
in the entry's user's name, so it is settled, confirmed and released like any hold, and the
entry follows its hold.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta

import attrs

from boxoffice.domain import rules, waitlist
from boxoffice.domain.errors import (
    AlreadyHolding,
    AlreadyWaiting,
    CapacityBelowSold,
    HoldNotActive,
    SeatsAvailable,
    ShowCancelled,
    ShowEnded,
    ShowStarted,
    ValidationError,
)
from boxoffice.domain.model import (
    Booking,
    BookingStatus,
    CancelReason,
    Hold,
    HoldStatus,
    Price,
    Show,
    ShowStatus,
    WaitlistEntry,
    WaitlistStatus,
)
from boxoffice.domain.seat_picker import best_seats
from boxoffice.domain.seating import SeatingChart, SeatState, require_seat_labels


@attrs.frozen
class SeatRequest:
    """What a booking or hold asks for: a number of seats, or the seats named."""

    count: int
    labels: tuple[str, ...] | None = None

    @classmethod
    def of(cls, *, num_seats: int | None, seats: Sequence[str] | None, most: int) -> SeatRequest:
        """Named seats (num_seats, if given too, must agree), or num_seats; at most `most`."""
        if seats is None:
            if num_seats is None:
                raise ValidationError("num_seats", "is required unless seats are named")
            return cls(rules.require_int("num_seats", num_seats, low=1, high=most))
        labels = require_seat_labels(seats, max_count=most)
        if num_seats is not None and rules.require_int(
            "num_seats", num_seats, low=1, high=most
        ) != len(labels):
            raise ValidationError("num_seats", "must equal the number of seats named")
        return cls(len(labels), tuple(labels))

    def fingerprint(self) -> str:
        return f"seats {self.count}" if self.labels is None else f"seats {','.join(self.labels)}"


class ShowInventory:
    """One show's seats and active holds. Methods check the show's rules and record what
    changed; a method that raises changes nothing.
    """

    def __init__(
        self,
        show: Show,
        chart: SeatingChart | None,
        holds: Iterable[Hold],
        entries: Iterable[WaitlistEntry] = (),
    ) -> None:
        """entries: the show's live waiting-list entries, in join order."""
        if (chart is None) != (show.seat_map is None):
            raise ValueError("a seated show needs its chart, a general-admission one none")
        self._show = show
        self._chart = chart
        self._chart_changed = False
        self._schedule_changed = False
        self._holds = {hold.id: hold for hold in holds}
        self._changed_holds: dict[int, Hold] = {}
        self._added_holds: dict[int, Hold] = {}
        self._entries = {entry.id: entry for entry in entries}
        # The live entry each offer's hold is for.
        self._offers = {e.hold_id: e.id for e in self._entries.values() if e.hold_id is not None}
        self._changed_entries: dict[int, WaitlistEntry] = {}
        self._added_entries: dict[int, WaitlistEntry] = {}
        # Each change of an entry, in the order made: one audit event each.
        self._entry_changes: list[WaitlistEntry] = []

    @classmethod
    def new(cls, show: Show) -> ShowInventory:
        """A show not yet sold from: every seat free but the blocked ones."""
        chart = None if show.seat_map is None else SeatingChart.empty(show.seat_map)
        return cls(show, chart, ())

    @property
    def show(self) -> Show:
        return self._show

    @property
    def chart(self) -> SeatingChart | None:
        return self._chart

    @property
    def chart_changed(self) -> bool:
        return self._chart_changed

    @property
    def schedule_changed(self) -> bool:
        """Whether the show's timing, end, window, capacity or status changed: a booking
        changes none of them."""
        return self._schedule_changed

    def knows_hold(self, hold_id: int) -> bool:
        """Whether the hold was active when the inventory was loaded, or was added since."""
        return hold_id in self._holds

    def changed_holds(self) -> list[Hold]:
        """Holds loaded with the inventory whose status changed since."""
        return list(self._changed_holds.values())

    def added_holds(self) -> list[Hold]:
        return list(self._added_holds.values())

    def waitlist(self) -> list[WaitlistEntry]:
        """The live entries, in join order."""
        return [entry for entry in self._entries.values() if entry.is_live]

    @property
    def waitlist_changed(self) -> bool:
        return bool(self._changed_entries or self._added_entries)

    def changed_entries(self) -> list[WaitlistEntry]:
        """Entries loaded with the inventory whose status changed since."""
        return list(self._changed_entries.values())

    def added_entries(self) -> list[WaitlistEntry]:
        return list(self._added_entries.values())

    def entry_changes(self) -> list[WaitlistEntry]:
        """Every change of an entry since the inventory was loaded, in order (an entry
        offered and then booked appears twice): what the audit trail records."""
        return list(self._entry_changes)

    def saved(self) -> None:
        """The repository wrote what changed: nothing is pending any more."""
        self._chart_changed = self._schedule_changed = False
        self._changed_holds.clear()
        self._added_holds.clear()
        self._changed_entries.clear()
        self._added_entries.clear()
        self._entry_changes.clear()

    def settle(self, now: datetime) -> None:
        """Holds whose time ran out by `now` expire, and their seats are free again."""
        if not self._show.held_seats:
            return
        for hold in list(self._holds.values()):
            if hold.status is HoldStatus.ACTIVE and not hold.is_live(now):
                self._end_hold(hold.settle(HoldStatus.EXPIRED, now), now)

    def book(self, booking_id: int, user_id: int, request: SeatRequest, now: datetime) -> Booking:
        self.require_open(now)
        seats = self._take(request, SeatState.BOOKED)
        return Booking(
            booking_id,
            user_id,
            self._show.id,
            request.count,
            BookingStatus.ACTIVE,
            now,
            None,
            seats,
        )

    def hold(
        self, hold_id: int, user_id: int, request: SeatRequest, now: datetime, ttl: timedelta
    ) -> Hold:
        """Keep seats for the user until now + ttl. One active hold per user and show."""
        self.require_open(now)
        for held in self._holds.values():
            if held.user_id == user_id and held.status is HoldStatus.ACTIVE:
                raise AlreadyHolding(held.id)
        seats = self._take(request, SeatState.HELD)
        hold = Hold(
            hold_id,
            user_id,
            self._show.id,
            request.count,
            HoldStatus.ACTIVE,
            now,
            now + ttl,
            seats,
        )
        self._holds[hold.id] = self._added_holds[hold.id] = hold
        return hold

    def type_hold(self, hold_id: int, ticket_types: tuple[str, ...]) -> Hold:
        """A hold added in this unit of work, with the ticket types its seats are priced by
        when it is confirmed: recorded here, so the store keeps them."""
        typed = attrs.evolve(self._added_holds[hold_id], ticket_types=ticket_types)
        self._holds[hold_id] = self._added_holds[hold_id] = typed
        return typed

    def confirm(self, hold_id: int, booking_id: int, now: datetime) -> Booking:
        """A live hold's seats become a booking, by the same rules as booking them directly."""
        self.require_open(now)
        hold = self._live(hold_id)
        confirmed = attrs.evolve(hold.settle(HoldStatus.CONFIRMED, now), booking_id=booking_id)
        self._end_hold(confirmed, now)
        return Booking(
            booking_id,
            hold.user_id,
            self._show.id,
            hold.num_seats,
            BookingStatus.ACTIVE,
            now,
            None,
            hold.seats,
        )

    def release(self, hold_id: int, now: datetime) -> Hold:
        released = self._live(hold_id).settle(HoldStatus.RELEASED, now)
        self._end_hold(released, now)
        return released

    def cancel_booking(self, booking: Booking, now: datetime, *, fee: int = 0) -> Booking:
        """The booking's seats are free again, its total refunded less `fee` a ticket; a show
        that has begun keeps its bookings."""
        if booking.show_id != self._show.id:
            raise ValueError(f"booking {booking.id} is not of show {self._show.id}")
        cancelled = booking.cancel(now, fee=fee)
        self.require_not_started(now)
        self._show = self._show.release(booking.num_seats)
        self._free(booking.seats)
        return cancelled

    def reschedule(
        self, timing: datetime, ends_at: datetime, occupied_until: datetime | None, now: datetime
    ) -> None:
        """Move the show, or change how long it runs; its bookings and holds stay."""
        self.require_open(now)
        self._show = attrs.evolve(
            self._show, timing=timing, ends_at=ends_at, occupied_until=occupied_until
        )
        self._schedule_changed = True

    def reprice(self, prices: tuple[Price, ...], now: datetime) -> None:
        """A new price list for what is sold from now on: bookings keep what they paid."""
        self.require_open(now)
        self._show = attrs.evolve(self._show, prices=prices)
        self._schedule_changed = True

    def resize(self, capacity: int, now: datetime) -> None:
        """A general-admission show's seats grow, or shrink down to those booked and held."""
        self.require_open(now)
        if self._chart is not None:
            raise ValidationError("capacity", "a seated show's capacity is its seat map's")
        show = self._show
        taken = show.capacity - show.available_seats
        if capacity < taken:
            raise CapacityBelowSold(taken)
        self._show = attrs.evolve(show, capacity=capacity, available_seats=capacity - taken)
        self._schedule_changed = True

    def cancel(self, bookings: Iterable[Booking], now: datetime) -> list[Booking]:
        """Cancel the show until it ends: every active booking of it (all of them must be
        given) is cancelled, every hold released and every waiting-list entry expired. The
        bookings cancelled, in the order given; none when the show was cancelled already."""
        if self._show.is_cancelled:
            return []
        if self._show.ends_at <= now:
            raise ShowEnded()
        # Before the holds: an offer's entry expires with the show, rather than being left.
        for entry in self.waitlist():
            self._end_entry(entry, WaitlistStatus.EXPIRED, now)
        for hold in list(self._holds.values()):
            if hold.status is HoldStatus.ACTIVE:
                # A hold past its time can only expire: settle() has expired those.
                self._end_hold(hold.settle(HoldStatus.RELEASED, now), now)
        cancelled = []
        for booking in bookings:
            if booking.show_id != self._show.id:
                raise ValueError(f"booking {booking.id} is not of show {self._show.id}")
            cancelled.append(booking.cancel(now, CancelReason.SHOW_CANCELLED))
            self._show = self._show.release(booking.num_seats)
            self._free(booking.seats)
        if self._show.available_seats != self._show.capacity:
            raise ValueError(f"show {self._show.id}: not every active booking was given")
        self._show = attrs.evolve(self._show, status=ShowStatus.CANCELLED)
        self._schedule_changed = True
        return cancelled

    def join(self, entry_id: int, user_id: int, num_seats: int, now: datetime) -> WaitlistEntry:
        """Put the user on the show's waiting list: only when the show cannot give num_seats
        now, and once per user while their entry is live."""
        self.require_open(now)
        for entry in self._entries.values():
            if entry.user_id == user_id and entry.is_live:
                raise AlreadyWaiting(entry.id)
        if num_seats <= self._show.available_seats:
            raise SeatsAvailable(num_seats, self._show.available_seats)
        entry = WaitlistEntry(
            entry_id, self._show.id, user_id, num_seats, WaitlistStatus.WAITING, now, None
        )
        self._entries[entry.id] = self._added_entries[entry.id] = entry
        self._entry_changes.append(entry)
        self._show = attrs.evolve(self._show, waitlisted=self._show.waitlisted + 1)
        return entry

    def leave(self, entry_id: int, now: datetime) -> WaitlistEntry:
        """Take an entry off the list; an offered one's hold is released. An entry no longer
        live is returned as it is."""
        entry = self._entries.get(entry_id)
        if entry is None:
            raise ValueError(f"entry {entry_id} is not live on show {self._show.id}")
        if not entry.is_live:
            return entry
        left = self._end_entry(entry, WaitlistStatus.LEFT, now)
        if entry.hold_id is not None and entry.hold_id in self._holds:
            hold = self._holds[entry.hold_id]
            if hold.status is HoldStatus.ACTIVE:
                self._end_hold(hold.settle(HoldStatus.RELEASED, now), now)
        return left

    def knows_entry(self, entry_id: int) -> bool:
        """Whether the entry was live when the inventory was loaded, or was added since."""
        return entry_id in self._entries

    def offer(
        self, now: datetime, ttl: timedelta, new_hold_id: Callable[[], int]
    ) -> list[WaitlistEntry]:
        """Pass the free seats on to the waiting list (waitlist.next_offer), each offer a hold
        of ttl in its user's name; the entries offered. Once the show has begun, nobody is
        offered anything and the waiting entries expire."""
        if not self._show.waitlisted or self._show.is_cancelled:
            return []
        if self._show.has_started(now):
            for entry in self.waitlist():
                if entry.status is WaitlistStatus.WAITING:
                    self._end_entry(entry, WaitlistStatus.EXPIRED, now)
            return []
        holding = {h.user_id for h in self._holds.values() if h.status is HoldStatus.ACTIVE}
        offered: list[WaitlistEntry] = []
        while True:
            chosen = waitlist.next_offer(self.waitlist(), self._show.available_seats, holding)
            if chosen is None:
                return offered
            request = SeatRequest(chosen.num_seats)
            hold = self.hold(new_hold_id(), chosen.user_id, request, now, ttl)
            holding.add(chosen.user_id)
            self._offers[hold.id] = chosen.id
            offered.append(self._change_entry(chosen.offered(hold)))

    def _end_entry(
        self, entry: WaitlistEntry, status: WaitlistStatus, now: datetime
    ) -> WaitlistEntry:
        if entry.hold_id is not None:
            self._offers.pop(entry.hold_id, None)
        self._show = attrs.evolve(self._show, waitlisted=self._show.waitlisted - 1)
        return self._change_entry(entry.ended(status, now))

    def _change_entry(self, changed: WaitlistEntry) -> WaitlistEntry:
        self._entries[changed.id] = changed
        if changed.id in self._added_entries:
            self._added_entries[changed.id] = changed
        else:
            self._changed_entries[changed.id] = changed
        self._entry_changes.append(changed)
        return changed

    def _live(self, hold_id: int) -> Hold:
        hold = self._holds[hold_id]
        if hold.status is not HoldStatus.ACTIVE:
            raise HoldNotActive(hold.status.value)
        return hold

    def require_not_started(self, now: datetime) -> None:
        """ShowStarted once the show has begun: nothing more is sold or given back."""
        if self._show.has_started(now):
            raise ShowStarted()

    def require_open(self, now: datetime) -> None:
        """Neither cancelled nor begun: seats may be sold and the show changed."""
        if self._show.is_cancelled:
            raise ShowCancelled()
        self.require_not_started(now)

    def _take(self, request: SeatRequest, state: SeatState) -> tuple[str, ...]:
        """Hold or book what the request asks for, all or nothing; the seats taken, if seated."""
        if self._chart is None and request.labels is not None:
            raise ValidationError("seats", "this show is general admission: ask for num_seats")
        # Counted first, so a full house is NotEnoughSeats whichever way the seats were asked for.
        show = self._show
        counted = (
            show.hold(request.count) if state is SeatState.HELD else show.reserve(request.count)
        )
        if self._chart is None:
            self._show = counted
            return ()
        labels = request.labels or tuple(best_seats(self._chart, request.count))
        chart = self._chart.take(labels, state)
        self._show, self._chart, self._chart_changed = counted, chart, True
        return tuple(sorted(labels, key=chart.plan.positions.__getitem__))

    def _end_hold(self, ended: Hold, now: datetime) -> None:
        """A hold leaves ACTIVE: its seats become booked (confirmed) or free again."""
        confirmed = ended.status is HoldStatus.CONFIRMED
        self._show = self._show.settle_hold(ended.num_seats, confirmed=confirmed)
        if not confirmed:
            self._free(ended.seats)
        elif self._chart is not None and ended.seats:
            self._chart = self._chart.confirm(ended.seats)
            self._chart_changed = True
        self._holds[ended.id] = ended
        if ended.id in self._added_holds:
            self._added_holds[ended.id] = ended
        else:
            self._changed_holds[ended.id] = ended
        entry_id = self._offers.get(ended.id)
        if entry_id is not None:
            # The offer's entry follows its hold: confirmed is booked, expired is expired, and
            # a hold its user released is an offer declined.
            at = ended.expires_at if ended.status is HoldStatus.EXPIRED else now
            self._end_entry(self._entries[entry_id], _ENTRY_AFTER[ended.status], at)

    def _free(self, seats: Sequence[str]) -> None:
        if self._chart is not None and seats:
            self._chart = self._chart.release(seats)
            self._chart_changed = True


_ENTRY_AFTER = {
    HoldStatus.CONFIRMED: WaitlistStatus.BOOKED,
    HoldStatus.EXPIRED: WaitlistStatus.EXPIRED,
    HoldStatus.RELEASED: WaitlistStatus.LEFT,
}


def settled_shows(shows: Sequence[Show], active_holds: Iterable[Hold], now: datetime) -> list[Show]:
    """The shows as a reader sees them at `now`: seats of holds that lapsed count as free."""
    lapsed: dict[int, int] = {}
    for hold in active_holds:
        if not hold.is_live(now):
            lapsed[hold.show_id] = lapsed.get(hold.show_id, 0) + hold.num_seats
    return [
        show.settle_hold(lapsed[show.id], confirmed=False) if show.id in lapsed else show
        for show in shows
    ]


def hold_as_of(hold: Hold, now: datetime) -> Hold:
    """A hold as a reader sees it at `now`: one whose time ran out is expired."""
    if hold.status is HoldStatus.ACTIVE and not hold.is_live(now):
        return attrs.evolve(hold, status=HoldStatus.EXPIRED)
    return hold
