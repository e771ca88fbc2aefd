"""Waiting lists over each adapter: the same entries, offers, order and errors everywhere."""

from __future__ import annotations

from datetime import timedelta

import pytest

from boxoffice.domain.errors import (
    AlreadyWaiting,
    NotEnoughSeats,
    NotFound,
    SeatsAvailable,
    ShowCancelled,
)
from boxoffice.domain.model import Actor, AuditAction, HoldStatus, WaitlistEntry, WaitlistStatus
from boxoffice.domain.ports import UnitOfWorkFactory
from boxoffice.domain.seating import SeatMap
from boxoffice.domain.service import Boxoffice
from tests.contract.test_concurrency import race
from tests.fakes import START, FakeClock

PASSWORD = "correct horse"
OFFER = timedelta(seconds=1800)


def sign_up(app: Boxoffice, email: str, role: str = "user") -> Actor:
    app.sign_up(name=email.split("@")[0], email=email, password=PASSWORD, role=role)
    return app.actor_for(email=email, password=PASSWORD)


@pytest.fixture
def owner(app: Boxoffice) -> Actor:
    return sign_up(app, "owner@example.com", "owner")


@pytest.fixture
def buyer(app: Boxoffice) -> Actor:
    return sign_up(app, "buyer@example.com")


def sold_out(
    app: Boxoffice, owner: Actor, buyer: Actor, *, seats: int = 4
) -> tuple[int, list[int]]:
    """A show sold out in bookings of 2 (or 1 for the odd seat): its id and the bookings'."""
    film = app.add_movie(owner, title="Metropolis", genre="drama", duration=153)
    show = app.add_show(
        owner, movie_id=film.id, timing=START + timedelta(days=1), available_seats=seats
    )
    bookings = []
    left = seats
    while left:
        bookings.append(app.book_seats(buyer, show_id=show.id, num_seats=min(2, left)).id)
        left -= min(2, left)
    return show.id, bookings


def users(app: Boxoffice, count: int) -> list[Actor]:
    return [sign_up(app, f"waiter{n}@example.com") for n in range(count)]


def test_join_read_and_leave(app: Boxoffice, owner: Actor, buyer: Actor, clock: FakeClock) -> None:
    show_id, _ = sold_out(app, owner, buyer)
    ada, bob = users(app, 2)
    first = app.join_waitlist(ada, show_id, num_seats=2, client="10.0.0.1")
    second = app.join_waitlist(bob, show_id, num_seats=1)
    assert first == WaitlistEntry(
        first.id, show_id, ada.id, 2, WaitlistStatus.WAITING, clock.now(), position=1
    )
    assert (second.position, app.get_waitlist_entry(bob, second.id).position) == (2, 2)
    assert app.get_show(show_id).waitlisted == 2
    assert [s.waitlisted for s in app.list_shows() if s.id == show_id] == [2]
    with pytest.raises(AlreadyWaiting):
        app.join_waitlist(ada, show_id, num_seats=1)
    with pytest.raises(NotFound):
        app.get_waitlist_entry(bob, first.id)
    left = app.leave_waitlist(ada, first.id)
    assert (left.status, left.position, left.updated_at) == (
        WaitlistStatus.LEFT,
        None,
        clock.now(),
    )
    assert app.get_waitlist_entry(bob, second.id).position == 1
    assert app.get_waitlist_entry(ada, first.id) == left
    assert list(app.list_waitlist(ada)) == [left]
    assert [e.id for e in app.list_show_waitlist(owner, show_id)] == [first.id, second.id]
    assert app.get_show(show_id).waitlisted == 1
    rejoined = app.join_waitlist(ada, show_id, num_seats=2)
    assert rejoined.position == 2
    trail = [(e.action, e.target) for e in app.list_audit_events() if e.target.startswith("w")]
    assert trail == [
        (AuditAction.WAITLIST_JOINED, f"waitlist:{first.id}"),
        (AuditAction.WAITLIST_JOINED, f"waitlist:{second.id}"),
        (AuditAction.WAITLIST_LEFT, f"waitlist:{first.id}"),
        (AuditAction.WAITLIST_JOINED, f"waitlist:{rejoined.id}"),
    ]


def test_joining_is_refused_while_the_show_can_give_the_seats(
    app: Boxoffice, owner: Actor, buyer: Actor
) -> None:
    show_id, bookings = sold_out(app, owner, buyer)
    [ada] = users(app, 1)
    app.cancel_booking(buyer, bookings[0])
    with pytest.raises(SeatsAvailable):
        app.join_waitlist(ada, show_id, num_seats=2)
    assert app.join_waitlist(ada, show_id, num_seats=3).status is WaitlistStatus.WAITING


def test_freed_seats_are_offered_in_join_order_to_parties_that_fit(
    app: Boxoffice, owner: Actor, buyer: Actor, clock: FakeClock
) -> None:
    show_id, bookings = sold_out(app, owner, buyer, seats=6)
    big, small, late = users(app, 3)
    big_entry = app.join_waitlist(big, show_id, num_seats=3)
    small_entry = app.join_waitlist(small, show_id, num_seats=2)
    late_entry = app.join_waitlist(late, show_id, num_seats=2)
    app.cancel_booking(buyer, bookings[0])
    offered = app.get_waitlist_entry(small, small_entry.id)
    assert (offered.status, offered.expires_at) == (WaitlistStatus.OFFERED, clock.now() + OFFER)
    assert offered.hold_id is not None
    with pytest.raises(NotEnoughSeats):
        app.book_seats(buyer, show_id=show_id, num_seats=1)
    app.cancel_booking(buyer, bookings[1])
    # Two more seats: the party of three is still first in line but does not fit; the next does.
    assert app.get_waitlist_entry(big, big_entry.id).position == 1
    assert app.get_waitlist_entry(late, late_entry.id).status is WaitlistStatus.OFFERED
    booking = app.confirm_hold(small, offered.hold_id)
    assert (booking.user_id, booking.num_seats) == (small.id, 2)
    assert app.get_waitlist_entry(small, small_entry.id).status is WaitlistStatus.BOOKED
    app.cancel_booking(buyer, bookings[2])
    assert app.get_waitlist_entry(big, big_entry.id).status is WaitlistStatus.WAITING
    # Three seats are free once the late offer lapses: the party of three gets them.
    clock.advance(seconds=OFFER.total_seconds())
    assert app.settle_due() == 1
    assert app.get_waitlist_entry(big, big_entry.id).status is WaitlistStatus.OFFERED
    assert app.get_waitlist_entry(late, late_entry.id).status is WaitlistStatus.EXPIRED
    show = app.get_show(show_id)
    assert (show.available_seats, show.waitlisted) == (1, 1)
    actions = [e.action for e in app.list_audit_events() if e.target.startswith("waitlist")]
    assert actions.count(AuditAction.WAITLIST_OFFERED) == 3
    assert actions.count(AuditAction.WAITLIST_BOOKED) == 1
    assert actions.count(AuditAction.WAITLIST_LAPSED) == 1


def test_a_seated_shows_offer_holds_the_best_free_seats(
    app: Boxoffice, owner: Actor, buyer: Actor
) -> None:
    film = app.add_movie(owner, title="Metropolis", genre="drama", duration=153)
    show = app.add_show(
        owner,
        movie_id=film.id,
        timing=START + timedelta(days=1),
        seat_map=SeatMap.build([("A", 4)]),
    )
    booking = app.book_seats(buyer, show_id=show.id, seats=["A1", "A2", "A3", "A4"])
    [ada] = users(app, 1)
    entry = app.join_waitlist(ada, show.id, num_seats=2)
    app.cancel_booking(buyer, booking.id)
    offered = app.get_waitlist_entry(ada, entry.id)
    assert offered.hold_id is not None
    hold = app.get_hold(ada, offered.hold_id)
    assert (hold.status, len(hold.seats)) == (HoldStatus.ACTIVE, 2)
    held = {label for label, state in app.get_seats(show.id).seats.items() if state == "held"}
    assert held == set(hold.seats)


def test_leaving_an_offer_passes_it_on_and_a_cancelled_show_expires_the_list(
    app: Boxoffice, owner: Actor, buyer: Actor
) -> None:
    show_id, bookings = sold_out(app, owner, buyer)
    ada, bob, cy = users(app, 3)
    first = app.join_waitlist(ada, show_id, num_seats=2)
    second = app.join_waitlist(bob, show_id, num_seats=2)
    third = app.join_waitlist(cy, show_id, num_seats=2)
    app.cancel_booking(buyer, bookings[0])
    offer = app.get_waitlist_entry(ada, first.id).hold_id
    assert offer is not None
    assert app.leave_waitlist(ada, first.id).status is WaitlistStatus.LEFT
    assert app.get_hold(ada, offer).status is HoldStatus.RELEASED
    assert app.get_waitlist_entry(bob, second.id).status is WaitlistStatus.OFFERED
    app.cancel_show(owner, show_id)
    assert app.get_waitlist_entry(bob, second.id).status is WaitlistStatus.EXPIRED
    assert app.get_waitlist_entry(cy, third.id).status is WaitlistStatus.EXPIRED
    assert app.get_show(show_id).waitlisted == 0
    with pytest.raises(ShowCancelled):
        app.join_waitlist(ada, show_id, num_seats=1)


def test_settle_due_settles_only_shows_with_a_list(
    app: Boxoffice, owner: Actor, buyer: Actor, clock: FakeClock
) -> None:
    listed, _ = sold_out(app, owner, buyer)
    film = app.add_movie(owner, title="Nosferatu", genre="horror", duration=94)
    unlisted = app.add_show(
        owner, movie_id=film.id, timing=START + timedelta(days=1), available_seats=3
    )
    app.hold_seats(buyer, show_id=unlisted.id, num_seats=1)
    [ada] = users(app, 1)
    app.join_waitlist(ada, listed, num_seats=2)
    assert app.settle_due() == 0
    # A lapsed hold of a show without a list waits for the show's next change.
    clock.advance(seconds=app.limits.hold_ttl_seconds)
    assert app.settle_due() == 0
    clock.advance(days=2)
    # The show began: its waiting entries expire, once.
    assert app.settle_due() == 1
    assert app.settle_due() == 0
    assert app.get_show(listed).waitlisted == 0


def test_entries_are_served_by_join_time_then_id(
    app: Boxoffice, owner: Actor, buyer: Actor, uow_factory: UnitOfWorkFactory
) -> None:
    show_id, _ = sold_out(app, owner, buyer)
    ada, bob = users(app, 2)
    early = app.join_waitlist(ada, show_id, num_seats=1)
    later = app.join_waitlist(bob, show_id, num_seats=1)
    with uow_factory(read_only=True) as uow:
        assert [e.id for e in uow.waitlist.live_of_show(show_id)] == [early.id, later.id]
        assert uow.waitlist.waiting_ahead(later) == 1
        assert uow.waitlist.waiting_ahead(early) == 0


def test_a_lease_has_one_holder_at_a_time(
    app: Boxoffice, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    assert app.take_lease("waitlist-sweeper", "a", seconds=5)
    assert not app.take_lease("waitlist-sweeper", "b", seconds=5)
    assert app.take_lease("other", "b", seconds=5)
    clock.advance(seconds=4)
    assert app.take_lease("waitlist-sweeper", "a", seconds=5)
    clock.advance(seconds=4)
    assert not app.take_lease("waitlist-sweeper", "b", seconds=5)
    clock.advance(seconds=1)
    assert app.take_lease("waitlist-sweeper", "b", seconds=5)
    # Not taken until committed: a rolled-back take leaves the lease as it was.
    with uow_factory() as uow:
        assert uow.leases.take("third", "c", clock.now(), clock.now() + OFFER)
    assert app.take_lease("third", "d", seconds=5)


def test_racing_takers_of_a_free_lease_one_wins(app: Boxoffice) -> None:
    outcomes = race([lambda n=n: app.take_lease("l", f"h{n}", seconds=60) for n in range(8)])
    assert sum(outcomes.values()) == 8
    results = [app.take_lease("l", f"h{n}", seconds=60) for n in range(8)]
    assert results.count(True) == 1


def test_racing_cancels_offer_every_freed_seat_in_join_order_and_none_to_the_public(
    app: Boxoffice, owner: Actor, buyer: Actor
) -> None:
    show_id, bookings = sold_out(app, owner, buyer, seats=12)
    waiters = users(app, 8)
    entries = [app.join_waitlist(w, show_id, num_seats=1) for w in waiters]
    public = sign_up(app, "public@example.com")
    calls = [lambda b=b: app.cancel_booking(buyer, b) for b in bookings[:3]]
    calls += [lambda: app.book_seats(public, show_id=show_id, num_seats=1)] * 3
    race(calls)
    states = [app.get_waitlist_entry(w, e.id) for w, e in zip(waiters, entries, strict=True)]
    offered = [e for e in states if e.status is WaitlistStatus.OFFERED]
    assert [e.id for e in offered] == [e.id for e in entries[:6]]
    assert len({e.hold_id for e in offered}) == 6
    assert list(app.list_bookings(public)) == []
    assert app.get_show(show_id).available_seats == 0
