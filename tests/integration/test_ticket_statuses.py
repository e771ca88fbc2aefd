"""The SQL adapter stores tickets apart from their bookings: saving a booking writes its
tickets' statuses only when it is cancelled, so check-ins made meanwhile stay."""

from __future__ import annotations

import attrs

from boxoffice.adapters.sqlalchemy import SqlAlchemyUnitOfWorkFactory
from boxoffice.domain.model import Ticket, TicketStatus
from tests.contract import builders
from tests.fakes import START


def test_saving_an_active_booking_leaves_its_tickets_check_ins(
    factory: SqlAlchemyUnitOfWorkFactory,
) -> None:
    with factory() as uow:
        owner, show = builders.stored_show(uow)
        booking = builders.booking(owner.id, show.id, 2, booking_id=uow.bookings.next_id())
        tickets = tuple(
            Ticket(f"code-{n}", booking.id, show.id, None, "standard", None, 0) for n in range(2)
        )
        booking = attrs.evolve(booking, tickets=tickets)
        uow.bookings.add(booking)
        uow.commit()
    admitted = tickets[0].check_in(START)
    with factory() as uow:
        uow.tickets.save(admitted)
        uow.bookings.save(booking)
        uow.commit()
    with factory(read_only=True) as uow:
        assert uow.tickets.get(admitted.code) == admitted
    with factory() as uow:
        uow.bookings.save(booking.cancel(START))
        uow.commit()
    with factory(read_only=True) as uow:
        stored = uow.bookings.get(booking.id)
        assert stored is not None
        assert [t.status for t in stored.tickets] == [TicketStatus.CANCELLED] * 2
        # The schema keeps a check-in time only on a ticket checked in.
        assert [t.checked_in_at for t in stored.tickets] == [None, None]
