"""Tickets and the door: a user reads their tickets; the show's owner lets each in once.

A check-in decides under the show's lock, which every booking, cancellation and check-in of
the show holds: scanners presenting one code at once admit it exactly once, and a booking
cancelled meanwhile is never let in.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import attrs

from boxoffice.domain import rules
from boxoffice.domain.acting import Ports, acting
from boxoffice.domain.audit import ticket_event
from boxoffice.domain.errors import CheckInRefused, NotFound, ValidationError
from boxoffice.domain.model import (
    Actor,
    AuditAction,
    Role,
    Show,
    Ticket,
    TicketStatus,
    WebhookEvent,
)
from boxoffice.domain.outbox import publish
from boxoffice.domain.ports import UnitOfWork

MAX_CODE_CHARS = 64


def require_code(value: object) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_CODE_CHARS:
        raise ValidationError("code", f"must be a ticket code of 1 to {MAX_CODE_CHARS} characters")
    return value


def _unknown(code: str) -> NotFound:
    # One answer for a code that does not exist and a ticket of someone else's show: the door
    # is no oracle of which codes exist.
    return NotFound("ticket", code)


def _owners_show(uow: UnitOfWork, actor: Actor, show_id: int, code: str) -> Show:
    show = uow.shows.get(show_id)
    if show is None or show.owner_id != actor.id:
        raise _unknown(code)
    return show


@attrs.frozen
class GetTicket:
    ports: Ports

    def __call__(self, actor: Actor, code: str) -> Ticket:
        """One of the actor's tickets; anyone else's, or no such code, is NotFound."""
        code = require_code(code)
        with acting(self.ports, actor, Role.USER, "read tickets", read_only=True) as uow:
            ticket = uow.tickets.get(code)
            booking = None if ticket is None else uow.bookings.get(ticket.booking_id)
            if ticket is None or booking is None or booking.user_id != actor.id:
                raise _unknown(code)
        return ticket


@attrs.frozen
class CheckIn:
    """Let a ticket in at the door of its show, once."""

    ports: Ports

    def __call__(
        self, actor: Actor, *, code: str, show_id: int, client: str | None = None
    ) -> Ticket:
        code = require_code(code)
        show_id = rules.require_id("show_id", show_id)
        client = rules.require_client(client)
        with acting(self.ports, actor, Role.OWNER, "check tickets in") as uow:
            _owners_show(uow, actor, show_id, code)
            inventory = uow.inventories.lock(show_id)
            ticket = uow.tickets.get(code)
            if inventory is None or ticket is None:
                raise _unknown(code)
            now = self.ports.clock.now()
            if ticket.show_id != show_id:
                _owners_show(uow, actor, ticket.show_id, code)
                raise CheckInRefused("wrong_show", f"the ticket is for show {ticket.show_id}")
            self._require_admissible(inventory.show, ticket, now)
            admitted = ticket.check_in(now)
            uow.tickets.save(admitted)
            uow.audit.add(ticket_event(AuditAction.CHECKED_IN, admitted, actor, client, now))
            show = inventory.show
            publish(self.ports.presenter, uow, WebhookEvent.CHECKIN_ADMITTED, show, admitted, now)
            uow.commit()
        return admitted

    def _require_admissible(self, show: Show, ticket: Ticket, now: datetime) -> None:
        if ticket.status is TicketStatus.CANCELLED or show.is_cancelled:
            raise CheckInRefused("cancelled", "the ticket's booking or show is cancelled")
        if ticket.status is TicketStatus.CHECKED_IN:
            raise CheckInRefused(
                "already_checked_in", "the ticket is already checked in", ticket.checked_in_at
            )
        doors = show.timing - timedelta(minutes=self.ports.limits.doors_open_minutes)
        if now < doors:
            raise CheckInRefused("too_early", f"doors open at {doors.isoformat()}")
        if now >= show.ends_at:
            raise CheckInRefused("show_ended", "the show is over")


@attrs.frozen
class UndoCheckIn:
    """A mistaken check-in is undone by the show's owner: the ticket is valid again."""

    ports: Ports

    def __call__(self, actor: Actor, code: str, *, client: str | None = None) -> Ticket:
        code = require_code(code)
        client = rules.require_client(client)
        with acting(self.ports, actor, Role.OWNER, "undo check-ins") as uow:
            found = uow.tickets.get(code)
            if found is None:
                raise _unknown(code)
            _owners_show(uow, actor, found.show_id, code)
            uow.inventories.lock(found.show_id)
            # Read again under the lock: a check-in racing this one has finished.
            ticket = uow.tickets.get(code)
            if ticket is None or ticket.status is not TicketStatus.CHECKED_IN:
                raise CheckInRefused("not_checked_in", "the ticket is not checked in")
            now = self.ports.clock.now()
            undone = ticket.undo_check_in()
            uow.tickets.save(undone)
            uow.audit.add(ticket_event(AuditAction.CHECK_IN_UNDONE, undone, actor, client, now))
            uow.commit()
        return undone
