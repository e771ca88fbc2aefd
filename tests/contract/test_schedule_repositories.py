"""The schedule's repositories: cinemas, screens, and the shows on a screen, of a movie or of a
query, read back the same way on every adapter."""

from __future__ import annotations

from datetime import timedelta

import attrs

from boxoffice.domain.model import Role, Show, ShowStatus
from boxoffice.domain.ports import UnitOfWork, UnitOfWorkFactory
from boxoffice.domain.queries import ShowCursor, ShowQuery
from boxoffice.domain.seating import SeatMap
from tests.contract import builders
from tests.fakes import START

T = START + timedelta(days=1)
# The builders' movie runs 153 minutes; with their 15-minute gap a show holds 168.
HELD = timedelta(minutes=153 + 15)
MINUTE = timedelta(minutes=1)


def _cancel(uow: UnitOfWork, show: Show) -> Show:
    inventory = uow.inventories.lock(show.id)
    assert inventory is not None
    inventory.cancel([], START)
    uow.inventories.save(inventory)
    return inventory.show


def test_cinemas_and_screens_round_trip_and_page(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        owner = uow.users.add(builders.user("owner@example.com", Role.OWNER))
        cinemas = [uow.cinemas.add(builders.cinema(owner.id, f"C{n}")) for n in range(3)]
        screens = [uow.screens.add(builders.screen(cinemas[0].id, f"S{n}")) for n in range(3)]
        elsewhere = uow.screens.add(builders.screen(cinemas[1].id))
        uow.commit()
    with uow_factory(read_only=True) as uow:
        assert uow.cinemas.get(cinemas[1].id) == cinemas[1]
        assert uow.cinemas.get(cinemas[-1].id + 1000) is None
        assert uow.cinemas.list(after=None, limit=2) == cinemas[:2]
        assert uow.cinemas.list(after=cinemas[1].id, limit=10) == cinemas[2:]
        assert uow.screens.get(screens[1].id) == screens[1]
        assert uow.screens.get(elsewhere.id + 1000) is None
        assert uow.screens.list(cinemas[0].id, after=None, limit=2) == screens[:2]
        assert uow.screens.list(cinemas[0].id, after=screens[1].id, limit=10) == screens[2:]
        assert uow.screens.list(cinemas[1].id, after=None, limit=10) == [elsewhere]
        assert uow.screens.list(cinemas[2].id, after=None, limit=10) == []
    zoned = SeatMap.build([("A", 3), ("B", 5)], blocked=["A2"], zones={"vip": ["B2-B4"]})
    with uow_factory() as uow:
        locked = uow.screens.lock(screens[0].id)
        assert locked == screens[0]
        uow.screens.save(
            attrs.evolve(locked, name="Renamed", layout=zoned, capacity=zoned.capacity)
        )
        uow.commit()
    with uow_factory(read_only=True) as uow:
        stored = uow.screens.get(screens[0].id)
        assert stored == attrs.evolve(
            screens[0], name="Renamed", layout=zoned, capacity=zoned.capacity
        )
        assert stored is not None
        assert stored.layout.zone("B3") == "vip"
        assert stored.capacity == 7


def test_shows_on_a_screen_are_those_whose_window_overlaps_by_timing(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        owner = uow.users.add(builders.user("owner@example.com", Role.OWNER))
        film = uow.movies.add(builders.movie())
        cinema = uow.cinemas.add(builders.cinema(owner.id))
        one, two = (uow.screens.add(builders.screen(cinema.id, name)) for name in ("1", "2"))
        # Added later one first: the order by timing is not the order by id.
        later = uow.shows.add(builders.show_on(one, film, owner.id, T + HELD))
        first = uow.shows.add(builders.show_on(one, film, owner.id, T))
        beside = uow.shows.add(builders.show_on(two, film, owner.id, T))
        dropped = _cancel(uow, uow.shows.add(builders.show_on(one, film, owner.id, T + 3 * HELD)))
        uow.commit()
    with uow_factory(read_only=True) as uow:
        assert uow.shows.get(first.id) == first
        assert first.occupied_until == later.timing
        assert uow.shows.on_screen(one.id, T - HELD, T + 5 * HELD) == [first, later]
        assert uow.shows.on_screen(one.id, T + HELD - MINUTE, T + HELD + MINUTE) == [first, later]
        # Half-open: a window that ends where another begins does not touch it.
        assert uow.shows.on_screen(one.id, T + HELD, T + HELD + MINUTE) == [later]
        assert uow.shows.on_screen(one.id, T - HELD, T) == []
        assert uow.shows.on_screen(one.id, T + 2 * HELD, T + 4 * HELD) == []
        assert uow.shows.on_screen(two.id, T, T + MINUTE) == [beside]
        assert uow.shows.get(dropped.id) == dropped
        assert dropped.status is ShowStatus.CANCELLED


def test_upcoming_shows_of_a_movie_are_the_scheduled_ones_not_yet_begun(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        owner = uow.users.add(builders.user("owner@example.com", Role.OWNER))
        film, other = uow.movies.add(builders.movie("A")), uow.movies.add(builders.movie("B"))
        cinema = uow.cinemas.add(builders.cinema(owner.id))
        screen, beside = (uow.screens.add(builders.screen(cinema.id, n)) for n in ("1", "2"))
        now_playing = uow.shows.add(builders.show_on(screen, film, owner.id, START))
        later = uow.shows.add(builders.show_on(screen, film, owner.id, T + HELD))
        soon = uow.shows.add(builders.show_on(beside, film, owner.id, START + MINUTE))
        unscreened = uow.shows.add(builders.show(film.id, owner.id, timing=T + 9 * HELD))
        uow.shows.add(builders.show_on(screen, other, owner.id, T + 3 * HELD))
        _cancel(uow, uow.shows.add(builders.show_on(screen, film, owner.id, T + 5 * HELD)))
        uow.commit()
    with uow_factory(read_only=True) as uow:
        assert uow.shows.upcoming_of_movie(film.id, START) == [later, soon, unscreened]
        assert uow.shows.upcoming_of_movie(film.id, START - MINUTE) == [
            now_playing,
            later,
            soon,
            unscreened,
        ]
        assert uow.shows.upcoming_of_movie(film.id, T + 10 * HELD) == []


def test_a_show_query_filters_and_pages_by_timing_then_id(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        owner = uow.users.add(builders.user("owner@example.com", Role.OWNER))
        film, other = uow.movies.add(builders.movie("A")), uow.movies.add(builders.movie("B"))
        babylon = uow.cinemas.add(builders.cinema(owner.id))
        odeon = uow.cinemas.add(builders.cinema(owner.id, "Odeon"))
        one, two = (uow.screens.add(builders.screen(babylon.id, n)) for n in ("1", "2"))
        three = uow.screens.add(builders.screen(odeon.id))
        shows = []
        for n in (2, 1, 0):
            timing = T + n * HELD
            shows += [
                uow.shows.add(builders.show_on(screen, movie, owner.id, timing))
                for screen, movie in ((two, film), (one, other), (three, film))
            ]
        dropped = _cancel(uow, uow.shows.add(builders.show_on(one, film, owner.id, T + 5 * HELD)))
        uow.commit()
    timed = sorted(shows, key=lambda s: (s.timing, s.id))
    everything = sorted([*shows, dropped], key=lambda s: (s.timing, s.id))
    with uow_factory(read_only=True) as uow:

        def listed(
            query: ShowQuery, after: ShowCursor | None = None, limit: int = 50
        ) -> list[Show]:
            return uow.shows.list(query, after=after, limit=limit)

        since = ShowQuery(starts_from=T)
        assert listed(since) == timed
        # Paging by (timing, id): a page may end between two shows of the same timing.
        for cut in range(len(timed)):
            last = timed[cut]
            assert listed(since, ShowCursor(last.id, last.timing), 2) == timed[cut + 1 : cut + 3]
        assert listed(ShowQuery(starts_from=T, status=None)) == everything
        assert listed(ShowQuery(starts_from=T, status=ShowStatus.CANCELLED)) == [dropped]
        assert listed(ShowQuery(starts_before=T + HELD)) == timed[:3]
        assert listed(ShowQuery(starts_from=T + HELD, starts_before=T + 2 * HELD)) == timed[3:6]
        assert listed(ShowQuery(cinema_id=babylon.id, starts_from=T)) == [
            s for s in timed if s.cinema_id == babylon.id
        ]
        assert listed(ShowQuery(screen_id=three.id, starts_from=T)) == [
            s for s in timed if s.screen_id == three.id
        ]
        assert listed(ShowQuery(movie_id=other.id, cinema_id=babylon.id, starts_from=T)) == [
            s for s in timed if s.movie_id == other.id
        ]
        # Without a time bound, by id.
        by_id = sorted(shows, key=lambda s: s.id)
        assert listed(ShowQuery()) == by_id
        assert listed(ShowQuery(cinema_id=odeon.id), ShowCursor(by_id[2].id)) == [
            s for s in by_id[3:] if s.cinema_id == odeon.id
        ]


def test_the_active_bookings_of_a_show_are_listed_by_id(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        owner, show = builders.stored_show(uow, seats=20)
        other = uow.shows.add(builders.show(show.movie_id, owner.id))
        ada = uow.users.add(builders.user())
        kept = [builders.add_booking(uow, ada.id, show.id, seats=n) for n in (1, 2, 3)]
        cancelled = builders.add_booking(uow, ada.id, show.id)
        uow.bookings.save(cancelled.cancel(START))
        builders.add_booking(uow, ada.id, other.id)
        uow.commit()
    with uow_factory(read_only=True) as uow:
        assert uow.bookings.active_for_show(show.id) == kept
        assert uow.bookings.active_for_show(show.id + other.id + 1000) == []
