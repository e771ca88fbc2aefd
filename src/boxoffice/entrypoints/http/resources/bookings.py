"""Bookings: a user books, lists, reads and cancels only their own."""

from __future__ import annotations

from boxoffice.domain.service import Boxoffice
from boxoffice.entrypoints.http import shapes
from boxoffice.entrypoints.http.endpoints import Call, Listing


class Bookings:
    def __init__(self, boxoffice: Boxoffice) -> None:
        self._boxoffice = boxoffice

    def list(self, call: Call[None, shapes.PageQuery]) -> Listing:
        page = self._boxoffice.list_bookings(
            call.actor, after=call.query.after, limit=call.query.limit
        )
        return Listing.of(page, shapes.Booking.of)

    def book(self, call: Call[shapes.BookingRequest, None]) -> shapes.Booking:
        body = call.body
        booking = self._boxoffice.book_seats(
            call.actor,
            show_id=body.show_id,
            num_seats=body.num_seats,
            seats=body.seats,
            ticket_types=body.ticket_types,
            idempotency_key=call.idempotency_key,
            client=call.client,
        )
        return shapes.Booking.of(booking)

    def get(self, call: Call[None, None]) -> shapes.Booking:
        return shapes.Booking.of(self._boxoffice.get_booking(call.actor, call.ids["booking_id"]))

    def cancel(self, call: Call[None, None]) -> shapes.Booking:
        # Cancelling keeps the booking on record; the response shows it cancelled.
        booking = self._boxoffice.cancel_booking(
            call.actor,
            call.ids["booking_id"],
            idempotency_key=call.idempotency_key,
            client=call.client,
        )
        return shapes.Booking.of(booking)
