"""SQLite as configured: WAL, durable commits, foreign keys, and a write lock taken up front."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import attrs
import orjson
import pytest
from sqlalchemy import DateTime
from sqlalchemy.dialects import sqlite

from boxoffice.adapters.sqlalchemy import SqlAlchemyUnitOfWorkFactory, unit_of_work
from boxoffice.adapters.sqlalchemy.engine import checked_url, create_engine
from boxoffice.adapters.sqlalchemy.tables import UtcDateTime
from boxoffice.adapters.sqlalchemy.views import _interned_show
from boxoffice.domain.errors import StorageError
from boxoffice.domain.inventory import SeatRequest
from boxoffice.domain.model import Role
from boxoffice.domain.queries import ShowQuery
from boxoffice.domain.seating import SeatMap
from boxoffice.entrypoints.http import encoding, shapes
from boxoffice.errors import ConfigurationError
from tests.contract import builders
from tests.databases import sqlite_database, sqlite_store, sqlite_writers_queue_is_free
from tests.fakes import START


@pytest.fixture
def url(tmp_path: Path) -> Iterator[str]:
    with sqlite_database(tmp_path) as url:
        yield url


@pytest.fixture
def factory(url: str) -> Iterator[SqlAlchemyUnitOfWorkFactory]:
    factory = SqlAlchemyUnitOfWorkFactory.from_url(url)
    yield factory
    factory.dispose()


@pytest.fixture
def other(url: str) -> Iterator[sqlite3.Connection]:
    """Another connection to the file, which does not wait for locks: it reports them at once."""
    path = url.removeprefix("sqlite:///")
    connection = sqlite3.connect(path, timeout=0, isolation_level=None, check_same_thread=False)
    yield connection
    connection.close()


def pragmas(factory: SqlAlchemyUnitOfWorkFactory) -> dict[str, object]:
    names = ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
    with factory.engine.connect() as connection:
        return {n: connection.exec_driver_sql(f"PRAGMA {n}").scalar() for n in names}


def test_connections_are_durable_by_default(url: str) -> None:
    full = 2
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            synchronous = connection.exec_driver_sql("PRAGMA synchronous").scalar()
    finally:
        engine.dispose()
    assert synchronous == full


def test_units_of_work_sync_the_wal_themselves(factory: SqlAlchemyUnitOfWorkFactory) -> None:
    # NORMAL inside COMMIT: commit() syncs the WAL after it, as FULL would inside it
    # (test_wal_sync.py).
    normal = 1
    assert pragmas(factory) == {
        "journal_mode": "wal",
        "synchronous": normal,
        "foreign_keys": 1,
        "busy_timeout": 30_000,
    }


def test_faster_commits_are_an_explicit_choice(url: str) -> None:
    normal = 1
    engine = create_engine(url, sqlite_synchronous="normal")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == normal
    engine.dispose()
    with pytest.raises(ConfigurationError):
        SqlAlchemyUnitOfWorkFactory.from_url(url, sqlite_synchronous="off")


def test_a_write_unit_of_work_holds_the_write_lock_from_its_start(
    other: sqlite3.Connection, factory: SqlAlchemyUnitOfWorkFactory
) -> None:
    with factory(), pytest.raises(sqlite3.OperationalError, match="locked"):
        other.execute("BEGIN IMMEDIATE")
    other.execute("BEGIN IMMEDIATE")
    other.execute("ROLLBACK")


def test_a_read_only_unit_of_work_blocks_no_writer(
    other: sqlite3.Connection, factory: SqlAlchemyUnitOfWorkFactory
) -> None:
    with factory(read_only=True) as uow:
        assert uow.movies.list(after=None, limit=1) == []
        other.execute("BEGIN IMMEDIATE")
        other.execute("INSERT INTO movies (title, genre, duration) VALUES ('M', 'g', 9)")
        other.execute("COMMIT")
        # A read-only unit of work reads one snapshot from start to end.
        assert uow.movies.list(after=None, limit=1) == []


def test_a_writer_waits_for_the_lock_instead_of_failing(
    other: sqlite3.Connection, factory: SqlAlchemyUnitOfWorkFactory
) -> None:
    other.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.3, other.execute, args=("COMMIT",))
    release.start()
    started = time.monotonic()
    with factory() as uow:
        uow.movies.add(builders.movie())
        uow.commit()
    release.join()
    assert time.monotonic() - started >= 0.25


def test_a_new_file_gets_its_directory(tmp_path: Path) -> None:
    nested = tmp_path / "a" / "b"
    with sqlite_database(nested) as url:
        assert Path(url.removeprefix("sqlite:///")).exists()


@pytest.mark.parametrize(
    "url", ["sqlite://", "sqlite:///:memory:", "mysql://localhost/db", "not a url"]
)
def test_urls_boxoffice_cannot_store_in_are_configuration_errors(url: str) -> None:
    with pytest.raises(ConfigurationError):
        checked_url(url)


def test_a_plain_postgresql_url_uses_psycopg() -> None:
    assert checked_url("postgresql://u@h/db").drivername == "postgresql+psycopg"


def test_writers_queue_on_a_file_lock_for_the_whole_transaction(
    url: str, factory: SqlAlchemyUnitOfWorkFactory
) -> None:
    with factory() as uow:
        uow.users.add(builders.user("a@example.com"))
        assert not sqlite_writers_queue_is_free(url)
        uow.commit()
        # The turn ends with the transaction (and before the WAL sync: test_wal_sync.py).
        assert sqlite_writers_queue_is_free(url)
        uow.users.add(builders.user("b@example.com"))
        assert not sqlite_writers_queue_is_free(url)
    assert sqlite_writers_queue_is_free(url)
    with factory(read_only=True) as uow:
        uow.users.get(1)
        assert sqlite_writers_queue_is_free(url)


def test_a_failed_start_gives_up_its_turn(tmp_path: Path) -> None:
    # A file that is not a database: BEGIN fails, and the next writer must not wait forever.
    path = tmp_path / "not-a-database.db"
    path.write_bytes(b"x" * 4096)
    factory = SqlAlchemyUnitOfWorkFactory.from_url(f"sqlite:///{path}")
    try:
        with pytest.raises(StorageError), factory():
            pass
        assert sqlite_writers_queue_is_free(f"sqlite:///{path}")
    finally:
        factory.dispose()


def test_threads_take_turns_writing(url: str, factory: SqlAlchemyUnitOfWorkFactory) -> None:
    second_entered = threading.Event()

    def second_writer() -> None:
        with factory():
            second_entered.set()

    with factory():
        worker = threading.Thread(target=second_writer)
        worker.start()
        assert not second_entered.wait(0.3)
    assert second_entered.wait(5)
    worker.join()


@pytest.mark.parametrize(
    "instant",
    [
        datetime(2026, 11, 27, 20, 0, tzinfo=UTC),
        datetime(2026, 11, 27, 21, 30, 5, 123, tzinfo=timezone(timedelta(hours=1, minutes=30))),
        datetime(1, 1, 1, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
    ],
)
def test_instants_are_stored_as_sqlalchemy_writes_them(instant: datetime) -> None:
    # SQLite compares stored instants as text (holds lapse by expires_at <= now): the fast
    # path must write exactly SQLAlchemy's format, or old and new rows would compare wrongly.
    dialect = sqlite.dialect()
    ours = UtcDateTime().dialect_impl(dialect).bind_processor(dialect)
    sqlalchemys = DateTime().dialect_impl(dialect).bind_processor(dialect)
    assert ours is not None
    assert sqlalchemys is not None
    naive_utc = instant.astimezone(UTC).replace(tzinfo=None)

    assert ours(instant) == sqlalchemys(naive_utc)
    read = UtcDateTime().dialect_impl(dialect).result_processor(dialect, None)
    assert read is not None
    assert read(ours(instant)) == instant


@pytest.mark.parametrize("has_json", [True, False])
def test_pages_read_the_same_with_or_without_sqlites_json_functions(
    url: str, monkeypatch: pytest.MonkeyPatch, has_json: bool
) -> None:
    # Without them (an old or trimmed SQLite) rows are fetched one by one instead.
    monkeypatch.setattr(unit_of_work, "sqlite_has_json", lambda: has_json)
    factory = SqlAlchemyUnitOfWorkFactory.from_url(url)
    try:
        with factory() as uow:
            films = [uow.movies.add(builders.movie(f'"{n}"\n\\ é')) for n in range(150)]
            uow.commit()
        with factory(read_only=True) as uow:
            assert uow.movies.list(after=None, limit=150) == films
            assert uow.movies.list(after=films[49].id, limit=3) == films[50:53]
            assert uow.movies.list(after=films[-1].id, limit=3) == []
    finally:
        factory.dispose()


def test_two_files_list_their_own_shows_under_the_same_ids(tmp_path: Path) -> None:
    # Listed shows are kept by their rows' values (views.py): equal ids in two
    # databases must not make one database's show stand in for the other's.
    listed = []
    for seats in (10, 20):
        with sqlite_store(tmp_path / str(seats)) as factory:
            with factory() as uow:
                builders.stored_show(uow, seats=seats)
                uow.commit()
            with factory(read_only=True) as uow:
                listed.append(uow.shows.list(ShowQuery(), after=None, limit=10))
    assert [[show.capacity for show in page] for page in listed] == [[10], [20]]
    assert listed[0][0].id == listed[1][0].id


def test_seated_shows_are_listed_without_being_kept(factory: SqlAlchemyUnitOfWorkFactory) -> None:
    # A seat map's text can run to hundreds of kilobytes and every booking makes a new version
    # of its row: listing seated shows must not fill the process's caches with them.
    plan = SeatMap.build([("A", 3)])
    with factory() as uow:
        owner = uow.users.add(builders.user("owner@example.com", Role.OWNER))
        ada = uow.users.add(builders.user("ada@example.com"))
        film = uow.movies.add(builders.movie())
        seated = uow.shows.add(attrs.evolve(builders.show(film.id, owner.id, 3), seat_map=plan))
        uow.commit()
    kept = _interned_show.cache_info().currsize, encoding.kept_shows()

    for _ in range(3):
        with factory(read_only=True) as uow:
            assert uow.shows.list(ShowQuery(), after=None, limit=10) == [seated]
        assert (
            orjson.loads(encoding.show(shapes.Show.of(seated)))["available_seats"]
            == seated.available_seats
        )
        seated = seated.reserve(1)
        with factory() as uow:
            booking_id = uow.bookings.next_id()
            inventory = uow.inventories.lock(seated.id)
            assert inventory is not None
            uow.bookings.add(inventory.book(booking_id, ada.id, SeatRequest(1), START))
            uow.inventories.save(inventory)
            uow.commit()
        assert inventory.show == seated

    assert (
        _interned_show.cache_info().currsize,
        encoding.kept_shows(),
    ) == kept
