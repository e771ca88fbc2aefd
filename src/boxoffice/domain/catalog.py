"""Movies and shows: owners publish them, anyone reads them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import attrs

from boxoffice.domain import rules
from boxoffice.domain.acting import Ports, acting
from boxoffice.domain.errors import NotFound, ValidationError
from boxoffice.domain.inventory import settled_shows
from boxoffice.domain.model import UNSAVED, Actor, Movie, Role, Show
from boxoffice.domain.paging import Page, fetch_page
from boxoffice.domain.seating import SeatingChart, SeatMap, SeatState


@attrs.frozen
class AddMovie:
    ports: Ports

    def __call__(self, actor: Actor, *, title: str, genre: str, duration: int) -> Movie:
        movie = Movie(
            id=UNSAVED,
            title=rules.require_text("title", title, max_chars=rules.MAX_TITLE_CHARS),
            genre=rules.require_text("genre", genre, max_chars=rules.MAX_GENRE_CHARS),
            duration=rules.require_int(
                "duration", duration, low=1, high=rules.MAX_DURATION_MINUTES
            ),
        )
        with acting(self.ports, actor, Role.OWNER, "add movies") as uow:
            stored = uow.movies.add(movie)
            uow.commit()
        return stored


@attrs.frozen
class AddShow:
    ports: Ports

    def __call__(
        self,
        actor: Actor,
        *,
        movie_id: int,
        timing: datetime,
        available_seats: int | None = None,
        seat_map: SeatMap | None = None,
    ) -> Show:
        """A general-admission show of `available_seats`, or a seated one with `seat_map`, whose
        sellable seats are its capacity (available_seats, if given too, must agree).
        """
        movie_id = rules.require_id("movie_id", movie_id)
        timing = rules.require_aware_datetime("timing", timing)
        if timing <= self.ports.clock.now():
            raise ValidationError("timing", "must be in the future")
        seats = self._capacity(available_seats, seat_map)
        with acting(self.ports, actor, Role.OWNER, "add shows") as uow:
            if uow.movies.get(movie_id) is None:
                raise NotFound("movie", movie_id)
            # Made once acting() has checked that actor is an Actor.
            show = Show(UNSAVED, movie_id, actor.id, timing, seats, seats, seat_map)
            stored = uow.shows.add(show)
            uow.commit()
        return stored

    def _capacity(self, available_seats: int | None, seat_map: SeatMap | None) -> int:
        most = self.ports.limits.max_show_capacity
        if seat_map is None:
            if available_seats is None:
                raise ValidationError("available_seats", "is required")
            return rules.require_int("available_seats", available_seats, low=1, high=most)
        if not isinstance(seat_map, SeatMap):
            raise ValidationError("seat_map", "must be a SeatMap (SeatMap.build)")
        if seat_map.capacity > most:
            raise ValidationError("seat_map", f"must have at most {most} seats")
        if available_seats is not None and available_seats != seat_map.capacity:
            raise ValidationError(
                "available_seats",
                f"must equal the seat map's {seat_map.capacity} sellable seats, or be left out",
            )
        return seat_map.capacity


@attrs.frozen
class GetMovie:
    ports: Ports

    def __call__(self, movie_id: int) -> Movie:
        movie_id = rules.require_id("movie_id", movie_id)
        with self.ports.uow(read_only=True) as uow:
            movie = uow.movies.get(movie_id)
        if movie is None:
            raise NotFound("movie", movie_id)
        return movie


@attrs.frozen
class ListMovies:
    ports: Ports

    def __call__(self, *, after: int | None = None, limit: int | None = None) -> Page[Movie]:
        cursor, size = rules.require_page(self.ports.limits, after, limit)
        with self.ports.uow(read_only=True) as uow:
            return fetch_page(lambda n: uow.movies.list(after=cursor, limit=n), size)


@attrs.frozen
class GetShow:
    ports: Ports

    def __call__(self, show_id: int) -> Show:
        show_id = rules.require_id("show_id", show_id)
        with self.ports.uow(read_only=True) as uow:
            show = uow.shows.get(show_id)
            if show is None:
                raise NotFound("show", show_id)
            holds = uow.holds.active_on([show_id]) if show.held_seats else []
        return settled_shows([show], holds, self.ports.clock.now())[0]


@attrs.frozen
class ShowSeats:
    """A seated show and the state of each of its seats, at one moment."""

    show: Show
    chart: SeatingChart

    @property
    def seats(self) -> Mapping[str, SeatState]:
        """Every seat's state by its name ("C5"), front row first, left to right."""
        return dict(self.chart.states())

    @property
    def rows(self) -> list[tuple[str, list[tuple[str, SeatState]]]]:
        """Per row, front to back: its label and its seats' names and states."""
        states = self.chart.states()
        return [
            (row.label, states[start : start + row.seats])
            for start, row in self.chart.plan.row_spans()
        ]

    def free(self) -> list[str]:
        """The names of the seats that can be booked now."""
        return [label for label, state in self.chart.states() if state is SeatState.FREE]


@attrs.frozen
class GetShowSeats:
    ports: Ports

    def __call__(self, show_id: int) -> ShowSeats:
        show_id = rules.require_id("show_id", show_id)
        with self.ports.uow(read_only=True) as uow:
            inventory = uow.inventories.get(show_id)
        if inventory is None:
            raise NotFound("show", show_id)
        # Settled for this reader only: nothing is saved.
        inventory.settle(self.ports.clock.now())
        if inventory.chart is None:
            raise NotFound("seat map of show", show_id)
        return ShowSeats(inventory.show, inventory.chart)


@attrs.frozen
class ListShows:
    ports: Ports

    def __call__(
        self, movie_id: int | None = None, *, after: int | None = None, limit: int | None = None
    ) -> Page[Show]:
        movie = None if movie_id is None else rules.require_id("movie_id", movie_id)
        cursor, size = rules.require_page(self.ports.limits, after, limit)
        with self.ports.uow(read_only=True) as uow:
            page = fetch_page(lambda n: uow.shows.list(movie_id=movie, after=cursor, limit=n), size)
            holding = [show.id for show in page if show.held_seats]
            # Most pages hold no show with a hold, and are returned as read.
            if not holding:
                return page
            holds = uow.holds.active_on(holding)
        return attrs.evolve(
            page, items=tuple(settled_shows(page.items, holds, self.ports.clock.now()))
        )
