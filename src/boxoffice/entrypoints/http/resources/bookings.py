"""Bookings: a user books, lists, reads and cancels only their own."""

from __future__ import annotations

import falcon

from boxoffice.domain.service import Boxoffice
from boxoffice.entrypoints.http import representations
from boxoffice.entrypoints.http.auth import caller
from boxoffice.entrypoints.http.body import json_object, optional, required
from boxoffice.entrypoints.http.paging import page_params, write_page
from boxoffice.entrypoints.http.params import integer

# A retry with the same key returns the first request's booking instead of booking again.
IDEMPOTENCY_KEY = "Idempotency-Key"


class BookingsResource:
    def __init__(self, boxoffice: Boxoffice) -> None:
        self._boxoffice = boxoffice

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        actor = caller(self._boxoffice, req)
        page = self._boxoffice.list_bookings(actor, **page_params(req))
        write_page(req, resp, page, representations.booking_json)

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        actor = caller(self._boxoffice, req)
        body = json_object(req)
        booking = self._boxoffice.book_seats(
            actor,
            show_id=required(body, "show_id"),
            num_seats=optional(body, "num_seats"),
            seats=optional(body, "seats"),
            idempotency_key=req.get_header(IDEMPOTENCY_KEY),
            client=req.remote_addr,
        )
        resp.status = falcon.HTTP_201
        resp.location = f"/bookings/{booking.id}"
        resp.media = representations.booking(booking)


class BookingResource:
    def __init__(self, boxoffice: Boxoffice) -> None:
        self._boxoffice = boxoffice

    def on_get(self, req: falcon.Request, resp: falcon.Response, booking_id: str) -> None:
        actor = caller(self._boxoffice, req)
        booking = self._boxoffice.get_booking(actor, integer("booking_id", booking_id))
        resp.media = representations.booking(booking)

    def on_delete(self, req: falcon.Request, resp: falcon.Response, booking_id: str) -> None:
        # Cancelling keeps the booking on record; the response shows it cancelled.
        actor = caller(self._boxoffice, req)
        booking = self._boxoffice.cancel_booking(
            actor,
            integer("booking_id", booking_id),
            idempotency_key=req.get_header(IDEMPOTENCY_KEY),
            client=req.remote_addr,
        )
        resp.media = representations.booking(booking)
