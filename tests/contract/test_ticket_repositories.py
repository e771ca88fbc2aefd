"""Ticket types, priced shows, bookings with their tickets, and tickets at the door, as every
adapter stores them."""

from __future__ import annotations

from datetime import timedelta

import attrs
import pytest

from boxoffice.domain.errors import TicketTypeTaken
from boxoffice.domain.model import (
    UNSAVED,
    Booking,
    CancelReason,
    Price,
    Role,
    Ticket,
    TicketStatus,
    TicketType,
)
from boxoffice.domain.ports import UnitOfWorkFactory
from boxoffice.domain.ticket_codes import code_of
from tests.contract import builders
from tests.fakes import START


def test_a_cinemas_ticket_types_are_listed_in_the_order_added_and_codes_are_unique(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        owner = uow.users.add(builders.user("owner@example.com", Role.OWNER))
        cinema = uow.cinemas.add(
            attrs.evolve(builders.cinema(owner.id), currency="EUR", cancel_fee=150)
        )
        other = uow.cinemas.add(builders.cinema(owner.id, "Odeon"))
        adult = uow.ticket_types.add(TicketType(UNSAVED, cinema.id, "adult", "Adult"))
        child = uow.ticket_types.add(TicketType(UNSAVED, cinema.id, "child", "Child"))
        elsewhere = uow.ticket_types.add(TicketType(UNSAVED, other.id, "adult", "Adult"))
        uow.commit()
    with uow_factory() as uow:
        with pytest.raises(TicketTypeTaken) as taken:
            uow.ticket_types.add(TicketType(UNSAVED, cinema.id, "child", "Kid"))
        assert taken.value.code == "child"
    with uow_factory() as uow:
        assert uow.ticket_types.of_cinema(cinema.id) == [adult, child]
        assert uow.ticket_types.of_cinema(other.id) == [elsewhere]
        locked = uow.cinemas.lock(cinema.id)
        assert locked == cinema
        uow.cinemas.save(attrs.evolve(cinema, name="Renamed", cancel_until_minutes=60))
        uow.commit()
    with uow_factory(read_only=True) as uow:
        stored = uow.cinemas.get(cinema.id)
        assert stored == attrs.evolve(cinema, name="Renamed", cancel_until_minutes=60)
        assert stored is not None
        assert (stored.currency, stored.cancel_fee) == ("EUR", 150)


def _ticket(booking: Booking, code: str, seat: str | None, amount: int) -> Ticket:
    return Ticket(code, booking.id, booking.show_id, seat, "standard", "adult", amount)


FIRST_KEY, SECOND_KEY = "K" * 22, "k" * 21 + "Q"
CODES = {
    # What the domain makes: each booking's codes made of its key.
    "made of keys": (code_of(FIRST_KEY, 0), code_of(FIRST_KEY, 1), code_of(SECOND_KEY, 0)),
    # Codes from before keys, or a caller's own: kept as they are.
    "codes of their own": ("zz-first", "aa-second", "mm-third"),
}


@pytest.mark.parametrize("codes", CODES.values(), ids=CODES.keys())
def test_bookings_keep_their_tickets_in_seat_order_and_cancel_them_together(
    uow_factory: UnitOfWorkFactory, codes: tuple[str, str, str]
) -> None:
    one, two, three = codes
    with uow_factory() as uow:
        owner, show = builders.stored_show(uow)
        priced = attrs.evolve(show, currency="EUR", prices=(Price("adult", "standard", 900),))
        inventory = uow.inventories.lock(show.id)
        assert inventory is not None
        inventory.reprice(priced.prices, START - timedelta(days=1))
        uow.inventories.save(inventory)
        first = builders.booking(owner.id, show.id, 2, booking_id=uow.bookings.next_id())
        first = attrs.evolve(
            first,
            currency="EUR",
            tickets=(_ticket(first, one, None, 900), _ticket(first, two, None, 900)),
        )
        uow.bookings.add(first)
        second = builders.booking(owner.id, show.id, 1, booking_id=uow.bookings.next_id())
        second = attrs.evolve(second, tickets=(_ticket(second, three, None, 700),))
        uow.bookings.add(second)
        uow.commit()
    with uow_factory(read_only=True) as uow:
        stored_show = uow.shows.get(show.id)
        assert stored_show is not None
        assert stored_show.prices == priced.prices
        assert uow.bookings.get(first.id) == first
        assert uow.bookings.list_for_user(owner.id, after=None, limit=10) == [first, second]
        assert uow.bookings.list_for_show(show.id, after=first.id, limit=10) == [second]
        assert uow.bookings.active_for_show(show.id) == [first, second]
        assert uow.tickets.of_show(show.id) == [*first.tickets, *second.tickets]
        assert uow.tickets.get(two) == first.tickets[1]
        assert uow.tickets.get("nope") is None
        assert uow.tickets.get(code_of(FIRST_KEY, 2)) is None
        assert uow.tickets.get(code_of("x" * 22, 0)) is None
    checked_in = second.tickets[0].check_in(START)
    with uow_factory() as uow:
        uow.tickets.save(checked_in)
        cancelled = first.cancel(START, CancelReason.BY_USER, fee=100)
        uow.bookings.save(cancelled)
        uow.commit()
    with uow_factory(read_only=True) as uow:
        assert uow.tickets.get(checked_in.code) == checked_in
        assert uow.bookings.get(first.id) == cancelled
        assert [t.status for t in cancelled.tickets] == [TicketStatus.CANCELLED] * 2
        assert uow.bookings.refunds_of_show(show.id) == 1600
        assert uow.bookings.active_for_show(show.id) == [
            attrs.evolve(second, tickets=(checked_in,))
        ]
    with uow_factory() as uow:
        uow.tickets.save(checked_in.undo_check_in())
        uow.commit()
    with uow_factory(read_only=True) as uow:
        assert uow.tickets.get(three) == second.tickets[0]
        assert uow.bookings.get(second.id) == second
