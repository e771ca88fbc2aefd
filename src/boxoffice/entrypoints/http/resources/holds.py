"""Holds: a user keeps seats while paying, then confirms them into a booking or releases them."""

from __future__ import annotations

import falcon

from boxoffice.domain.service import Boxoffice
from boxoffice.entrypoints.http import representations
from boxoffice.entrypoints.http.auth import caller
from boxoffice.entrypoints.http.body import json_object, optional, required
from boxoffice.entrypoints.http.params import integer
from boxoffice.entrypoints.http.resources.bookings import IDEMPOTENCY_KEY


class HoldsResource:
    def __init__(self, boxoffice: Boxoffice) -> None:
        self._boxoffice = boxoffice

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        actor = caller(self._boxoffice, req)
        body = json_object(req)
        hold = self._boxoffice.hold_seats(
            actor,
            show_id=required(body, "show_id"),
            num_seats=optional(body, "num_seats"),
            seats=optional(body, "seats"),
        )
        resp.status = falcon.HTTP_201
        resp.location = f"/holds/{hold.id}"
        resp.media = representations.hold(hold)


class HoldResource:
    def __init__(self, boxoffice: Boxoffice) -> None:
        self._boxoffice = boxoffice

    def on_get(self, req: falcon.Request, resp: falcon.Response, hold_id: str) -> None:
        actor = caller(self._boxoffice, req)
        hold = self._boxoffice.get_hold(actor, integer("hold_id", hold_id))
        resp.media = representations.hold(hold)

    def on_delete(self, req: falcon.Request, resp: falcon.Response, hold_id: str) -> None:
        actor = caller(self._boxoffice, req)
        hold = self._boxoffice.release_hold(actor, integer("hold_id", hold_id))
        resp.media = representations.hold(hold)


class HoldConfirmationResource:
    """POST /holds/{id}/confirm: the held seats become a booking."""

    def __init__(self, boxoffice: Boxoffice) -> None:
        self._boxoffice = boxoffice

    def on_post(self, req: falcon.Request, resp: falcon.Response, hold_id: str) -> None:
        actor = caller(self._boxoffice, req)
        booking = self._boxoffice.confirm_hold(
            actor,
            integer("hold_id", hold_id),
            idempotency_key=req.get_header(IDEMPOTENCY_KEY),
            client=req.remote_addr,
        )
        resp.status = falcon.HTTP_201
        resp.location = f"/bookings/{booking.id}"
        resp.media = representations.booking(booking)
