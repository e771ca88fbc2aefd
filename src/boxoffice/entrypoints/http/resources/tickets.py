"""Tickets and the door: a user reads their tickets and shows one as a QR code; the show's
owner lets each in once, or undoes a mistaken check-in."""

from __future__ import annotations

import io

import segno

from boxoffice.domain.service import Boxoffice
from boxoffice.entrypoints.http import shapes
from boxoffice.entrypoints.http.endpoints import Call, Rendered

SVG = "image/svg+xml"


def qr_svg(code: str) -> bytes:
    """The code as a QR code in SVG. Level M survives a scuffed phone screen; the 4-module
    border is the quiet zone scanners need."""
    buffer = io.BytesIO()
    segno.make(code, error="m").save(buffer, kind="svg", scale=4, border=4, xmldecl=False)
    return buffer.getvalue()


class Tickets:
    def __init__(self, boxoffice: Boxoffice) -> None:
        self._boxoffice = boxoffice

    def get(self, call: Call[None, None]) -> shapes.Ticket:
        return shapes.Ticket.of(self._boxoffice.get_ticket(call.actor, call.texts["code"]))

    def qr(self, call: Call[None, None]) -> Rendered:
        # Read first: only the booking's user gets the picture, as only they get the ticket.
        ticket = self._boxoffice.get_ticket(call.actor, call.texts["code"])
        return Rendered(SVG, qr_svg(ticket.code))

    def check_in(self, call: Call[shapes.CheckInRequest, None]) -> shapes.Admission:
        body = call.body
        ticket = self._boxoffice.check_in(
            call.actor, code=body.code, show_id=body.show_id, client=call.client
        )
        return shapes.Admission("admitted", shapes.Ticket.of(ticket))

    def undo_check_in(self, call: Call[None, None]) -> shapes.Ticket:
        ticket = self._boxoffice.undo_check_in(call.actor, call.texts["code"], client=call.client)
        return shapes.Ticket.of(ticket)
