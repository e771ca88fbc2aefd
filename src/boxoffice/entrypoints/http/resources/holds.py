"""Holds: a user keeps seats while paying, then confirms them into a booking or releases them."""

from __future__ import annotations

from boxoffice.domain.service import Boxoffice
from boxoffice.entrypoints.http import shapes
from boxoffice.entrypoints.http.endpoints import Call


class Holds:
    def __init__(self, boxoffice: Boxoffice) -> None:
        self._boxoffice = boxoffice

    def hold(self, call: Call[shapes.HoldRequest, None]) -> shapes.Hold:
        body = call.body
        hold = self._boxoffice.hold_seats(
            call.actor,
            show_id=body.show_id,
            num_seats=body.num_seats,
            seats=body.seats,
            ticket_types=body.ticket_types,
        )
        return shapes.Hold.of(hold)

    def get(self, call: Call[None, None]) -> shapes.Hold:
        return shapes.Hold.of(self._boxoffice.get_hold(call.actor, call.ids["hold_id"]))

    def release(self, call: Call[None, None]) -> shapes.Hold:
        return shapes.Hold.of(self._boxoffice.release_hold(call.actor, call.ids["hold_id"]))

    def confirm(self, call: Call[None, None]) -> shapes.Booking:
        """The held seats become a booking."""
        booking = self._boxoffice.confirm_hold(
            call.actor,
            call.ids["hold_id"],
            idempotency_key=call.idempotency_key,
            client=call.client,
        )
        return shapes.Booking.of(booking)
