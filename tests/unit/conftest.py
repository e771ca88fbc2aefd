"""Actors and a show factory for unit tests over the in-memory core."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from boxoffice.domain.model import Actor, Movie, Show
from boxoffice.domain.service import Boxoffice
from tests.fakes import FakeClock

PASSWORD = "correct horse"

MakeActor = Callable[[str], Actor]
MakeShow = Callable[..., Show]


@pytest.fixture
def make_user(app: Boxoffice) -> MakeActor:
    def make(email: str, role: str = "user") -> Actor:
        app.sign_up(name=email.split("@")[0], email=email, password=PASSWORD, role=role)
        return app.authenticate(app.log_in(email=email, password=PASSWORD))

    return make


@pytest.fixture
def owner(make_user: Callable[..., Actor]) -> Actor:
    return make_user("owner@example.com", "owner")


@pytest.fixture
def user(make_user: MakeActor) -> Actor:
    return make_user("user@example.com")


@pytest.fixture
def movie(app: Boxoffice, owner: Actor) -> Movie:
    return app.add_movie(owner, title="Alien", genre="Sci-fi", duration=117)


@pytest.fixture
def make_show(app: Boxoffice, owner: Actor, movie: Movie, clock: FakeClock) -> MakeShow:
    def make(seats: int = 10, hours_ahead: float = 24) -> Show:
        return app.add_show(
            owner,
            movie_id=movie.id,
            timing=clock.now() + timedelta(hours=hours_ahead),
            available_seats=seats,
        )

    return make
