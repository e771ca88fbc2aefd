"""Booking seats, cancelling, and a user's own bookings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import attrs

from boxoffice.domain import rules
from boxoffice.domain.acting import Ports, Retry, Step, acting, change_booking
from boxoffice.domain.errors import BookingCheckedIn, CancellationClosed, NotFound
from boxoffice.domain.inventory import SeatRequest
from boxoffice.domain.model import Actor, AuditAction, Booking, Role, TicketStatus
from boxoffice.domain.paging import Page, fetch_page
from boxoffice.domain.ports import UnitOfWork
from boxoffice.domain.pricing import Pricing, per_seat, require_ticket_types
from boxoffice.domain.venues import owned_show


@attrs.frozen
class BookSeats:
    ports: Ports

    def __call__(
        self,
        actor: Actor,
        *,
        show_id: int,
        num_seats: int | None = None,
        seats: Sequence[str] | None = None,
        ticket_types: Sequence[str] | None = None,
        idempotency_key: str | None = None,
        client: str | None = None,
    ) -> Booking:
        show_id = rules.require_id("show_id", show_id)
        most = self.ports.limits.max_seats_per_booking
        request = SeatRequest.of(num_seats=num_seats, seats=seats, most=most)
        kinds = require_ticket_types(ticket_types, request.count)
        retry = Retry(
            rules.require_idempotency_key(idempotency_key),
            f"book show {show_id} {request.fingerprint()} {kinds}",
        )

        def book(step: Step) -> Booking:
            booking = step.inventory.book(step.new_id, actor.id, request, step.now)
            chosen = per_seat(kinds, request.labels, booking.seats)
            priced = pricing(step).tickets(booking, chosen, self.ports.new_key)
            step.uow.bookings.add(priced)
            return priced

        return change_booking(
            self.ports,
            actor,
            "book seats",
            locate=lambda uow: show_id,
            new_id=lambda uow: uow.bookings.next_id(),
            change=book,
            retry=retry,
            audited=AuditAction.BOOKED,
            client=rules.require_client(client),
        )


def pricing(step: Step) -> Pricing:
    """How the locked show prices tickets: its price list and its cinema's ticket types."""
    show = step.inventory.show
    types = [] if show.cinema_id is None else step.uow.ticket_types.of_cinema(show.cinema_id)
    return Pricing(show, tuple(types))


def own_booking(uow: UnitOfWork, actor: Actor, booking_id: int) -> Booking:
    booking = uow.bookings.get(booking_id)
    # Someone else's booking is reported as missing: its existence is not ours to reveal.
    if booking is None or booking.user_id != actor.id:
        raise NotFound("booking", booking_id)
    return booking


@attrs.frozen
class CancelBooking:
    ports: Ports

    def __call__(
        self,
        actor: Actor,
        booking_id: int,
        *,
        idempotency_key: str | None = None,
        client: str | None = None,
    ) -> Booking:
        booking_id = rules.require_id("booking_id", booking_id)
        retry = Retry(
            rules.require_idempotency_key(idempotency_key), f"cancel booking {booking_id}"
        )

        def cancel(step: Step) -> Booking:
            # Re-read under the show's lock, which every status change holds: a racing cancel
            # has either finished (we see it cancelled) or waits for us.
            booking = own_booking(step.uow, actor, booking_id)
            if any(ticket.status is TicketStatus.CHECKED_IN for ticket in booking.tickets):
                # Its holder is in the hall: the seat was used, and is not given back.
                raise BookingCheckedIn()
            show = step.inventory.show
            cinema = None if show.cinema_id is None else step.uow.cinemas.get(show.cinema_id)
            fee = 0
            if cinema is not None and booking.is_active:
                cut_off = timedelta(minutes=cinema.cancel_until_minutes)
                if step.now > show.timing - cut_off:
                    step.inventory.require_not_started(step.now)
                    raise CancellationClosed(cinema.cancel_until_minutes)
                fee = cinema.cancel_fee
            cancelled = step.inventory.cancel_booking(booking, step.now, fee=fee)
            step.uow.bookings.save(cancelled)
            return cancelled

        return change_booking(
            self.ports,
            actor,
            "cancel bookings",
            locate=lambda uow: own_booking(uow, actor, booking_id).show_id,
            change=cancel,
            retry=retry,
            audited=AuditAction.BOOKING_CANCELLED,
            client=rules.require_client(client),
        )


@attrs.frozen
class GetBooking:
    ports: Ports

    def __call__(self, actor: Actor, booking_id: int) -> Booking:
        booking_id = rules.require_id("booking_id", booking_id)
        with acting(self.ports, actor, Role.USER, "read bookings", read_only=True) as uow:
            return own_booking(uow, actor, booking_id)


@attrs.frozen
class ListShowBookings:
    """An owner's view of who booked one of their shows."""

    ports: Ports

    def __call__(
        self, actor: Actor, show_id: int, *, after: int | None = None, limit: int | None = None
    ) -> Page[Booking]:
        show_id = rules.require_id("show_id", show_id)
        cursor, size = rules.require_page(self.ports.limits, after, limit)
        with acting(self.ports, actor, Role.OWNER, "list a show's bookings", read_only=True) as uow:
            owned_show(uow, actor, show_id)
            return fetch_page(
                lambda n: uow.bookings.list_for_show(show_id, after=cursor, limit=n), size
            )


@attrs.frozen
class ListBookings:
    ports: Ports

    def __call__(
        self, actor: Actor, *, after: int | None = None, limit: int | None = None
    ) -> Page[Booking]:
        cursor, size = rules.require_page(self.ports.limits, after, limit)
        with acting(self.ports, actor, Role.USER, "list bookings", read_only=True) as uow:
            return fetch_page(
                lambda n: uow.bookings.list_for_user(actor.id, after=cursor, limit=n), size
            )
