"""Movies and shows: owners publish them, anyone reads them."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime

import attrs

from boxoffice.domain import rules
from boxoffice.domain.acting import Ports, acting
from boxoffice.domain.errors import NotFound, ValidationError
from boxoffice.domain.inventory import settled_shows
from boxoffice.domain.model import UNSAVED, Actor, Movie, Price, Role, Show, ShowStatus
from boxoffice.domain.paging import Page, fetch_page
from boxoffice.domain.ports import UnitOfWork
from boxoffice.domain.queries import ShowCursor, ShowQuery
from boxoffice.domain.schedule import local_day
from boxoffice.domain.scheduling import require_future, schedule_on_screen
from boxoffice.domain.seating import SeatingChart, SeatMap, SeatState


@attrs.frozen
class AddMovie:
    ports: Ports

    def __call__(self, actor: Actor, *, title: str, genre: str, duration: int) -> Movie:
        movie = Movie(
            id=UNSAVED,
            owner_id=None,
            title=rules.require_text("title", title, max_chars=rules.MAX_TITLE_CHARS),
            genre=rules.require_text("genre", genre, max_chars=rules.MAX_GENRE_CHARS),
            duration=rules.require_int(
                "duration", duration, low=1, high=rules.MAX_DURATION_MINUTES
            ),
        )
        with acting(self.ports, actor, Role.OWNER, "add movies") as uow:
            stored = uow.movies.add(attrs.evolve(movie, owner_id=actor.id))
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
        screen_id: int | None = None,
        prices: Sequence[Price] | None = None,
    ) -> Show:
        """A show on one of the actor's screens, with its layout and `prices`, in a window free
        on it; or a general-admission show of `available_seats`, or a seated one with
        `seat_map`, whose sellable seats are its capacity (available_seats, if given too, must
        agree), sold at no price.
        """
        movie_id = rules.require_id("movie_id", movie_id)
        timing = require_future("timing", timing, self.ports.clock.now())
        if screen_id is not None:
            if seat_map is not None:
                raise ValidationError("seat_map", "a show on a screen takes the screen's layout")
            if available_seats is not None:
                raise ValidationError(
                    "available_seats", "a show on a screen has the screen's seats"
                )
            return self._on_screen(
                actor, rules.require_id("screen_id", screen_id), movie_id, timing, prices
            )
        if prices is not None:
            raise ValidationError("prices", "only a show on a screen of a cinema has prices")
        seats = self._capacity(available_seats, seat_map)
        with acting(self.ports, actor, Role.OWNER, "add shows") as uow:
            movie = uow.movies.get(movie_id)
            if movie is None:
                raise NotFound("movie", movie_id)
            # Made once acting() has checked that actor is an Actor.
            ends_at = timing + movie.running_time
            show = Show(UNSAVED, movie_id, actor.id, timing, ends_at, seats, seats, seat_map)
            stored = uow.shows.add(show)
            uow.commit()
        return stored

    def _on_screen(
        self,
        actor: Actor,
        screen_id: int,
        movie_id: int,
        timing: datetime,
        prices: Sequence[Price] | None,
    ) -> Show:
        with acting(self.ports, actor, Role.OWNER, "add shows") as uow:
            movie = uow.movies.get(movie_id)
            if movie is None:
                raise NotFound("movie", movie_id)
            stored = schedule_on_screen(uow, actor, screen_id, movie, timing, prices)
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

    def zone(self, seat: str) -> str:
        """The zone of one of the show's seats ("standard" unless its screen names one)."""
        return self.chart.plan.zone(seat)

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
        self,
        movie_id: int | None = None,
        *,
        cinema_id: int | None = None,
        screen_id: int | None = None,
        starts_from: datetime | None = None,
        starts_before: datetime | None = None,
        day: date | None = None,
        status: ShowStatus | None = ShowStatus.SCHEDULED,
        after: int | None = None,
        after_timing: datetime | None = None,
        limit: int | None = None,
    ) -> Page[Show]:
        query = ShowQuery(
            movie_id=_optional_id("movie_id", movie_id),
            cinema_id=_optional_id("cinema_id", cinema_id),
            screen_id=_optional_id("screen_id", screen_id),
            starts_from=_optional_instant("starts_from", starts_from),
            starts_before=_optional_instant("starts_before", starts_before),
            status=_status(status),
        )
        cursor, size = rules.require_page(self.ports.limits, after, limit)
        with self.ports.uow(read_only=True) as uow:
            if day is not None:
                query = _on_day(uow, query, day)
            position = _cursor(query, cursor, after_timing)
            page = _page(lambda n: uow.shows.list(query, after=position, limit=n), size, query)
            holding = [show.id for show in page if show.held_seats]
            # Most pages hold no show with a hold, and are returned as read.
            if not holding:
                return page
            holds = uow.holds.active_on(holding)
        return attrs.evolve(
            page, items=tuple(settled_shows(page.items, holds, self.ports.clock.now()))
        )


def _optional_id(field: str, value: object) -> int | None:
    return None if value is None else rules.require_id(field, value)


def _optional_instant(field: str, value: object) -> datetime | None:
    return None if value is None else rules.require_aware_datetime(field, value)


def _status(value: object) -> ShowStatus | None:
    if value is None or isinstance(value, ShowStatus):
        return value
    if isinstance(value, str) and value in ShowStatus._value2member_map_:
        return ShowStatus(value)
    raise ValidationError("status", "must be 'scheduled', 'cancelled', or None for every show")


def _on_day(uow: UnitOfWork, query: ShowQuery, day: object) -> ShowQuery:
    """The query narrowed to one day in its cinema's time zone."""
    day = rules.require_day("date", day)
    if query.cinema_id is None:
        raise ValidationError("date", "needs cinema_id: a day is local to a cinema")
    if query.by_timing:
        raise ValidationError("date", "give a date, or from and to, not both")
    cinema = uow.cinemas.get(query.cinema_id)
    if cinema is None:
        raise NotFound("cinema", query.cinema_id)
    start, end = local_day(cinema, day)
    return attrs.evolve(query, starts_from=start, starts_before=end)


def _cursor(query: ShowQuery, after: int | None, after_timing: object) -> ShowCursor | None:
    if not query.by_timing:
        if after_timing is not None:
            raise ValidationError("after_timing", "pages only a listing by time")
        return None if after is None else ShowCursor(after)
    timing = _optional_instant("after_timing", after_timing)
    if (after is None) != (timing is None):
        raise ValidationError("after", "a listing by time pages with after and after_timing")
    return None if after is None else ShowCursor(after, timing)


def _page(fetch: Callable[[int], list[Show]], limit: int, query: ShowQuery) -> Page[Show]:
    page = fetch_page(fetch, limit)
    if query.by_timing and page.next_after is not None:
        return attrs.evolve(page, next_timing=page.items[-1].timing)
    return page
