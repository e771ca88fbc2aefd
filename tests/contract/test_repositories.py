"""Repositories: what goes in comes back out, looked up and paged the same way on every adapter."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import attrs
import pytest

from boxoffice.domain.errors import EmailTaken
from boxoffice.domain.model import UNSAVED, BookingStatus, Hold, HoldStatus, Role
from boxoffice.domain.ports import UnitOfWorkFactory
from tests.contract import builders
from tests.fakes import START


def test_a_user_round_trips(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        owner = uow.users.add(builders.user("Owner@Example.com", Role.OWNER))
        uow.commit()
    with uow_factory(read_only=True) as uow:
        assert uow.users.get(owner.id) == owner
        assert uow.users.get(owner.id + 1000) is None


def test_users_are_found_by_email_whatever_its_case(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        ada = uow.users.add(builders.user("Ada.Lovelace@Example.com"))
        uow.commit()
    with uow_factory(read_only=True) as uow:
        assert uow.users.get_by_email("ada.lovelace@example.COM") == ada
        assert uow.users.get_by_email("ada@example.com") is None


def test_an_email_taken_in_another_case_is_refused(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        uow.users.add(builders.user("ada@example.com"))
        uow.commit()
    with pytest.raises(EmailTaken), uow_factory() as uow:
        uow.users.add(builders.user("ADA@example.com"))


def test_an_email_added_twice_in_one_unit_of_work_is_refused(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        uow.users.add(builders.user("ada@example.com"))
        with pytest.raises(EmailTaken):
            uow.users.add(builders.user("Ada@example.com"))
    with uow_factory(read_only=True) as uow:
        assert uow.users.get_by_email("ada@example.com") is None


def test_movies_page_in_id_order_after_a_cursor(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        films = [uow.movies.add(builders.movie(f"Film {n}")) for n in range(5)]
        uow.commit()
    with uow_factory(read_only=True) as uow:
        assert uow.movies.get(films[2].id) == films[2]
        assert uow.movies.list(after=None, limit=2) == films[:2]
        assert uow.movies.list(after=films[1].id, limit=2) == films[2:4]
        assert uow.movies.list(after=films[3].id, limit=10) == films[4:]
        assert uow.movies.list(after=films[4].id, limit=10) == []


TRICKY_TITLES = [
    'Say "cheese"',
    "back\\slash",
    "two\nlines\tand a tab",
    "Amélie, 千と千尋の神隠し 🎬",
    "[1, 2]",
    "null",
    "\u2028 line separator",
    " ",
]


def test_listed_text_and_order_survive_whatever_the_rows_hold(
    uow_factory: UnitOfWorkFactory,
) -> None:
    # SQLite returns a page as one JSON array (adapters/sqlalchemy/compiled.py): what would
    # need escaping, or looks like JSON, must come back as it went in, and in id order.
    with uow_factory() as uow:
        films = [uow.movies.add(builders.movie(title)) for title in TRICKY_TITLES * 30]
        uow.commit()
    with uow_factory(read_only=True) as uow:
        assert uow.movies.list(after=None, limit=len(films)) == films
        assert uow.movies.list(after=films[99].id, limit=100) == films[100:200]


def test_shows_page_by_movie_or_all_together(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        owner = uow.users.add(builders.user("owner@example.com", Role.OWNER))
        first, second = uow.movies.add(builders.movie("A")), uow.movies.add(builders.movie("B"))
        shows = [uow.shows.add(builders.show(film.id, owner.id)) for film in (first, second, first)]
        uow.commit()
    with uow_factory(read_only=True) as uow:
        assert uow.shows.list(movie_id=None, after=None, limit=10) == shows
        assert uow.shows.list(movie_id=first.id, after=None, limit=10) == [shows[0], shows[2]]
        assert uow.shows.list(movie_id=first.id, after=shows[0].id, limit=10) == [shows[2]]
        assert uow.shows.list(movie_id=second.id, after=None, limit=1) == [shows[1]]
        assert uow.shows.list(movie_id=first.id + second.id, after=None, limit=10) == []


def test_a_show_keeps_its_instant_and_time_zone_awareness(uow_factory: UnitOfWorkFactory) -> None:
    berlin_evening = datetime(2030, 6, 1, 20, 15, 30, 123456, tzinfo=timezone(timedelta(hours=2)))
    with uow_factory() as uow:
        owner = uow.users.add(builders.user("owner@example.com", Role.OWNER))
        film = uow.movies.add(builders.movie())
        show = uow.shows.add(builders.show(film.id, owner.id, timing=berlin_evening))
        uow.commit()
    with uow_factory(read_only=True) as uow:
        stored = uow.shows.get(show.id)
    assert stored is not None
    assert stored.timing == berlin_evening
    assert stored.timing.utcoffset() is not None


def test_a_show_listed_again_after_it_changed_is_listed_as_it_is_now(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        _, show = builders.stored_show(uow, seats=10)
        uow.commit()
    for _ in range(2):
        with uow_factory(read_only=True) as uow:
            assert uow.shows.list(movie_id=None, after=None, limit=10) == [show]
    changed = attrs.evolve(show.hold(3), timing=show.timing + timedelta(hours=1))
    with uow_factory() as uow:
        uow.shows.save(changed)
        uow.commit()
    with uow_factory(read_only=True) as uow:
        assert uow.shows.list(movie_id=None, after=None, limit=10) == [changed]
        assert uow.shows.list(movie_id=show.movie_id, after=None, limit=10) == [changed]


def test_a_show_saved_under_lock_keeps_its_new_seat_count(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        _, show = builders.stored_show(uow, seats=10)
        uow.commit()
    with uow_factory() as uow:
        locked = uow.shows.get_for_update(show.id)
        assert locked == show
        uow.shows.save(show.reserve(4))
        uow.commit()
    with uow_factory(read_only=True) as uow:
        assert uow.shows.get(show.id) == show.reserve(4)
        assert uow.shows.get_for_update(show.id + 1000) is None


def test_a_booking_round_trips_and_its_cancellation_is_saved(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        _, show = builders.stored_show(uow)
        ada = uow.users.add(builders.user())
        booking = uow.bookings.add(builders.booking(ada.id, show.id, seats=3))
        uow.commit()
    cancelled = booking.cancel(START + timedelta(minutes=5))
    with uow_factory() as uow:
        assert uow.bookings.get(booking.id) == booking
        uow.bookings.save(cancelled)
        uow.commit()
    with uow_factory(read_only=True) as uow:
        stored = uow.bookings.get(booking.id)
        assert stored == cancelled
        assert stored is not None
        assert stored.status is BookingStatus.CANCELLED
        assert uow.bookings.get(booking.id + 1000) is None


def test_a_users_bookings_page_in_id_order_without_anyone_elses(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        _, show = builders.stored_show(uow)
        ada = uow.users.add(builders.user("ada@example.com"))
        bob = uow.users.add(builders.user("bob@example.com"))
        mine = []
        for _ in range(3):
            mine.append(uow.bookings.add(builders.booking(ada.id, show.id, seats=1)))
            uow.bookings.add(builders.booking(bob.id, show.id, seats=1))
        uow.commit()
    with uow_factory(read_only=True) as uow:
        assert uow.bookings.list_for_user(ada.id, after=None, limit=10) == mine
        assert uow.bookings.list_for_user(ada.id, after=mine[0].id, limit=1) == [mine[1]]
        assert uow.bookings.list_for_user(ada.id, after=mine[2].id, limit=10) == []


@pytest.mark.parametrize("asked", [1, 2, 3, 5, 8])
def test_lapsed_seats_are_counted_for_the_shows_asked_only(
    uow_factory: UnitOfWorkFactory, asked: int
) -> None:
    now = START + timedelta(hours=1)
    with uow_factory() as uow:
        owner = uow.users.add(builders.user("owner@example.com", Role.OWNER))
        late = uow.users.add(builders.user("late@example.com"))
        paying = uow.users.add(builders.user("paying@example.com"))
        film = uow.movies.add(builders.movie())
        shows = [uow.shows.add(builders.show(film.id, owner.id, seats=20)) for _ in range(9)]
        for n, show in enumerate(shows):
            # Show n: n + 1 seats in a lapsed hold, and 7 in a live one that must not count.
            for user, seats, expires_at in (
                (late, n + 1, now - timedelta(seconds=1)),
                (paying, 7, now + timedelta(minutes=5)),
            ):
                uow.holds.add(
                    Hold(UNSAVED, user.id, show.id, seats, HoldStatus.ACTIVE, START, expires_at)
                )
        uow.commit()
    # Every other show, so the ids asked are not a range.
    wanted = [show.id for show in shows[::2]][:asked]
    with uow_factory(read_only=True) as uow:
        counts = uow.holds.lapsed_seat_counts(wanted, now)
    assert counts == {show.id: n + 1 for n, show in enumerate(shows) if show.id in wanted}
