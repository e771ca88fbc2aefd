"""The audit trail: sign-ups, log-ins (and failed ones), bookings, cancellations of bookings
and of shows, and waiting lists (joined, offered, lapsed, left, booked).

Each event is added in the unit of work of the action it records, so both commit or neither
does. Events name ids, addresses and the email a log-in tried; never a password or a token.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from boxoffice.domain import rules
from boxoffice.domain.model import (
    UNSAVED,
    Actor,
    AuditAction,
    AuditEvent,
    Booking,
    Show,
    Ticket,
    User,
    WaitlistEntry,
    WaitlistStatus,
)
from boxoffice.domain.paging import Page, fetch_page
from boxoffice.domain.ports import UnitOfWorkFactory


def signed_up(user: User, client: str | None) -> AuditEvent:
    return AuditEvent(
        UNSAVED, user.created_at, AuditAction.SIGNED_UP, user.id, f"user:{user.id}", client
    )


def logged_in(user: User, client: str | None, at: datetime) -> AuditEvent:
    return AuditEvent(UNSAVED, at, AuditAction.LOGGED_IN, user.id, f"user:{user.id}", client)


def login_refused(
    action: AuditAction, email: str, user: User | None, client: str | None, at: datetime
) -> AuditEvent:
    """A failed or throttled log-in. The email tried is the target whether or not an account
    has it: that is what an attack on unknown accounts looks like.
    """
    actor_id = None if user is None else user.id
    return AuditEvent(UNSAVED, at, action, actor_id, f"email:{email}", client)


def booking_event(
    action: AuditAction,
    booking: Booking,
    client: str | None,
    at: datetime,
    *,
    actor_id: int | None = None,
) -> AuditEvent:
    """actor_id: who acted, when not the booking's user (an owner cancelling the show)."""
    return AuditEvent(
        UNSAVED,
        at,
        action,
        booking.user_id if actor_id is None else actor_id,
        f"booking:{booking.id}",
        client,
        show_id=booking.show_id,
        num_seats=booking.num_seats,
    )


def show_event(
    action: AuditAction, show: Show, actor: Actor, client: str | None, at: datetime
) -> AuditEvent:
    return AuditEvent(UNSAVED, at, action, actor.id, f"show:{show.id}", client, show_id=show.id)


def ticket_event(
    action: AuditAction, ticket: Ticket, actor: Actor, client: str | None, at: datetime
) -> AuditEvent:
    """A check-in, or one undone. The ticket is named by its booking and seat, never by its
    code: whoever reads the trail must not be able to walk in with it."""
    seat = "" if ticket.seat is None else f"/{ticket.seat}"
    return AuditEvent(
        UNSAVED,
        at,
        action,
        actor.id,
        f"booking:{ticket.booking_id}{seat}",
        client,
        show_id=ticket.show_id,
        num_seats=1,
    )


_WAITLIST_ACTIONS = {
    WaitlistStatus.WAITING: AuditAction.WAITLIST_JOINED,
    WaitlistStatus.OFFERED: AuditAction.WAITLIST_OFFERED,
    WaitlistStatus.EXPIRED: AuditAction.WAITLIST_LAPSED,
    WaitlistStatus.LEFT: AuditAction.WAITLIST_LEFT,
    WaitlistStatus.BOOKED: AuditAction.WAITLIST_BOOKED,
}
# An offer made or lapsed is nobody's act: the list moved on.
_BY_NOBODY = (WaitlistStatus.OFFERED, WaitlistStatus.EXPIRED)


def waitlist_event(entry: WaitlistEntry, client: str | None, at: datetime) -> AuditEvent:
    """An entry's change to its status: joined, offered, lapsed (or expired with its show),
    left (or its offer declined) or booked."""
    by_nobody = entry.status in _BY_NOBODY
    return AuditEvent(
        UNSAVED,
        at,
        _WAITLIST_ACTIONS[entry.status],
        None if by_nobody else entry.user_id,
        f"waitlist:{entry.id}",
        None if by_nobody else client,
        show_id=entry.show_id,
        num_seats=entry.num_seats,
    )


@attrs.frozen
class ListAuditEvents:
    """The trail for operators, oldest first. No actor: whoever holds the database reads it."""

    uow: UnitOfWorkFactory
    limits: rules.Limits

    def __call__(self, *, after: int | None = None, limit: int | None = None) -> Page[AuditEvent]:
        cursor, size = rules.require_page(self.limits, after, limit)
        with self.uow(read_only=True) as uow:
            return fetch_page(lambda n: uow.audit.list(after=cursor, limit=n), size)
