"""Shows: owners schedule them, anyone reads them."""

from __future__ import annotations

from boxoffice.domain.service import Boxoffice
from boxoffice.entrypoints.http import encoding, shapes
from boxoffice.entrypoints.http.endpoints import Call, Listing


class Shows:
    def __init__(self, boxoffice: Boxoffice) -> None:
        self._boxoffice = boxoffice

    def list(self, call: Call[None, shapes.ShowsQuery]) -> Listing:
        query = call.query
        page = self._boxoffice.list_shows(query.movie_id, after=query.after, limit=query.limit)
        return Listing.of(page, shapes.Show.of)

    def add(self, call: Call[shapes.ShowRequest, None]) -> shapes.Show:
        body = call.body
        show = self._boxoffice.add_show(
            call.actor,
            movie_id=body.movie_id,
            timing=body.aware_timing(),
            available_seats=body.available_seats,
            seat_map=None if body.seat_map is None else body.seat_map.plan(),
        )
        return shapes.Show.of(show)

    def get(self, call: Call[None, None]) -> shapes.Show:
        return shapes.Show.of(self._boxoffice.get_show(call.ids["show_id"]))

    def seats(self, call: Call[None, None]) -> bytes:
        """Every seat of a seated show and its state: free, held, booked or blocked."""
        return encoding.show_seats(self._boxoffice.get_seats(call.ids["show_id"]))

    def bookings(self, call: Call[None, shapes.PageQuery]) -> Listing:
        """An owner's view of the bookings of one of their shows."""
        page = self._boxoffice.list_show_bookings(
            call.actor, call.ids["show_id"], after=call.query.after, limit=call.query.limit
        )
        return Listing.of(page, shapes.Booking.of)
