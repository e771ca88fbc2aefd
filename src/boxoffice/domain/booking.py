"""Booking seats, cancelling, and a user's own bookings."""

from __future__ import annotations

from typing import Any

import attrs

from boxoffice.domain import audit, idempotency, inventory, rules
from boxoffice.domain.access import require_role
from boxoffice.domain.errors import NotFound, ShowStarted
from boxoffice.domain.inventory import SeatRequest
from boxoffice.domain.model import UNSAVED, Actor, AuditAction, Booking, BookingStatus, Role
from boxoffice.domain.paging import Page, fetch_page
from boxoffice.domain.ports import Clock, UnitOfWorkFactory
from boxoffice.domain.seating import SeatState


@attrs.frozen
class BookSeats:
    uow: UnitOfWorkFactory
    clock: Clock
    limits: rules.Limits

    def __call__(
        self,
        actor: Actor,
        *,
        show_id: Any,
        num_seats: Any = None,
        seats: Any = None,
        idempotency_key: Any = None,
        client: Any = None,
    ) -> Booking:
        require_role(actor, Role.USER, "book seats")
        client = rules.require_client(client)
        show_id = rules.require_id("show_id", show_id)
        request = SeatRequest.parse(self.limits, seats=seats, num_seats=num_seats)
        key = rules.require_idempotency_key(idempotency_key)
        fingerprint = f"book show {show_id} {request.fingerprint()}"
        with self.uow() as uow:
            now = self.clock.now()
            seats_of_show = inventory.lock(uow, show_id, now)
            earlier = idempotency.replay(uow, actor.id, key, fingerprint, now)
            if earlier is not None:
                return earlier
            if seats_of_show.show.has_started(now):
                raise ShowStarted()
            taken = seats_of_show.take(request, SeatState.BOOKED)
            seats_of_show.save(uow)
            booking = uow.bookings.add(
                Booking(
                    id=UNSAVED,
                    user_id=actor.id,
                    show_id=show_id,
                    num_seats=request.count,
                    status=BookingStatus.ACTIVE,
                    created_at=now,
                    seats=taken,
                )
            )
            idempotency.remember(uow, actor.id, key, fingerprint, booking, now)
            # A replay returned above: one booking, one event.
            uow.audit.add(audit.booking_event(AuditAction.BOOKED, booking, client, now))
            uow.commit()
        return booking


@attrs.frozen
class CancelBooking:
    uow: UnitOfWorkFactory
    clock: Clock

    def __call__(
        self, actor: Actor, booking_id: Any, *, idempotency_key: Any = None, client: Any = None
    ) -> Booking:
        require_role(actor, Role.USER, "cancel bookings")
        client = rules.require_client(client)
        booking_id = rules.require_id("booking_id", booking_id)
        key = rules.require_idempotency_key(idempotency_key)
        fingerprint = f"cancel booking {booking_id}"
        with self.uow() as uow:
            found = uow.bookings.get(booking_id)
            # Someone else's booking is reported as missing: its existence is not ours to reveal.
            if found is None or found.user_id != actor.id:
                raise NotFound("booking", booking_id)
            now = self.clock.now()
            seats_of_show = inventory.lock(uow, found.show_id, now)
            # Re-read under the show's lock, which every status change holds: a racing cancel
            # has either finished (we see it cancelled) or waits for us.
            booking = uow.bookings.get(booking_id)
            if booking is None:
                raise NotFound("booking", booking_id)
            earlier = idempotency.replay(uow, actor.id, key, fingerprint, now)
            if earlier is not None:
                return earlier
            cancelled = booking.cancel(now)
            if seats_of_show.show.has_started(now):
                raise ShowStarted()
            uow.bookings.save(cancelled)
            seats_of_show.give_back(booking.num_seats, booking.seats)
            seats_of_show.save(uow)
            idempotency.remember(uow, actor.id, key, fingerprint, cancelled, now)
            uow.audit.add(
                audit.booking_event(AuditAction.BOOKING_CANCELLED, cancelled, client, now)
            )
            uow.commit()
        return cancelled


@attrs.frozen
class GetBooking:
    uow: UnitOfWorkFactory

    def __call__(self, actor: Actor, booking_id: Any) -> Booking:
        require_role(actor, Role.USER, "read bookings")
        booking_id = rules.require_id("booking_id", booking_id)
        with self.uow(read_only=True) as uow:
            booking = uow.bookings.get(booking_id)
        if booking is None or booking.user_id != actor.id:
            raise NotFound("booking", booking_id)
        return booking


@attrs.frozen
class ListShowBookings:
    """An owner's view of who booked one of their shows."""

    uow: UnitOfWorkFactory
    limits: rules.Limits

    def __call__(
        self, actor: Actor, show_id: Any, *, after: Any = None, limit: Any = None
    ) -> Page[Booking]:
        require_role(actor, Role.OWNER, "list a show's bookings")
        show_id = rules.require_id("show_id", show_id)
        cursor, size = rules.require_page(self.limits, after, limit)
        with self.uow(read_only=True) as uow:
            show = uow.shows.get(show_id)
            # Another owner's show is reported as missing, like another user's booking.
            if show is None or show.owner_id != actor.id:
                raise NotFound("show", show_id)
            return fetch_page(
                lambda n: uow.bookings.list_for_show(show_id, after=cursor, limit=n), size
            )


@attrs.frozen
class ListBookings:
    uow: UnitOfWorkFactory
    limits: rules.Limits

    def __call__(self, actor: Actor, *, after: Any = None, limit: Any = None) -> Page[Booking]:
        require_role(actor, Role.USER, "list bookings")
        cursor, size = rules.require_page(self.limits, after, limit)
        with self.uow(read_only=True) as uow:
            return fetch_page(
                lambda n: uow.bookings.list_for_user(actor.id, after=cursor, limit=n), size
            )
