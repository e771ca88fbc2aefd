"""The database guards what the domain guards, and every lookup and listing has an index.

The overlap guard's tests write raw rows: no repository places shows on screens.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from boxoffice.adapters.sqlalchemy import SqlAlchemyUnitOfWorkFactory
from boxoffice.adapters.sqlalchemy.compiled import CompiledStatement
from boxoffice.adapters.sqlalchemy.errors import ScheduleGuardViolated, translate
from boxoffice.adapters.sqlalchemy.tables import (
    bookings,
    checkins,
    cinemas,
    movies,
    screens,
    shows,
    ticket_codes,
    ticket_types,
    users,
)
from boxoffice.domain.inventory import SeatRequest
from boxoffice.domain.ports import UnitOfWork
from boxoffice.domain.queries import ShowCursor, ShowQuery
from tests.contract import builders
from tests.fakes import START

USER = {"name": "A", "email": "a@example.com", "password": "h", "role": "user", "created_at": START}
MOVIE = {"title": "M", "genre": "g", "duration": 90}
SHOW = {
    "movie_id": 1,
    "owner_id": 1,
    "timing": START,
    "ends_at": START + timedelta(minutes=90),
    "capacity": 5,
    "available_seats": 5,
}
CINEMA = {
    "owner_id": 1,
    "name": "C",
    "time_zone": "Europe/Paris",
    "gap_minutes": 15,
    "currency": "EUR",
}
TICKET_TYPE = {"cinema_id": 1, "code": "adult", "name": "Adult"}
SCREEN = {"cinema_id": 1, "name": "1", "layout": "{}", "capacity": 5}
BOOKING = {
    "user_id": 1,
    "show_id": 1,
    "num_seats": 1,
    "status": "active",
    "created_at": START,
    "cancelled_at": None,
}
CHECKIN = {"booking_id": 1, "place": 0, "checked_in_at": START}
CODE = {"code": "c0de", "booking_id": 1, "place": 0}
REFUSED = {
    "unknown role": (users, {**USER, "email": "b@example.com", "role": "admin"}),
    "email taken in another case": (users, {**USER, "email": "A@Example.COM"}),
    "zero duration": (movies, {**MOVIE, "duration": 0}),
    "zero capacity": (shows, {**SHOW, "capacity": 0, "available_seats": 0}),
    "negative seats left": (shows, {**SHOW, "available_seats": -1}),
    "more seats left than exist": (shows, {**SHOW, "available_seats": 6}),
    "show of a missing movie": (shows, {**SHOW, "movie_id": 99}),
    "show of a missing owner": (shows, {**SHOW, "owner_id": 99}),
    "unknown show status": (shows, {**SHOW, "status": "postponed"}),
    "show without an end": (shows, {**SHOW, "ends_at": None}),
    "occupying no screen": (shows, {**SHOW, "occupied_until": START}),
    "on a screen, occupying nothing": (shows, {**SHOW, "screen_id": 1, "cinema_id": 1}),
    "show on a missing screen": (
        shows,
        {**SHOW, "screen_id": 99, "cinema_id": 1, "occupied_until": START + timedelta(hours=2)},
    ),
    "show in a missing cinema": (shows, {**SHOW, "cinema_id": 99}),
    "movie of a missing owner": (movies, {**MOVIE, "owner_id": 99}),
    "negative cleaning gap": (cinemas, {**CINEMA, "gap_minutes": -1}),
    "cleaning gap over four hours": (cinemas, {**CINEMA, "gap_minutes": 241}),
    "cinema of a missing owner": (cinemas, {**CINEMA, "owner_id": 99}),
    "cinema without a currency": (cinemas, {**CINEMA, "currency": None}),
    "negative cancellation cut-off": (cinemas, {**CINEMA, "cancel_until_minutes": -1}),
    "negative cancellation fee": (cinemas, {**CINEMA, "cancel_fee": -1}),
    "ticket type code taken in the cinema": (ticket_types, {**TICKET_TYPE, "name": "Other"}),
    "ticket type of a missing cinema": (ticket_types, {**TICKET_TYPE, "cinema_id": 99}),
    "screen of no seats": (screens, {**SCREEN, "capacity": 0}),
    "screen of a missing cinema": (screens, {**SCREEN, "cinema_id": 99}),
    "booking of no seats": (bookings, {**BOOKING, "num_seats": 0}),
    "unknown status": (bookings, {**BOOKING, "status": "pending"}),
    "cancelled without a time": (bookings, {**BOOKING, "status": "cancelled"}),
    "active with a cancel time": (bookings, {**BOOKING, "cancelled_at": START}),
    "booking of a missing show": (bookings, {**BOOKING, "show_id": 99}),
    "booking by a missing user": (bookings, {**BOOKING, "user_id": 99}),
    "unknown cancel reason": (
        bookings,
        {**BOOKING, "status": "cancelled", "cancelled_at": START, "cancel_reason": "refund"},
    ),
    "negative refund": (bookings, {**BOOKING, "refund": -1}),
    "ticket key taken": (bookings, {**BOOKING, "ticket_key": "k3y"}),
    "booking without lines": (bookings, {**BOOKING, "lines": None}),
    "checked in twice": (checkins, {**CHECKIN, "checked_in_at": START + timedelta(seconds=1)}),
    "check-in without a time": (checkins, {**CHECKIN, "place": 1, "checked_in_at": None}),
    "check-in of a missing booking": (checkins, {**CHECKIN, "booking_id": 99}),
    "ticket code taken": (ticket_codes, {**CODE, "place": 1}),
    "code of a missing booking": (ticket_codes, {**CODE, "code": "other", "booking_id": 99}),
}


@pytest.mark.parametrize("case", REFUSED)
def test_the_database_refuses_rows_the_domain_would_never_make(
    factory: SqlAlchemyUnitOfWorkFactory, case: str
) -> None:
    table, row = REFUSED[case]
    with factory.engine.begin() as connection:
        valid_rows = [
            (users, USER),
            (movies, MOVIE),
            (cinemas, CINEMA),
            (ticket_types, TICKET_TYPE),
            (screens, SCREEN),
            (shows, SHOW),
            (bookings, {**BOOKING, "ticket_key": "k3y"}),
            (checkins, CHECKIN),
            (ticket_codes, CODE),
        ]
        for valid_table, valid in valid_rows:
            connection.execute(insert(valid_table), valid)
    with pytest.raises(IntegrityError), factory.engine.begin() as connection:
        connection.execute(insert(table), row)


def populated(uow: UnitOfWork) -> tuple[int, int, int]:
    owner, show = builders.stored_show(uow)
    for n in range(20):
        uow.movies.add(builders.movie(f"Film {n}"))
        other = uow.shows.add(builders.show(show.movie_id, owner.id))
        builders.add_booking(uow, owner.id, show.id, seats=1)
        # Active holds on other shows, for the lookups of one show's holds to pass by.
        hold_id = uow.holds.next_id()
        inventory = uow.inventories.lock(other.id)
        assert inventory is not None
        inventory.hold(hold_id, owner.id, SeatRequest(1), START, timedelta(minutes=10))
        uow.inventories.save(inventory)
    return owner.id, show.movie_id, show.id


Lookup = Callable[[UnitOfWork, int, int, int], object]
PRIMARY_KEY = "primary key"
# A TEXT primary key: SQLite serves it from the table's automatic unique index.
TICKET_CODE = "ticket code"
CHECKINS_KEY = "the check-ins' key"
# What each repository read does, and the index it must use.
LOOKUPS: dict[str, tuple[Lookup, str]] = {
    "user by id": (lambda uow, user, movie, show: uow.users.get(user), PRIMARY_KEY),
    "user by email": (
        lambda uow, user, movie, show: uow.users.get_by_email("OWNER@example.com"),
        "uq_users_email_lower",
    ),
    "movie by id": (lambda uow, user, movie, show: uow.movies.get(movie), PRIMARY_KEY),
    "movies page": (lambda uow, user, movie, show: uow.movies.list(after=3, limit=5), PRIMARY_KEY),
    "show by id": (lambda uow, user, movie, show: uow.shows.get(show), PRIMARY_KEY),
    # A show that holds nothing is read, locked or not, in its row alone.
    "show locked": (lambda uow, user, movie, show: uow.inventories.lock(show), PRIMARY_KEY),
    "show's inventory": (lambda uow, user, movie, show: uow.inventories.get(show), PRIMARY_KEY),
    "shows page": (
        lambda uow, user, movie, show: uow.shows.list(ShowQuery(), after=ShowCursor(3), limit=5),
        PRIMARY_KEY,
    ),
    "a movie's shows": (
        lambda uow, user, movie, show: uow.shows.list(
            ShowQuery(movie_id=movie), after=ShowCursor(3), limit=5
        ),
        "ix_shows_movie_id_id",
    ),
    "a screen's shows in a window": (
        lambda uow, user, movie, show: uow.shows.on_screen(1, START, START + timedelta(days=1)),
        "ix_shows_screen_id_timing_id",
    ),
    "a cinema's shows by time": (
        lambda uow, user, movie, show: uow.shows.list(
            ShowQuery(cinema_id=1, starts_from=START, starts_before=START + timedelta(days=1)),
            after=None,
            limit=5,
        ),
        "ix_shows_cinema_id_timing_id",
    ),
    "shows by time": (
        lambda uow, user, movie, show: uow.shows.list(
            ShowQuery(starts_from=START, starts_before=START + timedelta(days=1)),
            after=ShowCursor(3, START),
            limit=5,
        ),
        "ix_shows_timing_id",
    ),
    "a movie's upcoming shows": (
        lambda uow, user, movie, show: uow.shows.upcoming_of_movie(movie, START),
        "ix_shows_movie_id_id",
    ),
    "a show's active bookings": (
        lambda uow, user, movie, show: uow.bookings.active_for_show(show),
        "ix_bookings_show_id",
    ),
    "booking by id": (lambda uow, user, movie, show: uow.bookings.get(1), PRIMARY_KEY),
    "a booking's check-ins": (lambda uow, user, movie, show: uow.bookings.get(1), CHECKINS_KEY),
    "a page's check-ins": (
        lambda uow, user, movie, show: uow.bookings.list_for_user(user, after=3, limit=5),
        CHECKINS_KEY,
    ),
    # Through the show's bookings.
    "a show's tickets and their check-ins": (
        lambda uow, user, movie, show: uow.tickets.of_show(show),
        "ix_bookings_show_id",
    ),
    "the active bookings' check-ins": (
        lambda uow, user, movie, show: uow.bookings.active_for_show(show),
        "ix_bookings_show_id",
    ),
    "ticket by code": (
        lambda uow, user, movie, show: uow.tickets.get("k" * 22 + ".1"),
        "uq_bookings_ticket_key",
    ),
    "ticket by a code from before keys": (
        lambda uow, user, movie, show: uow.tickets.get("c0de"),
        TICKET_CODE,
    ),
    "a cinema's ticket types": (
        lambda uow, user, movie, show: uow.ticket_types.of_cinema(1),
        # Either of the cinema's indexes: a cinema has a handful of types to sort.
        "ticket_types_cinema_id_",
    ),
    "a show's refunds": (
        lambda uow, user, movie, show: uow.bookings.refunds_of_show(show),
        "ix_bookings_show_id",
    ),
    "hold by id": (lambda uow, user, movie, show: uow.holds.get(1), PRIMARY_KEY),
    "a show's active holds": (
        lambda uow, user, movie, show: uow.holds.active_on([show]),
        "ix_holds_show_id_expires_at_active",
    ),
    "a user's bookings": (
        lambda uow, user, movie, show: uow.bookings.list_for_user(user, after=3, limit=5),
        "ix_bookings_user_id_id",
    ),
}


@pytest.mark.parametrize("lookup", LOOKUPS)
def test_every_lookup_and_listing_is_served_by_an_index(
    factory: SqlAlchemyUnitOfWorkFactory, lookup: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with factory() as uow:
        ids = populated(uow)
        uow.commit()
    statements: list[tuple[str, Any]] = []
    arguments = CompiledStatement.arguments

    # Every statement's SQL and driver arguments pass through here on their way to the cursor.
    def capture(compiled: CompiledStatement, parameters: Any) -> Any:
        driver_arguments = arguments(compiled, parameters)
        statements.append((compiled.sql, driver_arguments))
        return driver_arguments

    monkeypatch.setattr(CompiledStatement, "arguments", capture)
    read, index = LOOKUPS[lookup]
    with factory() as uow:
        read(uow, *ids)
    monkeypatch.undo()
    queries = [(s, p) for s, p in statements if s.lstrip().upper().startswith("SELECT")]
    # Bookings are read with their check-ins, one query each; a code's key that no booking has
    # is looked for among the codes from before keys.
    follow_ups = ("FROM checkins", "FROM ticket_codes")
    assert len(queries) == 1 or (
        len(queries) == 2 and any(table in queries[1][0] for table in follow_ups)
    )
    plans = [query_plan(factory, *query) for query in queries]
    sqlite = factory.engine.dialect.name == "sqlite"
    if index == PRIMARY_KEY:
        index = "INTEGER PRIMARY KEY" if sqlite else "pk_"
    elif index == TICKET_CODE:
        index = "PRIMARY KEY" if sqlite else "pk_ticket_codes"
    elif index == CHECKINS_KEY:
        index = "PRIMARY KEY" if sqlite else "pk_checkins"
    assert any(index in line for plan in plans for line in plan), plans
    for plan in plans:
        _no_full_scan(plan)


def _no_full_scan(plan: list[str]) -> None:
    # A full table scan: SCAN in SQLite's plans (SEARCH uses an index), Seq Scan in PostgreSQL's.
    # SQLite reads a page as one JSON array (compiled.py) whose rows come from a co-routine: a
    # SCAN of that co-routine reads only the rows its indexed SEARCH found.
    subqueries = {line.split()[-1] for line in plan if line.startswith("CO-ROUTINE")}
    scans = [line for line in plan if line.startswith(("SCAN", "Seq Scan"))]
    assert all(line.split()[-1] in subqueries for line in scans), plan


def query_plan(factory: SqlAlchemyUnitOfWorkFactory, statement: str, parameters: Any) -> list[str]:
    with factory.engine.connect() as connection:
        if factory.engine.dialect.name == "sqlite":
            rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            return [str(row[-1]) for row in rows]
        # Tiny tables make a sequential scan cheapest; forbid it to see whether an index serves.
        connection.exec_driver_sql("SET enable_seqscan = off")
        rows = connection.exec_driver_sql(f"EXPLAIN {statement}", parameters)
        return [str(row[0]).replace("->", "").strip() for row in rows]


def _on_screen(screen_id: int, start_minutes: int, minutes: int, **changes: Any) -> dict[str, Any]:
    """A show on a screen of cinema 1, occupying it from START + start_minutes for minutes."""
    timing = START + timedelta(minutes=start_minutes)
    return {
        **SHOW,
        "timing": timing,
        "ends_at": timing + timedelta(minutes=minutes),
        "occupied_until": timing + timedelta(minutes=minutes),
        "screen_id": screen_id,
        "cinema_id": 1,
        **changes,
    }


@pytest.fixture
def two_screens(factory: SqlAlchemyUnitOfWorkFactory) -> SqlAlchemyUnitOfWorkFactory:
    """Screens 1 and 2 of cinema 1; show 1 occupies screen 1 from START for 100 minutes."""
    with factory.engine.begin() as connection:
        for table, row in [(users, USER), (movies, MOVIE), (cinemas, CINEMA)]:
            connection.execute(insert(table), row)
        connection.execute(insert(screens), [SCREEN, {**SCREEN, "name": "2"}])
        connection.execute(insert(shows), _on_screen(1, 0, 100))
    return factory


def _refused_as_overlap(factory: SqlAlchemyUnitOfWorkFactory, statement: Any) -> None:
    with pytest.raises(IntegrityError) as refused, factory.engine.begin() as connection:
        connection.execute(statement)
    assert isinstance(translate(refused.value), ScheduleGuardViolated)


def _shows_on(factory: SqlAlchemyUnitOfWorkFactory, screen_id: int) -> list[int]:
    with factory.engine.connect() as connection:
        query = select(shows.c.id).where(shows.c.screen_id == screen_id).order_by(shows.c.id)
        return list(connection.execute(query).scalars())


@pytest.mark.parametrize(
    ("start", "minutes"),
    [(50, 100), (-50, 100), (10, 20), (-10, 200)],
    ids=["ends later", "begins earlier", "within", "around"],
)
def test_a_scheduled_show_cannot_overlap_another_on_its_screen(
    two_screens: SqlAlchemyUnitOfWorkFactory, start: int, minutes: int
) -> None:
    _refused_as_overlap(two_screens, insert(shows).values(_on_screen(1, start, minutes)))
    assert _shows_on(two_screens, 1) == [1]


def test_a_show_cannot_be_moved_into_another_s_window(
    two_screens: SqlAlchemyUnitOfWorkFactory,
) -> None:
    with two_screens.engine.begin() as connection:
        connection.execute(insert(shows), _on_screen(1, 100, 60))
        connection.execute(insert(shows), _on_screen(2, 50, 60))
    # Later on the same screen, overlapping show 2 no longer; then onto screen 1 from screen 2.
    later = _on_screen(1, 99, 60)
    _refused_as_overlap(
        two_screens,
        update(shows)
        .where(shows.c.id == 2)
        .values(timing=later["timing"], occupied_until=later["occupied_until"]),
    )
    _refused_as_overlap(two_screens, update(shows).where(shows.c.id == 3).values(screen_id=1))
    _refused_as_overlap(
        two_screens,
        update(shows).where(shows.c.id == 1).values(occupied_until=START + timedelta(minutes=101)),
    )
    assert (_shows_on(two_screens, 1), _shows_on(two_screens, 2)) == ([1, 2], [3])


def test_windows_may_meet_end_to_start(two_screens: SqlAlchemyUnitOfWorkFactory) -> None:
    with two_screens.engine.begin() as connection:
        connection.execute(insert(shows), _on_screen(1, 100, 60))
        connection.execute(insert(shows), _on_screen(1, -60, 60))
    assert _shows_on(two_screens, 1) == [1, 2, 3]


def test_shows_on_different_screens_may_overlap(two_screens: SqlAlchemyUnitOfWorkFactory) -> None:
    with two_screens.engine.begin() as connection:
        connection.execute(insert(shows), _on_screen(2, 0, 100))
        # Shows on no screen occupy none.
        connection.execute(insert(shows), {**SHOW, "cinema_id": 1})
    assert _shows_on(two_screens, 2) == [2]


def test_a_cancelled_show_leaves_its_window_free(
    two_screens: SqlAlchemyUnitOfWorkFactory,
) -> None:
    with two_screens.engine.begin() as connection:
        connection.execute(insert(shows), _on_screen(1, 30, 100, status="cancelled"))
        connection.execute(update(shows).where(shows.c.id == 1).values(status="cancelled"))
        connection.execute(insert(shows), _on_screen(1, 0, 100))
    assert _shows_on(two_screens, 1) == [1, 2, 3]
    # Show 1 cannot be scheduled again over show 3, nor can show 2.
    for cancelled in (1, 2):
        _refused_as_overlap(
            two_screens, update(shows).where(shows.c.id == cancelled).values(status="scheduled")
        )
