"""Alembic builds the schema tables.py describes, on an empty SQLite file or PostgreSQL schema."""

from __future__ import annotations

import contextlib
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import attrs
import pytest
import sqlalchemy
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, select
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.pool import NullPool

from boxoffice.adapters.sqlalchemy import SqlAlchemyUnitOfWorkFactory, StorageError
from boxoffice.adapters.sqlalchemy.migrations import alembic_config, upgrade
from boxoffice.adapters.sqlalchemy.tables import (
    SCREEN_OVERLAP_TRIGGERS,
    bookings,
    metadata,
    movies,
    shows,
)
from boxoffice.domain.model import UNSAVED, AuditAction, AuditEvent, TicketStatus
from tests.integration.load import REPOSITORY

TABLES = {
    "users",
    "movies",
    "cinemas",
    "ticket_types",
    "screens",
    "shows",
    "bookings",
    "holds",
    "checkins",
    "ticket_codes",
    "idempotency_keys",
    "login_failures",
    "audit_events",
    "waitlist_entries",
    "leases",
    "webhooks",
    "webhook_outbox",
    "webhook_deliveries",
}


def head() -> str:
    revision = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert revision is not None
    return revision


@contextlib.contextmanager
def connect(url: str) -> Iterator[Connection]:
    engine = sqlalchemy.create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def test_upgrade_creates_every_table_on_an_empty_database(empty_database_url: str) -> None:
    upgrade(empty_database_url)
    with connect(empty_database_url) as connection:
        assert set(inspect(connection).get_table_names()) == TABLES | {"alembic_version"}
        assert MigrationContext.configure(connection).get_current_revision() == head()


def test_upgrading_an_up_to_date_database_changes_nothing(database_url: str) -> None:
    with connect(database_url) as connection:
        connection.exec_driver_sql(
            "INSERT INTO movies (title, genre, duration) VALUES ('M', 'g', 1)"
        )
        connection.commit()
    upgrade(database_url)
    with connect(database_url) as connection:
        assert connection.exec_driver_sql("SELECT title FROM movies").scalars().all() == ["M"]


def test_a_database_from_a_newer_release_is_a_storage_error(database_url: str) -> None:
    with connect(database_url) as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = 'from-the-future'")
        connection.commit()
    with pytest.raises(StorageError, match="from-the-future"):
        upgrade(database_url)


@pytest.mark.filterwarnings("ignore:.*expression-based index")
def test_the_migrated_schema_is_the_one_tables_py_describes(database_url: str) -> None:
    with connect(database_url) as connection:
        differences = compare_metadata(
            MigrationContext.configure(connection, opts={"compare_type": True}), metadata
        )
        assert differences == []
        # Autogenerate compares neither CHECK constraints nor functional indexes; names do.
        assert _constraint_names(connection) == _declared_constraint_names(connection)
        assert _overlap_guards(connection) == _declared_overlap_guards(connection)


def _constraint_names(connection: Connection) -> set[str]:
    inspector = inspect(connection)
    names = set()
    for table in TABLES:
        names |= {str(c["name"]) for c in inspector.get_check_constraints(table)}
    # SQLAlchemy cannot reflect SQLite's expression indexes; the catalogs can.
    if connection.dialect.name == "sqlite":
        indexes = "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
    else:
        indexes = "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
        # Primary keys are compared above; %% is psycopg's literal percent sign.
        indexes += " AND tablename <> 'alembic_version' AND indexname NOT LIKE 'pk%%'"
    return names | set(connection.exec_driver_sql(indexes).scalars())


def _declared_constraint_names(connection: Connection) -> set[str]:
    names = set()
    for table in metadata.tables.values():
        names |= {
            str(c.name) for c in table.constraints if isinstance(c, sqlalchemy.CheckConstraint)
        }
        names |= {str(i.name) for i in table.indexes}
    if connection.dialect.name == "postgresql":
        # An exclusion or unique constraint is enforced through an index of its name.
        names |= _declared_exclusions()
        names |= {
            str(c.name)
            for table in metadata.tables.values()
            for c in table.constraints
            if isinstance(c, sqlalchemy.UniqueConstraint)
        }
    return names


def _overlap_guards(connection: Connection) -> set[str]:
    """The exclusion constraints (PostgreSQL) or triggers (SQLite) the schema has."""
    if connection.dialect.name == "sqlite":
        query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    else:
        query = (
            "SELECT conname FROM pg_constraint WHERE contype = 'x'"
            " AND connamespace = current_schema()::regnamespace"
        )
    return set(connection.exec_driver_sql(query).scalars())


def _declared_overlap_guards(connection: Connection) -> set[str]:
    # SQLite has no exclusion constraints: triggers stand in for tables.py's.
    if connection.dialect.name == "sqlite":
        return set(SCREEN_OVERLAP_TRIGGERS)
    return _declared_exclusions()


def _declared_exclusions() -> set[str]:
    return {
        str(c.name)
        for table in metadata.tables.values()
        for c in table.constraints
        if isinstance(c, ExcludeConstraint)
    }


@pytest.mark.slow
def test_processes_upgrading_at_once_all_succeed(empty_database_url: str) -> None:
    command = [sys.executable, "-m", "boxoffice.entrypoints.cli", "db", "upgrade"]
    command += ["--database-url", empty_database_url]
    runs = [
        subprocess.Popen(command, cwd=REPOSITORY, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(4)
    ]
    for run in runs:
        _, errors = run.communicate(timeout=60)
        assert run.returncode == 0, errors.decode()
    with connect(empty_database_url) as connection:
        assert MigrationContext.configure(connection).get_current_revision() == head()


def test_a_database_of_the_first_release_is_carried_forward(empty_database_url: str) -> None:
    from alembic import command

    command.upgrade(alembic_config(empty_database_url), "0001")
    with connect(empty_database_url) as connection:
        connection.exec_driver_sql(
            "INSERT INTO movies (title, genre, duration) VALUES ('Alien', 'Sci-fi', 117)"
        )
        connection.commit()
        assert "idempotency_keys" not in inspect(connection).get_table_names()
    upgrade(empty_database_url)
    with connect(empty_database_url) as connection:
        assert connection.exec_driver_sql("SELECT title FROM movies").scalars().all() == ["Alien"]
        assert set(inspect(connection).get_table_names()) == TABLES | {"alembic_version"}
        assert MigrationContext.configure(connection).get_current_revision() == head()


def test_shows_and_bookings_from_before_seating_stay_general_admission(
    empty_database_url: str,
) -> None:
    from alembic import command

    from boxoffice.adapters.sqlalchemy import SqlAlchemyUnitOfWorkFactory

    command.upgrade(alembic_config(empty_database_url), "0003")
    with connect(empty_database_url) as connection:
        for statement in (
            "INSERT INTO users (name, email, password, role, created_at)"
            " VALUES ('o', 'o@example.com', 'x', 'owner', '2026-01-01 00:00:00')",
            "INSERT INTO movies (title, genre, duration) VALUES ('Alien', 'Sci-fi', 117)",
            "INSERT INTO shows (movie_id, timing, capacity, available_seats, owner_id)"
            " VALUES (1, '2030-01-01 20:00:00', 10, 8, 1)",
            "INSERT INTO bookings (user_id, show_id, num_seats, status, created_at)"
            " VALUES (1, 1, 2, 'active', '2026-01-01 00:00:00')",
        ):
            connection.exec_driver_sql(statement)
        connection.commit()
    upgrade(empty_database_url)
    factory = SqlAlchemyUnitOfWorkFactory.from_url(empty_database_url)
    try:
        with factory(read_only=True) as uow:
            show = uow.shows.get(1)
            booking = uow.bookings.get(1)
            assert show is not None
            assert booking is not None
            assert (show.seat_map, show.available_seats) == (None, 8)
            assert (booking.seats, booking.num_seats) == ((), 2)
            inventory = uow.inventories.get(1)
            assert inventory is not None
            assert (inventory.show, inventory.chart) == (show, None)
            assert uow.holds.active_on([1]) == []
    finally:
        factory.dispose()


def test_a_database_before_the_audit_trail_is_carried_forward(empty_database_url: str) -> None:
    from alembic import command

    command.upgrade(alembic_config(empty_database_url), "0003")
    with connect(empty_database_url) as connection:
        connection.exec_driver_sql(
            "INSERT INTO users (name, email, password, role, created_at)"
            " VALUES ('Ada', 'ada@example.com', 'hashed', 'user', '2030-01-01 12:00:00')"
        )
        connection.exec_driver_sql(
            "INSERT INTO login_failures (subject, failed_at)"
            " VALUES ('account:ada@example.com', '2030-01-01 12:00:00')"
        )
        connection.commit()
        assert "audit_events" not in inspect(connection).get_table_names()
    upgrade(empty_database_url)
    factory = SqlAlchemyUnitOfWorkFactory.from_url(empty_database_url)
    try:
        with factory() as uow:
            ada = uow.users.get_by_email("ada@example.com")
            assert ada is not None
            assert uow.login_attempts.failures_since(
                "account:ada@example.com", ada.created_at.replace(year=2000)
            )
            event = AuditEvent(
                UNSAVED, ada.created_at, AuditAction.LOGGED_IN, ada.id, f"user:{ada.id}"
            )
            uow.audit.add(event)
            uow.commit()
        with factory(read_only=True) as uow:
            [stored] = uow.audit.list(after=None, limit=10)
        assert stored.id != UNSAVED
        assert attrs.evolve(stored, id=UNSAVED) == event
    finally:
        factory.dispose()
    with connect(empty_database_url) as connection:
        assert MigrationContext.configure(connection).get_current_revision() == head()


def test_shows_and_bookings_from_before_cinemas_are_scheduled_and_on_no_screen(
    empty_database_url: str,
) -> None:
    from alembic import command

    command.upgrade(alembic_config(empty_database_url), "0005")
    with connect(empty_database_url) as connection:
        for statement in (
            "INSERT INTO users (name, email, password, role, created_at)"
            " VALUES ('o', 'o@example.com', 'x', 'owner', '2026-01-01 00:00:00')",
            "INSERT INTO movies (title, genre, duration) VALUES ('Alien', 'Sci-fi', 117)",
            # Written by hand, without the fraction the adapter writes; and as the adapter does.
            "INSERT INTO shows (movie_id, timing, capacity, available_seats, owner_id)"
            " VALUES (1, '2030-01-01 20:00:00', 10, 8, 1)",
            "INSERT INTO shows (movie_id, timing, capacity, available_seats, owner_id)"
            " VALUES (1, '2030-12-31 23:00:00.999999', 10, 10, 1)",
            "INSERT INTO bookings (user_id, show_id, num_seats, status, created_at)"
            " VALUES (1, 1, 2, 'active', '2026-01-01 00:00:00')",
            "INSERT INTO bookings (user_id, show_id, num_seats, status, created_at, cancelled_at)"
            " VALUES (1, 1, 3, 'cancelled', '2026-01-01 00:00:00', '2026-01-02 00:00:00')",
        ):
            connection.exec_driver_sql(statement)
        connection.commit()
    upgrade(empty_database_url)
    with connect(empty_database_url) as connection:
        show_columns = (
            shows.c.status,
            shows.c.timing,
            shows.c.ends_at,
            shows.c.screen_id,
            shows.c.cinema_id,
            shows.c.occupied_until,
        )
        rows = connection.execute(select(*show_columns).order_by(shows.c.id)).all()
        assert [tuple(row) for row in rows] == [
            (
                "scheduled",
                datetime(2030, 1, 1, 20, tzinfo=UTC),
                datetime(2030, 1, 1, 21, 57, tzinfo=UTC),
                None,
                None,
                None,
            ),
            (
                "scheduled",
                datetime(2030, 12, 31, 23, 0, 0, 999999, tzinfo=UTC),
                datetime(2031, 1, 1, 0, 57, 0, 999999, tzinfo=UTC),
                None,
                None,
                None,
            ),
        ]
        if connection.dialect.name == "sqlite":
            # Compared as text with the adapter's instants: the canonical form, to the digit.
            stored = connection.exec_driver_sql("SELECT ends_at FROM shows ORDER BY id").scalars()
            assert list(stored) == ["2030-01-01 21:57:00.000000", "2031-01-01 00:57:00.999999"]
        booking_columns = (
            bookings.c.num_seats,
            bookings.c.status,
            bookings.c.cancelled_at,
            bookings.c.cancel_reason,
        )
        rows = connection.execute(select(*booking_columns).order_by(bookings.c.id)).all()
        assert [tuple(row) for row in rows] == [
            (2, "active", None, None),
            (3, "cancelled", datetime(2026, 1, 2, tzinfo=UTC), "by_user"),
        ]
        assert connection.execute(select(movies.c.owner_id)).scalars().all() == [None]
        assert MigrationContext.configure(connection).get_current_revision() == head()


@pytest.mark.filterwarnings("ignore:.*expression-based index")
def test_0006_downgrades_with_its_rows_in_place_and_upgrades_again(database_url: str) -> None:
    from alembic import command

    with connect(database_url) as connection:
        for statement in (
            "INSERT INTO users (name, email, password, role, created_at)"
            " VALUES ('o', 'o@example.com', 'x', 'owner', '2026-01-01 00:00:00')",
            "INSERT INTO movies (title, genre, duration, owner_id)"
            " VALUES ('Alien', 'Sci-fi', 117, 1)",
            "INSERT INTO shows (movie_id, timing, ends_at, capacity, available_seats, owner_id)"
            " VALUES (1, '2030-01-01 20:00:00', '2030-01-01 21:57:00', 10, 8, 1)",
            "INSERT INTO bookings (user_id, show_id, num_seats, status, created_at)"
            " VALUES (1, 1, 2, 'active', '2026-01-01 00:00:00')",
        ):
            connection.exec_driver_sql(statement)
        connection.commit()
    command.downgrade(alembic_config(database_url), "0005")
    with connect(database_url) as connection:
        assert "cinemas" not in inspect(connection).get_table_names()
        columns = {c["name"] for c in inspect(connection).get_columns("shows")}
        assert not columns & {"status", "screen_id", "cinema_id", "ends_at", "occupied_until"}
        assert connection.exec_driver_sql("SELECT num_seats FROM bookings").scalars().all() == [2]
    upgrade(database_url)
    with connect(database_url) as connection:
        assert compare_metadata(MigrationContext.configure(connection), metadata) == []
        assert _constraint_names(connection) == _declared_constraint_names(connection)
        assert _overlap_guards(connection) == _declared_overlap_guards(connection)
        assert connection.exec_driver_sql("SELECT status FROM shows").scalars().all() == [
            "scheduled"
        ]


_BEFORE_TICKETS = (
    "INSERT INTO users (name, email, password, role, created_at)"
    " VALUES ('o', 'o@example.com', 'x', 'owner', '2026-01-01 00:00:00')",
    "INSERT INTO movies (title, genre, duration, owner_id) VALUES ('Alien', 'Sci-fi', 117, 1)",
    "INSERT INTO cinemas (owner_id, name, time_zone, gap_minutes)"
    " VALUES (1, 'Babylon', 'Europe/Berlin', 15)",
    "INSERT INTO screens (cinema_id, name, layout, capacity) VALUES (1, 'Saal 1', NULL, 10)",
    # A general-admission show in the cinema, and a seated one with a zone, in none.
    "INSERT INTO shows (movie_id, timing, ends_at, capacity, available_seats, owner_id,"
    " screen_id, cinema_id, occupied_until) VALUES (1, '2030-01-01 20:00:00',"
    " '2030-01-01 21:57:00', 10, 8, 1, 1, 1, '2030-01-01 22:12:00')",
    "INSERT INTO shows (movie_id, timing, ends_at, capacity, available_seats, owner_id,"
    " seat_map, seat_codes) VALUES (1, '2030-01-02 20:00:00', '2030-01-02 21:57:00', 4, 2, 1,"
    ' \'{"rows":[{"label":"A","seats":4}],"blocked":[],"zones":{"vip":["A3","A4"]}}\','
    " 'xxxx')",
    "INSERT INTO bookings (user_id, show_id, num_seats, status, created_at)"
    " VALUES (1, 1, 2, 'active', '2026-01-01 00:00:00')",
    "INSERT INTO bookings (user_id, show_id, num_seats, status, created_at, seats)"
    " VALUES (1, 2, 2, 'active', '2026-01-01 00:00:00', 'A2,A3')",
    "INSERT INTO bookings (user_id, show_id, num_seats, status, created_at, cancelled_at,"
    " cancel_reason) VALUES (1, 1, 3, 'cancelled', '2026-01-01 00:00:00',"
    " '2026-01-02 00:00:00', 'by_user')",
)


def test_bookings_from_before_tickets_get_one_ticket_a_seat_with_random_codes(
    empty_database_url: str,
) -> None:
    from alembic import command

    command.upgrade(alembic_config(empty_database_url), "0006")
    with connect(empty_database_url) as connection:
        for statement in _BEFORE_TICKETS:
            connection.exec_driver_sql(statement)
        connection.commit()
    upgrade(empty_database_url)
    factory = SqlAlchemyUnitOfWorkFactory.from_url(empty_database_url)
    try:
        with factory(read_only=True) as uow:
            found = [uow.bookings.get(booking_id) for booking_id in (1, 2, 3)]
            cinema = uow.cinemas.get(1)
            shows_read = [uow.shows.get(1), uow.shows.get(2)]
    finally:
        factory.dispose()
    assert None not in found
    general, seated, cancelled = found
    assert general is not None
    assert seated is not None
    assert cancelled is not None
    assert [(t.seat, t.zone, t.status) for t in general.tickets] == [
        (None, "standard", TicketStatus.VALID)
    ] * 2
    assert [(t.seat, t.zone, t.status) for t in seated.tickets] == [
        ("A2", "standard", TicketStatus.VALID),
        ("A3", "vip", TicketStatus.VALID),
    ]
    assert [(t.seat, t.status) for t in cancelled.tickets] == [(None, TicketStatus.CANCELLED)] * 3
    every = [t for booking in found for t in booking.tickets]
    assert all(
        (t.amount, t.ticket_type, t.checked_in_at, t.booking_id) == (0, None, None, booking.id)
        for booking in found
        for t in booking.tickets
    )
    assert all(len(t.code) >= 22 and re.fullmatch(r"[A-Za-z0-9_-]+", t.code) for t in every)
    assert len({t.code for t in every}) == len(every) == 7
    assert [(b.refund, b.currency) for b in found] == [(0, None)] * 3
    assert cinema is not None
    assert (cinema.currency, cinema.cancel_until_minutes, cinema.cancel_fee) == ("XXX", 0, 0)
    assert [(s.currency, s.prices) for s in shows_read if s is not None] == [
        ("XXX", ()),
        (None, ()),
    ]


@pytest.mark.filterwarnings("ignore:.*expression-based index")
def test_0007_downgrades_with_its_rows_in_place_and_upgrades_again(database_url: str) -> None:
    from alembic import command

    with connect(database_url) as connection:
        # Users, movies; then a cinema as the adapter now writes it, and its screen.
        for statement in _BEFORE_TICKETS[:2]:
            connection.exec_driver_sql(statement)
        connection.exec_driver_sql(
            "INSERT INTO cinemas (owner_id, name, time_zone, gap_minutes, currency)"
            " VALUES (1, 'Babylon', 'Europe/Berlin', 15, 'EUR')"
        )
        connection.exec_driver_sql(_BEFORE_TICKETS[3])
        connection.exec_driver_sql(
            "INSERT INTO ticket_types (cinema_id, code, name) VALUES (1, 'adult', 'Adult')"
        )
        connection.commit()
    command.downgrade(alembic_config(database_url), "0006")
    with connect(database_url) as connection:
        assert not {"tickets", "ticket_types"} & set(inspect(connection).get_table_names())
        columns = {c["name"] for c in inspect(connection).get_columns("cinemas")}
        assert not columns & {"currency", "cancel_until_minutes", "cancel_fee"}
    upgrade(database_url)
    with connect(database_url) as connection:
        assert compare_metadata(MigrationContext.configure(connection), metadata) == []
        assert _constraint_names(connection) == _declared_constraint_names(connection)
        assert connection.exec_driver_sql("SELECT currency FROM cinemas").scalars().all() == ["XXX"]


def _rows_before_waiting_lists(connection: Connection) -> None:
    """A sold-out general-admission show with a lapsed hold, as 0007 stored them."""
    for statement in _BEFORE_TICKETS[:2]:
        connection.exec_driver_sql(statement)
    connection.exec_driver_sql(
        "INSERT INTO users (name, email, password, role, created_at)"
        " VALUES ('u', 'u@example.com', 'x', 'user', '2026-01-01 00:00:00')"
    )
    connection.exec_driver_sql(
        "INSERT INTO shows (movie_id, timing, ends_at, capacity, available_seats, held_seats,"
        " owner_id) VALUES (1, '2030-01-01 20:00:00', '2030-01-01 21:57:00', 4, 0, 2, 1)"
    )
    connection.exec_driver_sql(
        "INSERT INTO bookings (user_id, show_id, num_seats, status, created_at)"
        " VALUES (1, 1, 2, 'active', '2026-01-01 00:00:00')"
    )
    connection.exec_driver_sql(
        "INSERT INTO holds (user_id, show_id, num_seats, status, created_at, expires_at)"
        " VALUES (1, 1, 2, 'active', '2026-01-01 00:00:00', '2026-01-01 00:10:00')"
    )
    connection.commit()


def test_shows_from_before_waiting_lists_have_none_and_can_get_one(
    empty_database_url: str,
) -> None:
    from alembic import command

    from boxoffice.domain.inventory import ShowInventory
    from boxoffice.domain.model import WaitlistStatus

    command.upgrade(alembic_config(empty_database_url), "0007")
    with connect(empty_database_url) as connection:
        _rows_before_waiting_lists(connection)
    upgrade(empty_database_url)
    factory = SqlAlchemyUnitOfWorkFactory.from_url(empty_database_url)
    now = datetime(2026, 6, 1, tzinfo=UTC)
    try:
        with factory() as uow:
            inventory = uow.inventories.lock(1)
            assert inventory is not None
            assert inventory.show.waitlisted == 0
            assert inventory.waitlist() == []
            entry = inventory.join(uow.waitlist.next_id(), 2, 3, now)
            uow.inventories.save(inventory)
            uow.commit()
        with factory() as uow:
            locked = uow.inventories.lock(1)
            assert isinstance(locked, ShowInventory)
            assert locked.show.waitlisted == 1
            assert locked.waitlist() == [entry]
            # The hold from before lapsed: its seats are free, and not enough for three.
            locked.settle(now)
            assert locked.offer(now, timedelta(minutes=30), uow.holds.next_id) == []
            assert locked.show.available_seats == 2
        with factory(read_only=True) as uow:
            stored = uow.waitlist.get(entry.id)
            assert stored is not None
            assert stored.status is WaitlistStatus.WAITING
            assert uow.leases.take("sweeper", "me", now, now + timedelta(seconds=5))
    finally:
        factory.dispose()


def test_0008_downgrades_with_its_rows_in_place_and_upgrades_again(database_url: str) -> None:
    from alembic import command

    with connect(database_url) as connection:
        _rows_before_waiting_lists(connection)
        connection.exec_driver_sql("UPDATE shows SET waitlisted = 1")
        connection.exec_driver_sql(
            "INSERT INTO waitlist_entries (show_id, user_id, num_seats, status, created_at)"
            " VALUES (1, 2, 3, 'waiting', '2026-01-01 00:00:00')"
        )
        connection.exec_driver_sql(
            "INSERT INTO leases (name, holder, expires_at)"
            " VALUES ('sweeper', 'me', '2026-01-01 00:00:00')"
        )
        connection.commit()
    command.downgrade(alembic_config(database_url), "0007")
    with connect(database_url) as connection:
        assert not {"waitlist_entries", "leases"} & set(inspect(connection).get_table_names())
        assert "waitlisted" not in {c["name"] for c in inspect(connection).get_columns("shows")}
    upgrade(database_url)
    with connect(database_url) as connection:
        assert compare_metadata(MigrationContext.configure(connection), metadata) == []
        assert _constraint_names(connection) == _declared_constraint_names(connection)
        assert connection.exec_driver_sql("SELECT waitlisted FROM shows").scalars().all() == [0]


def _tickets_as_0008_kept_them(connection: Connection) -> None:
    """An active booking of two priced tickets, one let in, and a cancelled booking of one."""
    _rows_before_waiting_lists(connection)
    connection.exec_driver_sql(
        "INSERT INTO bookings (user_id, show_id, num_seats, status, created_at, cancelled_at,"
        " cancel_reason) VALUES (2, 1, 1, 'cancelled', '2026-01-01 00:00:00',"
        " '2026-01-02 00:00:00', 'by_user')"
    )
    for ticket in (
        "(1, 0, 'printed-code-a', 1, 'standard', 'adult', 900, 'checked_in',"
        " '2030-01-01 19:30:00')",
        "(1, 1, 'printed-code-b', 1, 'standard', 'child', 600, 'valid', NULL)",
        "(2, 0, 'printed-code-c', 1, 'standard', NULL, 0, 'cancelled', NULL)",
    ):
        connection.exec_driver_sql(
            "INSERT INTO tickets (booking_id, position, code, show_id, zone, ticket_type, amount,"
            f" status, checked_in_at) VALUES {ticket}"
        )
    connection.commit()


def test_tickets_from_before_keys_keep_their_codes_and_check_ins(
    empty_database_url: str,
) -> None:
    from alembic import command

    command.upgrade(alembic_config(empty_database_url), "0008")
    with connect(empty_database_url) as connection:
        _tickets_as_0008_kept_them(connection)
    upgrade(empty_database_url)
    let_in = datetime(2030, 1, 1, 19, 30, tzinfo=UTC)
    factory = SqlAlchemyUnitOfWorkFactory.from_url(empty_database_url)
    try:
        with factory(read_only=True) as uow:
            active, cancelled = uow.bookings.get(1), uow.bookings.get(2)
            assert active is not None
            assert cancelled is not None
            assert [
                (t.code, t.ticket_type, t.amount, t.status, t.checked_in_at) for t in active.tickets
            ] == [
                ("printed-code-a", "adult", 900, TicketStatus.CHECKED_IN, let_in),
                ("printed-code-b", "child", 600, TicketStatus.VALID, None),
            ]
            assert active.total == 1500
            assert [(t.code, t.status) for t in cancelled.tickets] == [
                ("printed-code-c", TicketStatus.CANCELLED)
            ]
            assert uow.tickets.get("printed-code-b") == active.tickets[1]
        # The door lets the printed codes in, once each.
        valid = active.tickets[1]
        with factory() as uow:
            uow.tickets.save(valid.check_in(let_in))
            uow.commit()
        with factory(read_only=True) as uow:
            found = uow.tickets.get("printed-code-b")
            assert found is not None
            assert (found.status, found.checked_in_at) == (TicketStatus.CHECKED_IN, let_in)
            assert [t.status for t in uow.tickets.of_show(1)] == [
                TicketStatus.CHECKED_IN,
                TicketStatus.CHECKED_IN,
                TicketStatus.CANCELLED,
            ]
    finally:
        factory.dispose()


@pytest.mark.filterwarnings("ignore:.*expression-based index")
def test_0009_downgrades_with_its_rows_in_place_and_upgrades_again(database_url: str) -> None:
    from alembic import command

    from boxoffice.domain.ticket_codes import code_of

    key = "K" * 22
    with connect(database_url) as connection:
        _rows_before_waiting_lists(connection)
        connection.exec_driver_sql(
            "UPDATE bookings SET ticket_key = %(key)s, lines = %(lines)s"
            if connection.dialect.name == "postgresql"
            else "UPDATE bookings SET ticket_key = :key, lines = :lines",
            {"key": key, "lines": '[["standard", "adult", 900], ["standard", null, 0]]'},
        )
        connection.exec_driver_sql(
            "INSERT INTO checkins (booking_id, place, checked_in_at)"
            " VALUES (1, 1, '2030-01-01 19:30:00')"
        )
        connection.commit()
    command.downgrade(alembic_config(database_url), "0008")
    with connect(database_url) as connection:
        assert not {"checkins", "ticket_codes"} & set(inspect(connection).get_table_names())
        columns = {c["name"] for c in inspect(connection).get_columns("bookings")}
        assert not columns & {"ticket_key", "lines"}
        rows = connection.exec_driver_sql(
            "SELECT code, position, ticket_type, amount, status FROM tickets ORDER BY position"
        ).all()
        assert [tuple(row) for row in rows] == [
            (code_of(key, 0), 0, "adult", 900, "valid"),
            (code_of(key, 1), 1, None, 0, "checked_in"),
        ]
    upgrade(database_url)
    with connect(database_url) as connection:
        assert compare_metadata(MigrationContext.configure(connection), metadata) == []
        assert _constraint_names(connection) == _declared_constraint_names(connection)
    factory = SqlAlchemyUnitOfWorkFactory.from_url(database_url)
    try:
        with factory(read_only=True) as uow:
            kept = uow.tickets.get(code_of(key, 1))
            assert kept is not None
            assert (kept.booking_id, kept.status) == (1, TicketStatus.CHECKED_IN)
    finally:
        factory.dispose()


@pytest.mark.filterwarnings("ignore:.*expression-based index")
def test_0010_downgrades_and_upgrades_again(database_url: str) -> None:
    from alembic import command

    with connect(database_url) as connection:
        _rows_before_waiting_lists(connection)
        connection.exec_driver_sql(
            "INSERT INTO cinemas (owner_id, name, time_zone, gap_minutes, currency)"
            " VALUES (1, 'Rex', 'UTC', 0, 'EUR')"
        )
        connection.exec_driver_sql(
            "INSERT INTO webhooks (cinema_id, url, events, secret, created_at)"
            " VALUES (1, 'https://hooks.example.com/', '*', 'whsec_x', '2026-01-01 00:00:00')"
        )
        connection.exec_driver_sql(
            "INSERT INTO webhook_outbox (webhook_id, event_id, event_type, show_id, body,"
            " attempts, next_attempt_at, created_at) VALUES (1, 'evt_1', 'booking.created', 1,"
            " '{}', 0, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
        )
        connection.commit()
    command.downgrade(alembic_config(database_url), "0009")
    with connect(database_url) as connection:
        tables = set(inspect(connection).get_table_names())
        assert not {"webhooks", "webhook_outbox", "webhook_deliveries"} & tables
    upgrade(database_url)
    with connect(database_url) as connection:
        assert compare_metadata(MigrationContext.configure(connection), metadata) == []
        assert _constraint_names(connection) == _declared_constraint_names(connection)
