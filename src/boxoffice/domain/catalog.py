"""Movies and shows: owners publish them, anyone reads them."""

from __future__ import annotations

from typing import Any

import attrs

from boxoffice.domain import inventory, rules
from boxoffice.domain.access import require_role
from boxoffice.domain.errors import NotFound, ValidationError
from boxoffice.domain.model import UNSAVED, Actor, Movie, Role, Show
from boxoffice.domain.paging import Page, fetch_page
from boxoffice.domain.ports import Clock, UnitOfWorkFactory
from boxoffice.domain.seating import SeatingChart, SeatMap, parse_seat_map


@attrs.frozen
class AddMovie:
    uow: UnitOfWorkFactory

    def __call__(self, actor: Actor, *, title: Any, genre: Any, duration: Any) -> Movie:
        require_role(actor, Role.OWNER, "add movies")
        movie = Movie(
            id=UNSAVED,
            title=rules.require_text("title", title, max_chars=rules.MAX_TITLE_CHARS),
            genre=rules.require_text("genre", genre, max_chars=rules.MAX_GENRE_CHARS),
            duration=rules.require_int(
                "duration", duration, low=1, high=rules.MAX_DURATION_MINUTES
            ),
        )
        with self.uow() as uow:
            stored = uow.movies.add(movie)
            uow.commit()
        return stored


@attrs.frozen
class AddShow:
    uow: UnitOfWorkFactory
    clock: Clock
    limits: rules.Limits

    def __call__(
        self,
        actor: Actor,
        *,
        movie_id: Any,
        timing: Any,
        available_seats: Any = None,
        seat_map: Any = None,
    ) -> Show:
        """A general-admission show of `available_seats`, or a seated one with `seat_map`, whose
        sellable seats are its capacity (available_seats, if given too, must agree).
        """
        require_role(actor, Role.OWNER, "add shows")
        movie_id = rules.require_id("movie_id", movie_id)
        timing = rules.require_aware_datetime("timing", timing)
        if timing <= self.clock.now():
            raise ValidationError("timing", "must be in the future")
        plan, seats = self._seating(available_seats, seat_map)
        chart = None if plan is None else SeatingChart.empty(plan)
        with self.uow() as uow:
            if uow.movies.get(movie_id) is None:
                raise NotFound("movie", movie_id)
            stored = uow.shows.add(
                Show(
                    id=UNSAVED,
                    movie_id=movie_id,
                    owner_id=actor.id,
                    timing=timing,
                    capacity=seats,
                    available_seats=seats,
                    seat_map=plan,
                ),
                seat_codes=None if chart is None else chart.codes,
            )
            uow.commit()
        return stored

    def _seating(self, available_seats: Any, seat_map: Any) -> tuple[SeatMap | None, int]:
        most = self.limits.max_show_capacity
        if seat_map is None:
            if available_seats is None:
                raise ValidationError("available_seats", "is required")
            return None, rules.require_int("available_seats", available_seats, low=1, high=most)
        plan = parse_seat_map(seat_map, max_capacity=most)
        if available_seats is not None and available_seats != plan.capacity:
            raise ValidationError(
                "available_seats",
                f"must equal the seat map's {plan.capacity} sellable seats, or be left out",
            )
        return plan, plan.capacity


@attrs.frozen
class GetMovie:
    uow: UnitOfWorkFactory

    def __call__(self, movie_id: Any) -> Movie:
        movie_id = rules.require_id("movie_id", movie_id)
        with self.uow(read_only=True) as uow:
            movie = uow.movies.get(movie_id)
        if movie is None:
            raise NotFound("movie", movie_id)
        return movie


@attrs.frozen
class ListMovies:
    uow: UnitOfWorkFactory
    limits: rules.Limits

    def __call__(self, *, after: Any = None, limit: Any = None) -> Page[Movie]:
        cursor, size = rules.require_page(self.limits, after, limit)
        with self.uow(read_only=True) as uow:
            return fetch_page(lambda n: uow.movies.list(after=cursor, limit=n), size)


@attrs.frozen
class GetShow:
    uow: UnitOfWorkFactory
    clock: Clock

    def __call__(self, show_id: Any) -> Show:
        show_id = rules.require_id("show_id", show_id)
        with self.uow(read_only=True) as uow:
            show = uow.shows.get(show_id)
            if show is None:
                raise NotFound("show", show_id)
            return inventory.as_of(uow, show, self.clock.now())


@attrs.frozen
class ShowSeats:
    """A seated show and the state of each of its seats, at one moment."""

    show: Show
    chart: SeatingChart


@attrs.frozen
class GetShowSeats:
    uow: UnitOfWorkFactory
    clock: Clock

    def __call__(self, show_id: Any) -> ShowSeats:
        show_id = rules.require_id("show_id", show_id)
        with self.uow(read_only=True) as uow:
            found = uow.shows.get_with_seat_codes(show_id)
            if found is None:
                raise NotFound("show", show_id)
            show, chart = inventory.seats_as_of(uow, *found, self.clock.now())
            return ShowSeats(show, chart)


@attrs.frozen
class ListShows:
    uow: UnitOfWorkFactory
    clock: Clock
    limits: rules.Limits

    def __call__(self, movie_id: Any = None, *, after: Any = None, limit: Any = None) -> Page[Show]:
        movie = None if movie_id is None else rules.require_id("movie_id", movie_id)
        cursor, size = rules.require_page(self.limits, after, limit)
        with self.uow(read_only=True) as uow:
            page = fetch_page(lambda n: uow.shows.list(movie_id=movie, after=cursor, limit=n), size)
            settled = inventory.as_of_many(uow, page.items, self.clock.now())
        # Most pages hold no lapsed hold, and are read as they are.
        return page if settled is page.items else attrs.evolve(page, items=tuple(settled))
