"""Cinemas and their screens: owners add and edit their own, anyone reads them."""

from __future__ import annotations

from collections.abc import Sequence

from boxoffice.domain.service import Boxoffice
from boxoffice.domain.venues import DEFAULT_GAP_MINUTES
from boxoffice.entrypoints.http import shapes
from boxoffice.entrypoints.http.endpoints import Call, Listing


class Cinemas:
    def __init__(self, boxoffice: Boxoffice) -> None:
        self._boxoffice = boxoffice

    def list(self, call: Call[None, shapes.PageQuery]) -> Listing:
        page = self._boxoffice.list_cinemas(after=call.query.after, limit=call.query.limit)
        return Listing.of(page, shapes.Cinema.of)

    def add(self, call: Call[shapes.CinemaRequest, None]) -> shapes.Cinema:
        body = call.body
        gap = DEFAULT_GAP_MINUTES if body.gap_minutes is None else body.gap_minutes
        cinema = self._boxoffice.add_cinema(
            call.actor,
            name=body.name,
            time_zone=body.time_zone,
            currency=body.currency,
            gap_minutes=gap,
            cancel_until_minutes=body.cancel_until_minutes or 0,
            cancel_fee=body.cancel_fee or 0,
        )
        return shapes.Cinema.of(cinema)

    def update(self, call: Call[shapes.CinemaPatch, None]) -> shapes.Cinema:
        body = call.body
        cinema = self._boxoffice.update_cinema(
            call.actor,
            call.ids["cinema_id"],
            name=body.name,
            cancel_until_minutes=body.cancel_until_minutes,
            cancel_fee=body.cancel_fee,
        )
        return shapes.Cinema.of(cinema)

    def ticket_types(self, call: Call[None, None]) -> Sequence[shapes.TicketType]:
        return shapes.TicketType.listed(self._boxoffice.list_ticket_types(call.ids["cinema_id"]))

    def add_ticket_type(self, call: Call[shapes.TicketTypeRequest, None]) -> shapes.TicketType:
        cinema_id = call.ids["cinema_id"]
        added = self._boxoffice.add_ticket_type(
            call.actor, cinema_id, code=call.body.code, name=call.body.name
        )
        # Default when it is the cinema's first.
        (first, *_) = self._boxoffice.list_ticket_types(cinema_id)
        return shapes.TicketType(
            added.id, added.cinema_id, added.code, added.name, first.id == added.id
        )

    def get(self, call: Call[None, None]) -> shapes.Cinema:
        return shapes.Cinema.of(self._boxoffice.get_cinema(call.ids["cinema_id"]))


class Screens:
    def __init__(self, boxoffice: Boxoffice) -> None:
        self._boxoffice = boxoffice

    def list(self, call: Call[None, shapes.PageQuery]) -> Listing:
        page = self._boxoffice.list_screens(
            call.ids["cinema_id"], after=call.query.after, limit=call.query.limit
        )
        return Listing.of(page, shapes.Screen.of)

    def add(self, call: Call[shapes.ScreenRequest, None]) -> shapes.Screen:
        body = call.body
        screen = self._boxoffice.add_screen(
            call.actor,
            call.ids["cinema_id"],
            name=body.name,
            layout=body.plan(),
            capacity=body.capacity,
        )
        return shapes.Screen.of(screen)

    def get(self, call: Call[None, None]) -> shapes.Screen:
        return shapes.Screen.of(self._boxoffice.get_screen(call.ids["screen_id"]))

    def update(self, call: Call[shapes.ScreenPatch, None]) -> shapes.Screen:
        body = call.body
        screen = self._boxoffice.update_screen(
            call.actor,
            call.ids["screen_id"],
            name=body.name,
            layout=body.plan(),
            capacity=body.capacity,
        )
        return shapes.Screen.of(screen)
