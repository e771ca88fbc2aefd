"""Shows: owners schedule, move, resize and cancel them, anyone reads them."""

from __future__ import annotations

from collections.abc import Sequence

from boxoffice.domain.schedule import ISO_WEEKDAYS
from boxoffice.domain.service import Boxoffice
from boxoffice.entrypoints.http import encoding, shapes
from boxoffice.entrypoints.http.endpoints import Call, Listing


class Shows:
    def __init__(self, boxoffice: Boxoffice) -> None:
        self._boxoffice = boxoffice

    def list(self, call: Call[None, shapes.ShowsQuery]) -> Listing:
        query = call.query
        page = self._boxoffice.list_shows(
            query.movie_id,
            cinema_id=query.cinema_id,
            screen_id=query.screen_id,
            starts_from=query.instant("from"),
            starts_before=query.instant("to"),
            day=query.day,
            status=query.show_status,
            after=query.after,
            after_timing=query.instant("after_timing"),
            limit=query.limit,
        )
        return Listing.of(page, shapes.Show.of)

    def add(self, call: Call[shapes.ShowRequest, None]) -> shapes.Show:
        body = call.body
        show = self._boxoffice.add_show(
            call.actor,
            movie_id=body.movie_id,
            timing=body.aware_timing(),
            available_seats=body.available_seats,
            seat_map=None if body.seat_map is None else body.seat_map.plan(),
            screen_id=body.screen_id,
            prices=shapes.price_list(body.prices),
        )
        return shapes.Show.of(show)

    def schedule_series(self, call: Call[shapes.SeriesRequest, None]) -> Sequence[shapes.Show]:
        body = call.body
        shows = self._boxoffice.schedule_series(
            call.actor,
            movie_id=body.movie_id,
            screen_id=body.screen_id,
            first_day=shapes.iso_day("first_day", body.first_day),
            last_day=shapes.iso_day("last_day", body.last_day),
            times=shapes.local_times("times", body.times),
            weekdays=ISO_WEEKDAYS if body.weekdays is None else body.weekdays,
            prices=shapes.price_list(body.prices),
        )
        return [shapes.Show.of(show) for show in shows]

    def get(self, call: Call[None, None]) -> shapes.Show:
        return shapes.Show.of(self._boxoffice.get_show(call.ids["show_id"]))

    def update(self, call: Call[shapes.ShowPatch, None]) -> shapes.Show:
        body = call.body
        show = self._boxoffice.update_show(
            call.actor,
            call.ids["show_id"],
            timing=body.aware_timing(),
            capacity=body.capacity,
            prices=shapes.price_list(body.prices),
        )
        return shapes.Show.of(show)

    def cancel(self, call: Call[None, None]) -> shapes.Show:
        """The show, cancelled with every booking of it; the same again when it already was."""
        show = self._boxoffice.cancel_show(call.actor, call.ids["show_id"], client=call.client)
        return shapes.Show.of(show)

    def seats(self, call: Call[None, None]) -> bytes:
        """Every seat of a seated show, its state (free, held, booked or blocked) and zone."""
        return encoding.show_seats(self._boxoffice.get_seats(call.ids["show_id"]))

    def bookings(self, call: Call[None, shapes.PageQuery]) -> Listing:
        """An owner's view of the bookings of one of their shows."""
        page = self._boxoffice.list_show_bookings(
            call.actor, call.ids["show_id"], after=call.query.after, limit=call.query.limit
        )
        return Listing.of(page, shapes.Booking.of)
