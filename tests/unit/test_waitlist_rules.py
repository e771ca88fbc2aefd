"""The waiting list's pure rules, and ShowInventory passing freed seats on to the list."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from boxoffice.domain import waitlist
from boxoffice.domain.errors import AlreadyWaiting, SeatsAvailable, ShowCancelled, ShowStarted
from boxoffice.domain.inventory import SeatRequest, ShowInventory
from boxoffice.domain.model import (
    Booking,
    BookingStatus,
    HoldStatus,
    Show,
    ShowStatus,
    WaitlistEntry,
    WaitlistStatus,
)
from boxoffice.domain.seating import SeatMap, SeatState

NOW = datetime(2030, 1, 1, 12, tzinfo=UTC)
TTL = timedelta(minutes=30)


def _entry(entry_id: int, num_seats: int, *, user_id: int | None = None) -> WaitlistEntry:
    return WaitlistEntry(
        entry_id,
        1,
        user_id or 100 + entry_id,
        num_seats,
        WaitlistStatus.WAITING,
        NOW + timedelta(seconds=entry_id),
    )


def test_the_first_waiting_entry_that_fits_is_next() -> None:
    entries = [_entry(1, 4), _entry(2, 2), _entry(3, 1)]
    assert waitlist.next_offer(entries, 3, holding=()) == entries[1]
    assert waitlist.next_offer(entries, 4, holding=()) == entries[0]
    assert waitlist.next_offer(entries, 0, holding=()) is None


def test_an_entry_whose_user_holds_seats_is_passed_over() -> None:
    entries = [_entry(1, 2), _entry(2, 2)]
    assert waitlist.next_offer(entries, 2, holding={entries[0].user_id}) == entries[1]


def test_an_offered_entry_is_not_offered_again() -> None:
    offered = _entry(1, 1).ended(WaitlistStatus.OFFERED, NOW)
    assert waitlist.next_offer([offered], 5, holding=()) is None


def test_positions_count_waiting_entries_in_join_order() -> None:
    later, earlier = _entry(5, 1), _entry(2, 1)
    offered = _entry(3, 1).ended(WaitlistStatus.OFFERED, NOW)
    assert waitlist.positions([later, offered, earlier]) == {2: 1, 5: 2}


def _show(capacity: int = 4, available: int = 0, **changes: object) -> Show:
    timing = NOW + timedelta(days=1)
    fields: dict[str, object] = {
        "id": 1,
        "movie_id": 1,
        "owner_id": 1,
        "timing": timing,
        "ends_at": timing + timedelta(hours=2),
        "capacity": capacity,
        "available_seats": available,
    }
    fields.update(changes)
    return Show(**fields)  # type: ignore[arg-type]


class _Ids:
    def __init__(self) -> None:
        self._ids = itertools.count(500)

    def __call__(self) -> int:
        return next(self._ids)


def _booking(num_seats: int, booking_id: int = 1) -> Booking:
    return Booking(booking_id, 9, 1, num_seats, BookingStatus.ACTIVE, NOW)


def test_join_is_refused_while_the_show_can_give_the_seats() -> None:
    inventory = ShowInventory(_show(available=2), None, ())
    with pytest.raises(SeatsAvailable):
        inventory.join(1, 7, 2, NOW)
    entry = inventory.join(1, 7, 3, NOW)
    assert (entry.status, inventory.show.waitlisted) == (WaitlistStatus.WAITING, 1)
    with pytest.raises(AlreadyWaiting):
        inventory.join(2, 7, 3, NOW)


def test_join_is_refused_once_the_show_began_or_was_cancelled() -> None:
    with pytest.raises(ShowStarted):
        ShowInventory(_show(), None, ()).join(1, 7, 1, NOW + timedelta(days=2))
    cancelled = _show(status=ShowStatus.CANCELLED)
    with pytest.raises(ShowCancelled):
        ShowInventory(cancelled, None, ()).join(1, 7, 1, NOW)


def test_freed_seats_go_to_the_first_entry_that_fits_and_the_rest_wait() -> None:
    inventory = ShowInventory(_show(), None, ())
    big = inventory.join(1, 7, 3, NOW)
    small = inventory.join(2, 8, 1, NOW)
    inventory.cancel_booking(_booking(2), NOW)
    [offered] = inventory.offer(NOW, TTL, _Ids())
    # The party of three does not fit two seats: it keeps its place, the next one fits.
    assert offered.id == small.id
    assert offered.status is WaitlistStatus.OFFERED
    assert offered.expires_at == NOW + TTL
    [hold] = inventory.added_holds()
    assert (hold.id, hold.user_id, hold.num_seats) == (offered.hold_id, 8, 1)
    # One seat is left, which the party of three cannot use: the public may have it.
    assert inventory.show.available_seats == 1
    assert [e.id for e in inventory.waitlist()] == [big.id, small.id]


def test_a_lapsed_offer_expires_and_its_seats_pass_on() -> None:
    inventory = ShowInventory(_show(), None, ())
    first = inventory.join(1, 7, 2, NOW)
    second = inventory.join(2, 8, 2, NOW)
    inventory.cancel_booking(_booking(2), NOW)
    ids = _Ids()
    inventory.offer(NOW, TTL, ids)
    later = NOW + TTL
    inventory.settle(later)
    [passed] = inventory.offer(later, TTL, ids)
    assert passed.id == second.id
    statuses = {e.id: e.status for e in inventory.entry_changes()}
    assert statuses[first.id] is WaitlistStatus.EXPIRED
    assert inventory.show.waitlisted == 1
    assert inventory.show.held_seats == 2


def test_confirming_an_offer_books_the_entry() -> None:
    inventory = ShowInventory(_show(), None, ())
    entry = inventory.join(1, 7, 2, NOW)
    inventory.cancel_booking(_booking(2), NOW)
    [offered] = inventory.offer(NOW, TTL, _Ids())
    assert offered.hold_id is not None
    booking = inventory.confirm(offered.hold_id, 99, NOW)
    assert (booking.user_id, booking.num_seats) == (7, 2)
    assert inventory.entry_changes()[-1].status is WaitlistStatus.BOOKED
    assert inventory.entry_changes()[-1].id == entry.id
    assert (inventory.show.waitlisted, inventory.show.held_seats) == (0, 0)


def test_leaving_an_offered_entry_releases_its_hold_and_passes_on() -> None:
    inventory = ShowInventory(_show(), None, ())
    first = inventory.join(1, 7, 2, NOW)
    second = inventory.join(2, 8, 2, NOW)
    inventory.cancel_booking(_booking(2), NOW)
    ids = _Ids()
    inventory.offer(NOW, TTL, ids)
    left = inventory.leave(first.id, NOW)
    assert left.status is WaitlistStatus.LEFT
    assert inventory.added_holds()[0].status is HoldStatus.RELEASED
    [passed] = inventory.offer(NOW, TTL, ids)
    assert passed.id == second.id


def test_releasing_an_offer_hold_declines_it() -> None:
    inventory = ShowInventory(_show(), None, ())
    inventory.join(1, 7, 1, NOW)
    inventory.cancel_booking(_booking(1), NOW)
    [offered] = inventory.offer(NOW, TTL, _Ids())
    assert offered.hold_id is not None
    inventory.release(offered.hold_id, NOW)
    assert inventory.entry_changes()[-1].status is WaitlistStatus.LEFT
    assert inventory.show.waitlisted == 0


def test_a_user_holding_seats_keeps_their_place_until_the_hold_ends() -> None:
    inventory = ShowInventory(_show(available=1), None, ())
    held = inventory.hold(50, 7, SeatRequest(1), NOW, TTL)
    mine = inventory.join(1, 7, 2, NOW)
    other = inventory.join(2, 8, 2, NOW)
    inventory.cancel_booking(_booking(2), NOW)
    ids = _Ids()
    [offered] = inventory.offer(NOW, TTL, ids)
    assert offered.id == other.id
    inventory.release(held.id, NOW)
    inventory.cancel_booking(_booking(1, 2), NOW)
    [then] = inventory.offer(NOW, TTL, ids)
    assert then.id == mine.id


def test_a_cancelled_show_expires_its_entries() -> None:
    inventory = ShowInventory(_show(), None, ())
    inventory.join(1, 7, 2, NOW)
    inventory.join(2, 8, 4, NOW)
    booking = _booking(4)
    inventory.cancel_booking(_booking(2, 2), NOW)
    inventory.offer(NOW, TTL, _Ids())
    # The show's remaining bookings: the offer is a hold, released with the show.
    inventory.cancel([booking], NOW)
    assert inventory.waitlist() == []
    assert inventory.show.waitlisted == 0
    assert {e.status for e in inventory.entry_changes()[-2:]} == {WaitlistStatus.EXPIRED}


def test_once_the_show_began_nobody_is_offered_and_waiting_entries_expire() -> None:
    inventory = ShowInventory(_show(), None, ())
    inventory.join(1, 7, 1, NOW)
    assert inventory.offer(NOW + timedelta(days=2), TTL, _Ids()) == []
    assert inventory.show.waitlisted == 0
    assert inventory.entry_changes()[-1].status is WaitlistStatus.EXPIRED


def test_a_seated_show_offers_the_best_free_seats() -> None:
    plan = SeatMap.build([("A", 4)])
    show = _show(capacity=4, available=4, seat_map=plan)
    inventory = ShowInventory.new(show)
    booked = inventory.book(1, 9, SeatRequest(4), NOW)
    inventory.join(1, 7, 2, NOW)
    inventory.cancel_booking(booked, NOW)
    [offered] = inventory.offer(NOW, TTL, _Ids())
    [hold] = inventory.added_holds()
    assert len(hold.seats) == 2
    assert offered.hold_id == hold.id
    assert inventory.chart is not None
    held = [label for label, state in inventory.chart.states() if state is SeatState.HELD]
    assert sorted(held) == sorted(hold.seats)


def test_a_show_without_a_list_offers_nothing_and_draws_no_id() -> None:
    inventory = ShowInventory(_show(available=4), None, ())

    def no_id() -> int:
        raise AssertionError("an id was drawn")

    assert inventory.offer(NOW, TTL, no_id) == []
    assert not inventory.waitlist_changed
