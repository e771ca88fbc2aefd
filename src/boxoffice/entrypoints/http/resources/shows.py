"""Shows: owners schedule them, anyone reads them."""

from __future__ import annotations

import falcon

from boxoffice.domain.service import Boxoffice
from boxoffice.entrypoints.http import representations
from boxoffice.entrypoints.http.auth import caller
from boxoffice.entrypoints.http.body import json_object, optional, required
from boxoffice.entrypoints.http.paging import page_params, write_page
from boxoffice.entrypoints.http.params import integer, query_integer, timing


class ShowsResource:
    def __init__(self, boxoffice: Boxoffice) -> None:
        self._boxoffice = boxoffice

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        movie_id = query_integer(req, "movie_id")
        page = self._boxoffice.list_shows(
            movie_id, **page_params(req, filters=frozenset({"movie_id"}))
        )
        write_page(req, resp, page, representations.show_json, filters={"movie_id": movie_id})

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        actor = caller(self._boxoffice, req)
        body = json_object(req)
        show = self._boxoffice.add_show(
            actor,
            movie_id=required(body, "movie_id"),
            timing=timing(required(body, "timing")),
            available_seats=optional(body, "available_seats"),
            seat_map=optional(body, "seat_map"),
        )
        resp.status = falcon.HTTP_201
        resp.location = f"/shows/{show.id}"
        resp.media = representations.show(show)


class ShowResource:
    def __init__(self, boxoffice: Boxoffice) -> None:
        self._boxoffice = boxoffice

    def on_get(self, req: falcon.Request, resp: falcon.Response, show_id: str) -> None:
        show = self._boxoffice.get_show(integer("show_id", show_id))
        resp.media = representations.show(show)


class ShowSeatsResource:
    """Every seat of a seated show and its state: free, held, booked or blocked."""

    def __init__(self, boxoffice: Boxoffice) -> None:
        self._boxoffice = boxoffice

    def on_get(self, req: falcon.Request, resp: falcon.Response, show_id: str) -> None:
        view = self._boxoffice.get_seats(integer("show_id", show_id))
        resp.content_type = falcon.MEDIA_JSON
        resp.text = representations.show_seats_json(view)


class ShowBookingsResource:
    """An owner's view of the bookings of one of their shows."""

    def __init__(self, boxoffice: Boxoffice) -> None:
        self._boxoffice = boxoffice

    def on_get(self, req: falcon.Request, resp: falcon.Response, show_id: str) -> None:
        actor = caller(self._boxoffice, req)
        page = self._boxoffice.list_show_bookings(
            actor, integer("show_id", show_id), **page_params(req)
        )
        write_page(req, resp, page, representations.booking_json)
