"""The waiting-list use cases over the in-memory core."""

from __future__ import annotations

from datetime import timedelta

import pytest

from boxoffice.domain.errors import (
    AlreadyHolding,
    AlreadyWaiting,
    Forbidden,
    NotEnoughSeats,
    NotFound,
    SeatsAvailable,
    ShowCancelled,
    ShowStarted,
    ValidationError,
)
from boxoffice.domain.model import Actor, AuditAction, HoldStatus, WaitlistStatus
from boxoffice.domain.service import Boxoffice
from tests.fakes import FakeClock
from tests.unit.conftest import MakeActor, MakeShow

OFFER = timedelta(seconds=1800)


@pytest.fixture
def sold_out(app: Boxoffice, make_show: MakeShow, make_user: MakeActor) -> tuple[int, list[int]]:
    """A show of 4 seats sold to a buyer in two bookings of 2: the show's id and the bookings'."""
    show = make_show(seats=4)
    buyer = make_user("buyer@example.com")
    bookings = [app.book_seats(buyer, show_id=show.id, num_seats=2).id for _ in range(2)]
    return show.id, bookings


def _buyer(app: Boxoffice) -> Actor:
    return app.actor_for(email="buyer@example.com", password="correct horse")


def test_joining_a_sold_out_show(
    app: Boxoffice, user: Actor, sold_out: tuple[int, list[int]], clock: FakeClock
) -> None:
    show_id, _ = sold_out
    entry = app.join_waitlist(user, show_id, num_seats=2, client="10.0.0.1")
    assert (entry.show_id, entry.user_id, entry.num_seats) == (show_id, user.id, 2)
    assert (entry.status, entry.position, entry.created_at) == (
        WaitlistStatus.WAITING,
        1,
        clock.now(),
    )
    assert app.get_waitlist_entry(user, entry.id) == entry
    assert list(app.list_waitlist(user)) == [entry]
    assert app.get_show(show_id).waitlisted == 1
    [event] = [e for e in app.list_audit_events() if e.action is AuditAction.WAITLIST_JOINED]
    assert (event.actor_id, event.target, event.client) == (
        user.id,
        f"waitlist:{entry.id}",
        "10.0.0.1",
    )


def test_joining_is_refused_while_seats_can_be_booked(
    app: Boxoffice, user: Actor, make_show: MakeShow
) -> None:
    show = make_show(seats=3)
    with pytest.raises(SeatsAvailable):
        app.join_waitlist(user, show.id, num_seats=3)
    assert app.join_waitlist(user, show.id, num_seats=4).position == 1


def test_one_live_entry_per_user_and_show(
    app: Boxoffice, user: Actor, sold_out: tuple[int, list[int]]
) -> None:
    show_id, _ = sold_out
    entry = app.join_waitlist(user, show_id, num_seats=1)
    with pytest.raises(AlreadyWaiting):
        app.join_waitlist(user, show_id, num_seats=2)
    app.leave_waitlist(user, entry.id)
    assert app.join_waitlist(user, show_id, num_seats=2).status is WaitlistStatus.WAITING


@pytest.mark.parametrize("num_seats", [0, 11, True, "2", None])
def test_num_seats_obeys_the_per_booking_maximum(
    app: Boxoffice, user: Actor, sold_out: tuple[int, list[int]], num_seats: object
) -> None:
    with pytest.raises(ValidationError) as error:
        app.join_waitlist(user, sold_out[0], num_seats=num_seats)  # type: ignore[arg-type]
    assert error.value.field == "num_seats"


def test_started_and_cancelled_shows_refuse(
    app: Boxoffice,
    user: Actor,
    owner: Actor,
    sold_out: tuple[int, list[int]],
    make_show: MakeShow,
    clock: FakeClock,
) -> None:
    show_id, _ = sold_out
    app.cancel_show(owner, show_id)
    with pytest.raises(ShowCancelled):
        app.join_waitlist(user, show_id, num_seats=1)
    soon = make_show(seats=1, hours_ahead=1)
    clock.advance(hours=2)
    with pytest.raises(ShowStarted):
        app.join_waitlist(user, soon.id, num_seats=2)


def test_an_owner_may_not_join(
    app: Boxoffice, owner: Actor, sold_out: tuple[int, list[int]]
) -> None:
    with pytest.raises(Forbidden):
        app.join_waitlist(owner, sold_out[0], num_seats=1)


def test_a_cancelled_booking_is_offered_to_the_first_entry_that_fits(
    app: Boxoffice,
    make_user: MakeActor,
    sold_out: tuple[int, list[int]],
    clock: FakeClock,
) -> None:
    show_id, bookings = sold_out
    big, small, late = (make_user(f"{n}@example.com") for n in ("big", "small", "late"))
    big_entry = app.join_waitlist(big, show_id, num_seats=3)
    small_entry = app.join_waitlist(small, show_id, num_seats=2)
    late_entry = app.join_waitlist(late, show_id, num_seats=2)
    app.cancel_booking(_buyer(app), bookings[0])
    offered = app.get_waitlist_entry(small, small_entry.id)
    assert offered.status is WaitlistStatus.OFFERED
    assert offered.expires_at == clock.now() + OFFER
    assert offered.hold_id is not None
    hold = app.get_hold(small, offered.hold_id)
    assert (hold.user_id, hold.num_seats, hold.status) == (small.id, 2, HoldStatus.ACTIVE)
    # The party of three keeps its place; the later one of two waits behind it.
    assert app.get_waitlist_entry(big, big_entry.id).position == 1
    assert app.get_waitlist_entry(late, late_entry.id).position == 2
    booking = app.confirm_hold(small, offered.hold_id)
    assert booking.user_id == small.id
    assert app.get_waitlist_entry(small, small_entry.id).status is WaitlistStatus.BOOKED
    actions = [e.action for e in app.list_audit_events()]
    assert AuditAction.WAITLIST_OFFERED in actions
    assert AuditAction.WAITLIST_BOOKED in actions


def test_freed_seats_are_not_sold_to_the_public_while_an_entry_fits(
    app: Boxoffice, user: Actor, make_user: MakeActor, sold_out: tuple[int, list[int]]
) -> None:
    show_id, bookings = sold_out
    app.join_waitlist(user, show_id, num_seats=2)
    app.cancel_booking(_buyer(app), bookings[0])
    public = make_user("public@example.com")
    with pytest.raises(NotEnoughSeats):
        app.book_seats(public, show_id=show_id, num_seats=1)
    with pytest.raises(NotEnoughSeats):
        app.hold_seats(public, show_id=show_id, num_seats=1)


def test_seats_no_entry_can_use_are_the_publics(
    app: Boxoffice, user: Actor, make_user: MakeActor, sold_out: tuple[int, list[int]]
) -> None:
    show_id, bookings = sold_out
    entry = app.join_waitlist(user, show_id, num_seats=3)
    app.cancel_booking(_buyer(app), bookings[0])
    public = make_user("public@example.com")
    assert app.book_seats(public, show_id=show_id, num_seats=2).num_seats == 2
    assert app.get_waitlist_entry(user, entry.id).status is WaitlistStatus.WAITING


def test_a_lapsed_offer_passes_on_when_the_show_is_next_touched(
    app: Boxoffice, make_user: MakeActor, sold_out: tuple[int, list[int]], clock: FakeClock
) -> None:
    show_id, bookings = sold_out
    first, second = make_user("first@example.com"), make_user("second@example.com")
    first_entry = app.join_waitlist(first, show_id, num_seats=2)
    second_entry = app.join_waitlist(second, show_id, num_seats=2)
    app.cancel_booking(_buyer(app), bookings[0])
    clock.advance(seconds=OFFER.total_seconds())
    # Readers see the lapsed offer as expired before anything settles it.
    assert app.get_waitlist_entry(first, first_entry.id).status is WaitlistStatus.EXPIRED
    assert app.get_waitlist_entry(second, second_entry.id).status is WaitlistStatus.WAITING
    # The next change of the show settles it (a refused one changes nothing): here a join.
    with pytest.raises(NotEnoughSeats):
        app.book_seats(make_user("public@example.com"), show_id=show_id, num_seats=1)
    app.join_waitlist(make_user("third@example.com"), show_id, num_seats=1)
    passed = app.get_waitlist_entry(second, second_entry.id)
    assert passed.status is WaitlistStatus.OFFERED
    assert any(e.action is AuditAction.WAITLIST_LAPSED for e in app.list_audit_events())


def test_settle_due_passes_lapsed_offers_on_with_nobody_touching_the_show(
    app: Boxoffice, make_user: MakeActor, sold_out: tuple[int, list[int]], clock: FakeClock
) -> None:
    show_id, bookings = sold_out
    first, second = make_user("first@example.com"), make_user("second@example.com")
    app.join_waitlist(first, show_id, num_seats=2)
    second_entry = app.join_waitlist(second, show_id, num_seats=2)
    app.cancel_booking(_buyer(app), bookings[0])
    assert app.settle_due() == 0
    clock.advance(seconds=OFFER.total_seconds())
    assert app.settle_due() == 1
    assert app.get_waitlist_entry(second, second_entry.id).status is WaitlistStatus.OFFERED
    # Settled: nothing more is due until the next offer lapses.
    assert app.settle_due() == 0
    assert app.settle_due(clock.now() + OFFER) == 1


def test_leaving_an_offered_entry_passes_its_seats_on(
    app: Boxoffice, make_user: MakeActor, sold_out: tuple[int, list[int]]
) -> None:
    show_id, bookings = sold_out
    first, second = make_user("first@example.com"), make_user("second@example.com")
    first_entry = app.join_waitlist(first, show_id, num_seats=2)
    second_entry = app.join_waitlist(second, show_id, num_seats=2)
    app.cancel_booking(_buyer(app), bookings[0])
    offered = app.get_waitlist_entry(first, first_entry.id)
    left = app.leave_waitlist(first, first_entry.id, client="10.0.0.2")
    assert left.status is WaitlistStatus.LEFT
    assert offered.hold_id is not None
    assert app.get_hold(first, offered.hold_id).status is HoldStatus.RELEASED
    assert app.get_waitlist_entry(second, second_entry.id).status is WaitlistStatus.OFFERED
    # Leaving again changes nothing.
    assert app.leave_waitlist(first, first_entry.id) == left


def test_someone_elses_entry_is_not_found(
    app: Boxoffice, user: Actor, make_user: MakeActor, sold_out: tuple[int, list[int]]
) -> None:
    entry = app.join_waitlist(user, sold_out[0], num_seats=1)
    stranger = make_user("stranger@example.com")
    with pytest.raises(NotFound):
        app.get_waitlist_entry(stranger, entry.id)
    with pytest.raises(NotFound):
        app.leave_waitlist(stranger, entry.id)
    assert list(app.list_waitlist(stranger)) == []


def test_the_owner_sees_the_shows_list(
    app: Boxoffice,
    owner: Actor,
    user: Actor,
    make_user: MakeActor,
    sold_out: tuple[int, list[int]],
) -> None:
    show_id, _ = sold_out
    first = app.join_waitlist(user, show_id, num_seats=1)
    second = app.join_waitlist(make_user("other@example.com"), show_id, num_seats=1)
    page = app.list_show_waitlist(owner, show_id, limit=1)
    assert [e.id for e in page] == [first.id]
    assert page.next_after == first.id
    rest = app.list_show_waitlist(owner, show_id, after=page.next_after)
    assert [(e.id, e.position) for e in rest] == [(second.id, 2)]
    other_owner = make_user("owner2@example.com")
    with pytest.raises(Forbidden):
        app.list_show_waitlist(user, show_id)
    with pytest.raises(Forbidden):
        app.list_show_waitlist(other_owner, show_id)


def test_a_cancelled_show_expires_its_list(
    app: Boxoffice, owner: Actor, user: Actor, sold_out: tuple[int, list[int]]
) -> None:
    show_id, _ = sold_out
    entry = app.join_waitlist(user, show_id, num_seats=1)
    app.cancel_show(owner, show_id)
    assert app.get_waitlist_entry(user, entry.id).status is WaitlistStatus.EXPIRED
    assert app.get_show(show_id).waitlisted == 0


def test_added_seats_are_offered(
    app: Boxoffice, owner: Actor, user: Actor, sold_out: tuple[int, list[int]]
) -> None:
    show_id, _ = sold_out
    entry = app.join_waitlist(user, show_id, num_seats=3)
    app.update_show(owner, show_id, capacity=7)
    assert app.get_waitlist_entry(user, entry.id).status is WaitlistStatus.OFFERED
    assert app.get_show(show_id).available_seats == 0


def test_a_user_holding_seats_is_passed_over_and_keeps_their_place(
    app: Boxoffice, user: Actor, make_user: MakeActor, make_show: MakeShow
) -> None:
    show = make_show(seats=3)
    buyer = make_user("buyer@example.com")
    booking = app.book_seats(buyer, show_id=show.id, num_seats=2)
    held = app.hold_seats(user, show_id=show.id, num_seats=1)
    mine = app.join_waitlist(user, show.id, num_seats=2)
    other = make_user("other@example.com")
    theirs = app.join_waitlist(other, show.id, num_seats=2)
    app.cancel_booking(buyer, booking.id)
    assert app.get_waitlist_entry(other, theirs.id).status is WaitlistStatus.OFFERED
    assert app.get_waitlist_entry(user, mine.id).position == 1
    with pytest.raises(AlreadyHolding):
        app.hold_seats(other, show_id=show.id, num_seats=1)
    app.release_hold(user, held.id)
    # One seat is free; the entry of two still waits for it, first in line.
    assert app.get_waitlist_entry(user, mine.id).status is WaitlistStatus.WAITING


def test_take_lease(app: Boxoffice, clock: FakeClock) -> None:
    assert app.take_lease("sweeper", "a", seconds=5)
    assert not app.take_lease("sweeper", "b", seconds=5)
    assert app.take_lease("sweeper", "a", seconds=5)
    clock.advance(seconds=5)
    assert app.take_lease("sweeper", "b", seconds=5)
    assert not app.take_lease("sweeper", "a", seconds=5)
    with pytest.raises(ValidationError):
        app.take_lease("sweeper", "a", seconds=0)
