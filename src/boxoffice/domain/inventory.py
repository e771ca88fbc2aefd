"""A show's seats as use cases change them: under the show's lock, with lapsed holds swept.

Every change of seats goes through here, so the count (available_seats) and the chart of a seated
show move together, and a hold whose time ran out gives its seats back before anything is decided.
Readers, who take no lock and write nothing, see the same thing through `as_of`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import attrs

from boxoffice.domain import rules
from boxoffice.domain.errors import NotFound, StorageError, ValidationError
from boxoffice.domain.model import Hold, HoldStatus, Show
from boxoffice.domain.ports import UnitOfWork
from boxoffice.domain.seat_picker import best_seats
from boxoffice.domain.seating import SeatingChart, SeatState, require_seat_labels


@attrs.frozen
class SeatRequest:
    """What a booking or hold asks for: named seats, or a number of seats."""

    count: int
    labels: tuple[str, ...] | None = None

    @classmethod
    def parse(cls, limits: rules.Limits, *, seats: Any, num_seats: Any) -> SeatRequest:
        most = limits.max_seats_per_booking
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


@attrs.define
class Inventory:
    """One show's seats inside one unit of work that holds the show's lock."""

    show: Show
    chart: SeatingChart | None
    _chart_changed: bool = False

    def take(self, request: SeatRequest, state: SeatState) -> tuple[str, ...]:
        """Hold or book what the request asks for, all or nothing; the seats taken, if seated."""
        if self.chart is None and request.labels is not None:
            raise ValidationError("seats", "this show is general admission: ask for num_seats")
        # Counted first, so a full house is NotEnoughSeats whichever way the seats were asked for.
        counted = (
            self.show.hold(request.count)
            if state is SeatState.HELD
            else self.show.reserve(request.count)
        )
        if self.chart is None:
            self.show = counted
            return ()
        labels = request.labels or tuple(best_seats(self.chart, request.count))
        chart = self.chart.take(labels, state)
        self.show, self.chart, self._chart_changed = counted, chart, True
        return tuple(sorted(labels, key=chart.plan.positions.__getitem__))

    def give_back(self, num_seats: int, seats: Sequence[str]) -> None:
        """Free the seats of a cancelled booking."""
        self.show = self.show.release(num_seats)
        self._free(seats)

    def end_hold(self, hold: Hold, *, confirmed: bool) -> None:
        """A hold's seats become booked (confirmed) or free again (released or expired)."""
        self.show = self.show.settle_hold(hold.num_seats, confirmed=confirmed)
        if not confirmed:
            self._free(hold.seats)
        elif self.chart is not None and hold.seats:
            self.chart = self.chart.confirm(hold.seats)
            self._chart_changed = True

    def _free(self, seats: Sequence[str]) -> None:
        if self.chart is not None and seats:
            self.chart = self.chart.release(seats)
            self._chart_changed = True

    def save(self, uow: UnitOfWork) -> None:
        uow.shows.save(self.show)
        if self.chart is not None and self._chart_changed:
            uow.shows.save_seat_codes(self.show.id, self.chart.codes)


def lock(uow: UnitOfWork, show_id: int, now: datetime) -> Inventory:
    """The show's seats, locked until the unit of work ends; lapsed holds are swept (the sweep
    is written only if the caller saves and commits).
    """
    # The lock makes the seats we decide on the current ones: no seat is sold twice.
    show = uow.shows.get_for_update(show_id)
    if show is None:
        raise NotFound("show", show_id)
    inventory = Inventory(show, _chart(uow, show))
    for hold in _lapsed(uow, show, now):
        uow.holds.save(hold.settle(HoldStatus.EXPIRED, now))
        inventory.end_hold(hold, confirmed=False)
    return inventory


def _lapsed(uow: UnitOfWork, show: Show, now: datetime) -> list[Hold]:
    # Most shows hold nothing most of the time: then there is nothing to look up.
    return uow.holds.lapsed(show.id, now) if show.held_seats else []


def as_of(uow: UnitOfWork, show: Show, now: datetime) -> Show:
    """The show as a reader sees it at `now`: seats of lapsed holds count as free."""
    return as_of_many(uow, [show], now)[0]


def as_of_many(uow: UnitOfWork, shows: Sequence[Show], now: datetime) -> Sequence[Show]:
    """The shows as a reader sees them at `now`: `shows` itself where no hold has lapsed."""
    holding = [show.id for show in shows if show.held_seats]
    lapsed = uow.holds.lapsed_seat_counts(holding, now) if holding else {}
    if not lapsed:
        return shows
    return [
        show.settle_hold(lapsed[show.id], confirmed=False) if show.id in lapsed else show
        for show in shows
    ]


def seats_as_of(
    uow: UnitOfWork, show: Show, codes: str | None, now: datetime
) -> tuple[Show, SeatingChart]:
    """A seated show and its chart (codes as stored) as a reader sees them at `now`: lapsed
    holds' seats are free (one look at the lapsed holds serves both).
    """
    chart = _as_chart(show, codes)
    if chart is None:
        raise NotFound("seat map of show", show.id)
    for hold in _lapsed(uow, show, now):
        chart = chart.release(hold.seats)
        show = show.settle_hold(hold.num_seats, confirmed=False)
    return show, chart


def hold_as_of(hold: Hold, now: datetime) -> Hold:
    """A hold as a reader sees it at `now`: one whose time ran out is expired."""
    if hold.status is HoldStatus.ACTIVE and not hold.is_live(now):
        return attrs.evolve(hold, status=HoldStatus.EXPIRED)
    return hold


def _chart(uow: UnitOfWork, show: Show) -> SeatingChart | None:
    if show.seat_map is None:
        return None
    return _as_chart(show, uow.shows.get_seat_codes(show.id))


def _as_chart(show: Show, codes: str | None) -> SeatingChart | None:
    if show.seat_map is None:
        return None
    if codes is None or len(codes) != len(show.seat_map.labels):
        # Written together under the show's lock: a mismatch is corruption, not a user's error.
        raise StorageError(f"the seat chart of show {show.id} does not match its map")
    return SeatingChart(show.seat_map, codes)
