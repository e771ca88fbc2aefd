"""Holds: seats kept for a user while they pay, then confirmed into a booking or released.

No background job is needed: a hold whose time ran out is swept by the next change to its show,
and readers count its seats as free until then (see inventory).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import attrs

from boxoffice.domain import audit, idempotency, inventory, rules
from boxoffice.domain.access import require_role
from boxoffice.domain.errors import AlreadyHolding, NotFound, ShowStarted
from boxoffice.domain.inventory import SeatRequest
from boxoffice.domain.model import (
    UNSAVED,
    Actor,
    AuditAction,
    Booking,
    BookingStatus,
    Hold,
    HoldStatus,
    Role,
)
from boxoffice.domain.ports import Clock, UnitOfWork, UnitOfWorkFactory
from boxoffice.domain.seating import SeatState


@attrs.frozen
class HoldSeats:
    uow: UnitOfWorkFactory
    clock: Clock
    limits: rules.Limits

    def __call__(
        self, actor: Actor, *, show_id: Any, num_seats: Any = None, seats: Any = None
    ) -> Hold:
        require_role(actor, Role.USER, "hold seats")
        show_id = rules.require_id("show_id", show_id)
        request = SeatRequest.parse(self.limits, seats=seats, num_seats=num_seats)
        with self.uow() as uow:
            now = self.clock.now()
            seats_of_show = inventory.lock(uow, show_id, now)
            if seats_of_show.show.has_started(now):
                raise ShowStarted()
            # Lapsed holds were just swept, so an active one is live.
            current = uow.holds.active_for(actor.id, show_id)
            if current is not None:
                raise AlreadyHolding(current.id)
            taken = seats_of_show.take(request, SeatState.HELD)
            seats_of_show.save(uow)
            hold = uow.holds.add(
                Hold(
                    id=UNSAVED,
                    user_id=actor.id,
                    show_id=show_id,
                    num_seats=request.count,
                    status=HoldStatus.ACTIVE,
                    created_at=now,
                    expires_at=now + timedelta(seconds=self.limits.hold_ttl_seconds),
                    seats=taken,
                )
            )
            uow.commit()
        return hold


def _own_hold(uow: UnitOfWork, actor: Actor, hold_id: int) -> Hold:
    hold = uow.holds.get(hold_id)
    # Someone else's hold is reported as missing, like someone else's booking.
    if hold is None or hold.user_id != actor.id:
        raise NotFound("hold", hold_id)
    return hold


@attrs.frozen
class ConfirmHold:
    """The held seats become a booking, by the same rules as booking them directly."""

    uow: UnitOfWorkFactory
    clock: Clock

    def __call__(
        self, actor: Actor, hold_id: Any, *, idempotency_key: Any = None, client: Any = None
    ) -> Booking:
        require_role(actor, Role.USER, "confirm holds")
        client = rules.require_client(client)
        hold_id = rules.require_id("hold_id", hold_id)
        key = rules.require_idempotency_key(idempotency_key)
        fingerprint = f"confirm hold {hold_id}"
        with self.uow() as uow:
            show_id = _own_hold(uow, actor, hold_id).show_id
            now = self.clock.now()
            seats_of_show = inventory.lock(uow, show_id, now)
            earlier = idempotency.replay(uow, actor.id, key, fingerprint, now)
            if earlier is not None:
                return earlier
            if seats_of_show.show.has_started(now):
                raise ShowStarted()
            # Re-read under the lock: the sweep may just have expired it.
            hold = _own_hold(uow, actor, hold_id)
            confirmed = hold.settle(HoldStatus.CONFIRMED, now)
            booking = uow.bookings.add(
                Booking(
                    id=UNSAVED,
                    user_id=actor.id,
                    show_id=show_id,
                    num_seats=hold.num_seats,
                    status=BookingStatus.ACTIVE,
                    created_at=now,
                    seats=hold.seats,
                )
            )
            uow.holds.save(attrs.evolve(confirmed, booking_id=booking.id))
            seats_of_show.end_hold(hold, confirmed=True)
            seats_of_show.save(uow)
            idempotency.remember(uow, actor.id, key, fingerprint, booking, now)
            # A confirmed hold is a booking like any other in the trail.
            uow.audit.add(audit.booking_event(AuditAction.BOOKED, booking, client, now))
            uow.commit()
        return booking


@attrs.frozen
class ReleaseHold:
    uow: UnitOfWorkFactory
    clock: Clock

    def __call__(self, actor: Actor, hold_id: Any) -> Hold:
        require_role(actor, Role.USER, "release holds")
        hold_id = rules.require_id("hold_id", hold_id)
        with self.uow() as uow:
            show_id = _own_hold(uow, actor, hold_id).show_id
            now = self.clock.now()
            seats_of_show = inventory.lock(uow, show_id, now)
            hold = _own_hold(uow, actor, hold_id)
            released = hold.settle(HoldStatus.RELEASED, now)
            uow.holds.save(released)
            seats_of_show.end_hold(hold, confirmed=False)
            seats_of_show.save(uow)
            uow.commit()
        return released


@attrs.frozen
class GetHold:
    uow: UnitOfWorkFactory
    clock: Clock

    def __call__(self, actor: Actor, hold_id: Any) -> Hold:
        require_role(actor, Role.USER, "read holds")
        hold_id = rules.require_id("hold_id", hold_id)
        with self.uow(read_only=True) as uow:
            hold = _own_hold(uow, actor, hold_id)
        return inventory.hold_as_of(hold, self.clock.now())
