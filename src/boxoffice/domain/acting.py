"""The steps use cases share, written once: the actor's check, the unit of work, the show's
locked inventory, idempotent replay and its record, the audit event and the commit.

A use case says what it changes; these functions say in which order everything else happens,
and they alone commit.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import TypeVar

import attrs

from boxoffice.domain import ticket_codes
from boxoffice.domain.audit import booking_event, waitlist_event
from boxoffice.domain.errors import (
    Forbidden,
    IdempotencyKeyReused,
    InvalidToken,
    NotAnActor,
    NotFound,
)
from boxoffice.domain.inventory import ShowInventory
from boxoffice.domain.model import (
    Actor,
    AuditAction,
    Booking,
    Hold,
    IdempotencyRecord,
    Role,
    WaitlistStatus,
    WebhookEvent,
)
from boxoffice.domain.outbox import PlainPresenter, publish
from boxoffice.domain.ports import (
    Clock,
    Events,
    Presenter,
    Resolver,
    UnitOfWork,
    UnitOfWorkFactory,
)
from boxoffice.domain.rules import Limits

R = TypeVar("R")

# How long an Idempotency-Key is remembered; after that it may be used afresh.
IDEMPOTENCY_WINDOW = timedelta(hours=24)


class Unobserved:
    """Events nobody counts: the library's default."""

    def booked(self, booking: Booking) -> None:
        pass

    def cancelled(self, booking: Booking) -> None:
        pass

    def held(self, hold: Hold) -> None:
        pass


@attrs.frozen
class Ports:
    """What every use case works with."""

    uow: UnitOfWorkFactory
    clock: Clock
    limits: Limits
    events: Events = attrs.field(factory=Unobserved)
    # A new booking's ticket key, which its tickets' codes are made of (ticket_codes.py).
    new_key: Callable[[], str] = attrs.field(default=ticket_codes.new_key)
    # Webhook bodies: the HTTP shapes where bootstrap wires them.
    presenter: Presenter = attrs.field(factory=PlainPresenter)
    # Host names of webhook URLs, checked when they are registered; None: at delivery only.
    resolver: Resolver | None = None
    # In [0, 1): spreads the retries of deliveries that failed together.
    jitter: Callable[[], float] = random.random


@attrs.frozen
class Step:
    """What a use case's change works with, under the show's lock."""

    uow: UnitOfWork
    inventory: ShowInventory
    now: datetime
    # The id taken for a new booking or hold before the lock (0 when none was asked for).
    new_id: int


@attrs.frozen
class Retry:
    """An Idempotency-Key and what the request asked for: the same key asking for something
    else is refused."""

    key: str | None
    fingerprint: str


def require_actor(actor: object) -> Actor:
    """A caller that passes a user id (or anything else) where an Actor belongs made a
    programming error, not a request the actor's role forbids."""
    if not isinstance(actor, Actor):
        raise NotAnActor(actor)
    return actor


def require_role(actor: Actor, role: Role, action: str) -> None:
    if actor.role is not role:
        raise Forbidden(f"only a {role} may {action}")


@contextlib.contextmanager
def acting(
    ports: Ports, actor: Actor, role: Role, action: str, *, read_only: bool = False
) -> Iterator[UnitOfWork]:
    """A unit of work in which the actor's account exists, with the role the action needs."""
    require_actor(actor)
    with ports.uow(read_only=read_only) as uow:
        # A token outlives a deleted account, or a changed role; it must not outlive its authority.
        if uow.users.role_of(actor.id) is not actor.role:
            raise InvalidToken("the token's user no longer exists")
        require_role(actor, role, action)
        yield uow


@contextlib.contextmanager
def locked(
    ports: Ports,
    actor: Actor,
    action: str,
    locate: Callable[[UnitOfWork], int],
    new_id: Callable[[UnitOfWork], int] | None,
) -> Iterator[Step]:
    """The actor's unit of work with the show `locate` names locked, its lapsed holds settled
    (the settlement is saved with whatever the change saves)."""
    with acting(ports, actor, Role.USER, action) as uow:
        show_id = locate(uow)
        # Before the show's lock, so the lock is held for no more than the change needs.
        taken = 0 if new_id is None else new_id(uow)
        now = ports.clock.now()
        inventory = uow.inventories.lock(show_id)
        if inventory is None:
            raise NotFound("show", show_id)
        settle(ports, uow, inventory, now)
        yield Step(uow, inventory, now, taken)


def settle(ports: Ports, uow: UnitOfWork, inventory: ShowInventory, now: datetime) -> None:
    """Lapsed holds expire, and the seats free pass on to the waiting list before any change
    may take them."""
    inventory.settle(now)
    _offer(ports, uow, inventory, now)


def save(
    ports: Ports,
    uow: UnitOfWork,
    inventory: ShowInventory,
    now: datetime,
    client: str | None = None,
) -> None:
    """Save a locked inventory after its change, the seats the change freed passed on to the
    waiting list first, with an audit event for each change of an entry."""
    _offer(ports, uow, inventory, now)
    changes = inventory.entry_changes()
    uow.inventories.save(inventory)
    for entry in changes:
        uow.audit.add(waitlist_event(entry, client, now))
        if entry.status is WaitlistStatus.OFFERED:
            publish(ports.presenter, uow, WebhookEvent.WAITLIST_OFFERED, inventory.show, entry, now)


def _offer(ports: Ports, uow: UnitOfWork, inventory: ShowInventory, now: datetime) -> None:
    # A show without a waiting list has nothing to pass on, and is not asked.
    if inventory.show.waitlisted:
        ttl = timedelta(seconds=ports.limits.waitlist_offer_seconds)
        inventory.offer(now, ttl, uow.holds.next_id)


def change_booking(
    ports: Ports,
    actor: Actor,
    action: str,
    *,
    locate: Callable[[UnitOfWork], int],
    change: Callable[[Step], Booking],
    retry: Retry,
    audited: AuditAction,
    client: str | None,
    new_id: Callable[[UnitOfWork], int] | None = None,
) -> Booking:
    """Book, confirm or cancel: `locate` names the show (after checking what the request
    names is the actor's), `new_id` takes the id of what the change makes, `change` decides
    under the show's lock. A retry with the same key gets the first request's booking; one
    booking change, one audit event."""
    with locked(ports, actor, action, locate, new_id) as step:
        uow, now = step.uow, step.now
        # Under the show's lock: a twin request has either committed (replayed here) or waits.
        earlier = _replayed(uow, actor, retry, now)
        if earlier is not None:
            # Committed before it is acknowledged again: commit() returns once durable.
            uow.commit()
            return earlier
        booking = change(step)
        cancelled = audited is AuditAction.BOOKING_CANCELLED
        event = WebhookEvent.BOOKING_CANCELLED if cancelled else WebhookEvent.BOOKING_CREATED
        # Before save(): the offers of the seats a cancellation frees follow it.
        publish(ports.presenter, uow, event, step.inventory.show, booking, now)
        save(ports, uow, step.inventory, now, client)
        if retry.key is not None:
            record = IdempotencyRecord(actor.id, retry.key, retry.fingerprint, booking.id, now)
            uow.idempotency_keys.put(record)
        uow.audit.add(booking_event(audited, booking, client, now))
        uow.commit()
    if audited is AuditAction.BOOKING_CANCELLED:
        ports.events.cancelled(booking)
    else:
        ports.events.booked(booking)
    return booking


def change_seats(
    ports: Ports,
    actor: Actor,
    action: str,
    *,
    locate: Callable[[UnitOfWork], int],
    change: Callable[[Step], R],
    new_id: Callable[[UnitOfWork], int] | None = None,
    client: str | None = None,
) -> R:
    """A change of a show's seats that is not replayed (holds, waiting lists); only the
    waiting list's changes are audited, with `client`."""
    with locked(ports, actor, action, locate, new_id) as step:
        result = change(step)
        save(ports, step.uow, step.inventory, step.now, client)
        step.uow.commit()
    return result


def _replayed(uow: UnitOfWork, actor: Actor, retry: Retry, now: datetime) -> Booking | None:
    if retry.key is None:
        return None
    record = uow.idempotency_keys.get(actor.id, retry.key)
    if record is None or record.created_at <= now - IDEMPOTENCY_WINDOW:
        return None
    if record.fingerprint != retry.fingerprint:
        raise IdempotencyKeyReused()
    return uow.bookings.get(record.booking_id)
