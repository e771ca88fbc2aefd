"""Holds: seats kept for a user while they pay, then confirmed into a booking or released."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import attrs

from boxoffice.domain import rules
from boxoffice.domain.acting import Ports, Retry, Step, acting, change_booking, change_seats
from boxoffice.domain.booking import pricing
from boxoffice.domain.errors import HoldNotActive, NotFound
from boxoffice.domain.inventory import SeatRequest, ShowInventory, hold_as_of
from boxoffice.domain.model import Actor, AuditAction, Booking, BookingStatus, Hold, Role
from boxoffice.domain.ports import UnitOfWork
from boxoffice.domain.pricing import per_seat, require_ticket_types


@attrs.frozen
class HoldSeats:
    ports: Ports

    def __call__(
        self,
        actor: Actor,
        *,
        show_id: int,
        num_seats: int | None = None,
        seats: Sequence[str] | None = None,
        ticket_types: Sequence[str] | None = None,
    ) -> Hold:
        show_id = rules.require_id("show_id", show_id)
        limits = self.ports.limits
        request = SeatRequest.of(
            num_seats=num_seats, seats=seats, most=limits.max_seats_per_booking
        )
        kinds = require_ticket_types(ticket_types, request.count)
        ttl = timedelta(seconds=limits.hold_ttl_seconds)

        def hold(step: Step) -> Hold:
            held = step.inventory.hold(step.new_id, actor.id, request, step.now, ttl)
            chosen = per_seat(kinds, request.labels, held.seats)
            # Priced now to refuse a type without a price at once; the price is fixed when
            # the hold is confirmed.
            pricing(step).tickets(_as_booking(held), chosen, lambda: "")
            return step.inventory.type_hold(held.id, chosen or ())

        made = change_seats(
            self.ports,
            actor,
            "hold seats",
            locate=lambda uow: show_id,
            new_id=lambda uow: uow.holds.next_id(),
            change=hold,
        )
        self.ports.events.held(made)
        return made


def _as_booking(hold: Hold) -> Booking:
    return Booking(
        hold.booking_id or 0,
        hold.user_id,
        hold.show_id,
        hold.num_seats,
        BookingStatus.ACTIVE,
        hold.created_at,
        seats=hold.seats,
    )


def own_hold(uow: UnitOfWork, actor: Actor, hold_id: int) -> Hold:
    hold = uow.holds.get(hold_id)
    # Someone else's hold is reported as missing, like someone else's booking.
    if hold is None or hold.user_id != actor.id:
        raise NotFound("hold", hold_id)
    return hold


def _require_known(uow: UnitOfWork, inventory: ShowInventory, hold_id: int) -> None:
    """A hold the locked inventory does not know was settled before the lock was taken."""
    if not inventory.knows_hold(hold_id):
        settled = uow.holds.get(hold_id)
        raise HoldNotActive("gone" if settled is None else settled.status.value)


@attrs.frozen
class ConfirmHold:
    """The held seats become a booking, by the same rules as booking them directly."""

    ports: Ports

    def __call__(
        self,
        actor: Actor,
        hold_id: int,
        *,
        idempotency_key: str | None = None,
        client: str | None = None,
    ) -> Booking:
        hold_id = rules.require_id("hold_id", hold_id)
        retry = Retry(rules.require_idempotency_key(idempotency_key), f"confirm hold {hold_id}")

        def confirm(step: Step) -> Booking:
            # A show that has begun refuses first, whatever became of the hold, as a booking.
            step.inventory.require_not_started(step.now)
            _require_known(step.uow, step.inventory, hold_id)
            booking = step.inventory.confirm(hold_id, step.new_id, step.now)
            kinds = step.uow.holds.get(hold_id)
            chosen = None if kinds is None or not kinds.ticket_types else kinds.ticket_types
            priced = pricing(step).tickets(booking, chosen, self.ports.new_key)
            # Before the hold that names it is saved.
            step.uow.bookings.add(priced)
            return priced

        return change_booking(
            self.ports,
            actor,
            "confirm holds",
            locate=lambda uow: own_hold(uow, actor, hold_id).show_id,
            new_id=lambda uow: uow.bookings.next_id(),
            change=confirm,
            retry=retry,
            # A confirmed hold is a booking like any other in the trail.
            audited=AuditAction.BOOKED,
            client=rules.require_client(client),
        )


@attrs.frozen
class ReleaseHold:
    ports: Ports

    def __call__(self, actor: Actor, hold_id: int) -> Hold:
        hold_id = rules.require_id("hold_id", hold_id)

        def release(step: Step) -> Hold:
            _require_known(step.uow, step.inventory, hold_id)
            return step.inventory.release(hold_id, step.now)

        return change_seats(
            self.ports,
            actor,
            "release holds",
            locate=lambda uow: own_hold(uow, actor, hold_id).show_id,
            change=release,
        )


@attrs.frozen
class GetHold:
    ports: Ports

    def __call__(self, actor: Actor, hold_id: int) -> Hold:
        hold_id = rules.require_id("hold_id", hold_id)
        with acting(self.ports, actor, Role.USER, "read holds", read_only=True) as uow:
            hold = own_hold(uow, actor, hold_id)
        return hold_as_of(hold, self.ports.clock.now())
