"""Movies and shows: owners publish them, anyone reads them."""

from __future__ import annotations

from typing import Any

import attrs

from boxoffice.domain import rules
from boxoffice.domain.access import require_role
from boxoffice.domain.errors import NotFound, ValidationError
from boxoffice.domain.model import UNSAVED, Actor, Movie, Role, Show
from boxoffice.domain.paging import Page, fetch_page
from boxoffice.domain.ports import Clock, UnitOfWorkFactory


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

    def __call__(self, actor: Actor, *, movie_id: Any, timing: Any, available_seats: Any) -> Show:
        require_role(actor, Role.OWNER, "add shows")
        movie_id = rules.require_id("movie_id", movie_id)
        timing = rules.require_aware_datetime("timing", timing)
        if timing <= self.clock.now():
            raise ValidationError("timing", "must be in the future")
        seats = rules.require_int(
            "available_seats", available_seats, low=1, high=self.limits.max_show_capacity
        )
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
                )
            )
            uow.commit()
        return stored


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

    def __call__(self, show_id: Any) -> Show:
        show_id = rules.require_id("show_id", show_id)
        with self.uow(read_only=True) as uow:
            show = uow.shows.get(show_id)
        if show is None:
            raise NotFound("show", show_id)
        return show


@attrs.frozen
class ListShows:
    uow: UnitOfWorkFactory
    limits: rules.Limits

    def __call__(self, movie_id: Any = None, *, after: Any = None, limit: Any = None) -> Page[Show]:
        movie = None if movie_id is None else rules.require_id("movie_id", movie_id)
        cursor, size = rules.require_page(self.limits, after, limit)
        with self.uow(read_only=True) as uow:
            return fetch_page(lambda n: uow.shows.list(movie_id=movie, after=cursor, limit=n), size)
