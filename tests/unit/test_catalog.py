from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from boxoffice.domain.errors import Forbidden, NotAnActor, NotFound, ValidationError
from boxoffice.domain.model import Actor, Movie
from boxoffice.domain.service import Boxoffice
from tests.fakes import FakeClock
from tests.unit.conftest import MakeShow


def test_an_owner_adds_a_movie_anyone_reads_it(app: Boxoffice, owner: Actor) -> None:
    movie = app.add_movie(owner, title=" Alien ", genre="Sci-fi", duration=117)
    assert (movie.title, movie.genre, movie.duration) == ("Alien", "Sci-fi", 117)
    assert app.get_movie(movie.id) == movie
    assert list(app.list_movies()) == [movie]


def test_a_user_cannot_add_movies_or_shows(
    app: Boxoffice, user: Actor, movie: Movie, clock: FakeClock
) -> None:
    with pytest.raises(Forbidden):
        app.add_movie(user, title="Alien", genre="Sci-fi", duration=117)
    with pytest.raises(Forbidden):
        app.add_show(
            user, movie_id=movie.id, timing=clock.now() + timedelta(days=1), available_seats=5
        )
    assert len(app.list_movies()) == 1
    assert len(app.list_shows()) == 0


def test_something_other_than_an_actor_cannot_add_movies_or_shows(
    app: Boxoffice, owner: Actor, movie: Movie, clock: FakeClock
) -> None:
    for forged in (owner.id, "owner", (owner.id, "owner")):
        with pytest.raises(NotAnActor):
            app.add_movie(forged, title="Alien", genre="Sci-fi", duration=117)  # type: ignore[arg-type]
        with pytest.raises(NotAnActor):
            app.add_show(
                forged,  # type: ignore[arg-type]
                movie_id=movie.id,
                timing=clock.now() + timedelta(days=1),
                available_seats=5,
            )
    assert len(app.list_movies()) == 1
    assert len(app.list_shows()) == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", ""),
        ("title", "x" * 201),
        ("title", 5),
        ("genre", "  "),
        ("genre", None),
        ("duration", 0),
        ("duration", -5),
        ("duration", 24 * 60 + 1),
        ("duration", True),
        ("duration", "117"),
        ("duration", 117.0),
    ],
)
def test_movie_fields_are_validated(
    app: Boxoffice, owner: Actor, field: str, value: object
) -> None:
    fields: dict[str, object] = {"title": "Alien", "genre": "Sci-fi", "duration": 117}
    fields[field] = value
    with pytest.raises(ValidationError) as error:
        app.add_movie(owner, **fields)
    assert error.value.field == field
    assert len(app.list_movies()) == 0


def test_an_owner_adds_a_show_with_full_capacity(
    app: Boxoffice, owner: Actor, movie: Movie, clock: FakeClock
) -> None:
    timing = clock.now() + timedelta(days=2)
    show = app.add_show(owner, movie_id=movie.id, timing=timing, available_seats=120)
    assert (show.movie_id, show.owner_id, show.timing) == (movie.id, owner.id, timing)
    assert show.capacity == show.available_seats == 120
    assert app.get_show(show.id) == show


def test_a_show_needs_an_existing_movie(app: Boxoffice, owner: Actor, clock: FakeClock) -> None:
    with pytest.raises(NotFound):
        app.add_show(owner, movie_id=999, timing=clock.now() + timedelta(days=1), available_seats=5)
    assert len(app.list_shows()) == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("available_seats", 0),
        ("available_seats", -1),
        ("available_seats", 100_001),
        ("available_seats", True),
        ("available_seats", "10"),
        ("movie_id", 0),
        ("movie_id", "1"),
        ("movie_id", False),
        ("timing", "2030-01-02T20:00:00+00:00"),
        ("timing", datetime(2030, 1, 2, 20, 0)),  # naive: which timezone?
        ("timing", None),
    ],
)
def test_show_fields_are_validated(
    app: Boxoffice, owner: Actor, movie: Movie, clock: FakeClock, field: str, value: object
) -> None:
    fields: dict[str, object] = {
        "movie_id": movie.id,
        "timing": clock.now() + timedelta(days=1),
        "available_seats": 10,
    }
    fields[field] = value
    with pytest.raises(ValidationError) as error:
        app.add_show(owner, **fields)
    assert error.value.field == field


def test_a_show_cannot_be_added_in_the_past(
    app: Boxoffice, owner: Actor, movie: Movie, clock: FakeClock
) -> None:
    with pytest.raises(ValidationError) as error:
        app.add_show(owner, movie_id=movie.id, timing=clock.now(), available_seats=10)
    assert error.value.field == "timing"


def test_unknown_ids_are_not_found(app: Boxoffice) -> None:
    with pytest.raises(NotFound):
        app.get_movie(1)
    with pytest.raises(NotFound):
        app.get_show(1)


@pytest.mark.parametrize("bad_id", [0, -1, "1", None, True, 1.0])
def test_ids_must_be_positive_integers(app: Boxoffice, bad_id: object) -> None:
    with pytest.raises(ValidationError):
        app.get_movie(bad_id)
    with pytest.raises(ValidationError):
        app.get_show(bad_id)


def test_shows_filter_by_movie(app: Boxoffice, owner: Actor, make_show: MakeShow) -> None:
    first = make_show()
    other_movie = app.add_movie(owner, title="Heat", genre="Crime", duration=170)
    second = app.add_show(owner, movie_id=other_movie.id, timing=first.timing, available_seats=3)
    assert list(app.list_shows(movie_id=other_movie.id)) == [second]
    assert list(app.list_shows(first.movie_id)) == [first]
    assert list(app.list_shows()) == [first, second]
    assert list(app.list_shows(movie_id=12345)) == []


def test_listings_page_by_keyset(app: Boxoffice, owner: Actor) -> None:
    movies = [app.add_movie(owner, title=f"M{i}", genre="g", duration=90) for i in range(7)]
    first = app.list_movies(limit=3)
    assert list(first) == movies[:3]
    assert first.next_after == movies[2].id
    second = app.list_movies(after=first.next_after, limit=3)
    assert list(second) == movies[3:6]
    last = app.list_movies(after=second.next_after, limit=3)
    assert list(last) == movies[6:]
    assert last.next_after is None
    exact = app.list_movies(limit=7)
    assert len(exact) == 7
    assert exact.next_after is None


def test_the_default_page_is_100_and_the_maximum_is_enforced(app: Boxoffice, owner: Actor) -> None:
    for i in range(101):
        app.add_movie(owner, title=f"M{i}", genre="g", duration=90)
    page = app.list_movies()
    assert len(page) == 100
    assert page.next_after is not None
    with pytest.raises(ValidationError):
        app.list_movies(limit=app.limits.max_page_size + 1)


@pytest.mark.parametrize(("after", "limit"), [(-1, None), ("3", None), (None, 0), (None, True)])
def test_bad_page_arguments_are_refused(app: Boxoffice, after: object, limit: object) -> None:
    with pytest.raises(ValidationError):
        app.list_movies(after=after, limit=limit)
