"""No driver exception leaves the adapter: each becomes a domain error or a StorageError."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest
import sqlalchemy
import sqlalchemy.exc
from sqlalchemy import text
from sqlalchemy.pool import NullPool

from boxoffice.adapters.sqlalchemy import (
    SqlAlchemyUnitOfWorkFactory,
    StorageError,
    StorageUnavailable,
)
from boxoffice.adapters.sqlalchemy import engine as sqlalchemy_engine
from boxoffice.domain.service import Boxoffice
from tests.contract import builders
from tests.databases import postgres_database, require_postgres_url, sqlite_database
from tests.fakes import FakeClock, FakePasswordHasher, FakeTokenService

UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:1/test"


def service(factory: SqlAlchemyUnitOfWorkFactory) -> Boxoffice:
    return Boxoffice.from_ports(
        uow=factory, hasher=FakePasswordHasher(), tokens=FakeTokenService(), clock=FakeClock()
    )


@pytest.fixture
def unmigrated(tmp_path: Path) -> Iterator[SqlAlchemyUnitOfWorkFactory]:
    with sqlite_database(tmp_path, migrate=False) as url:
        factory = SqlAlchemyUnitOfWorkFactory.from_url(url)
        yield factory
        factory.dispose()


def test_an_unreachable_server_is_storage_unavailable() -> None:
    factory = SqlAlchemyUnitOfWorkFactory.from_url(UNREACHABLE)
    with pytest.raises(StorageUnavailable, match="unavailable") as raised:
        service(factory).get_movie(1)
    assert isinstance(raised.value.__cause__, sqlalchemy.exc.OperationalError)
    assert "SQL:" not in raised.value.message


def test_an_unmigrated_sqlite_file_is_a_storage_error(
    unmigrated: SqlAlchemyUnitOfWorkFactory,
) -> None:
    with pytest.raises(StorageError, match="no such table"):
        service(unmigrated).list_movies()


@pytest.mark.postgres
def test_an_unmigrated_postgresql_schema_is_a_storage_error() -> None:
    with postgres_database(require_postgres_url(), migrate=False) as url:
        factory = SqlAlchemyUnitOfWorkFactory.from_url(url)
        with pytest.raises(StorageError, match="does not exist"):
            service(factory).list_movies()
        factory.dispose()


def test_a_lock_held_past_the_busy_timeout_is_storage_unavailable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlalchemy_engine, "BUSY_TIMEOUT_SECONDS", 0.05)
    with sqlite_database(tmp_path) as url:
        factory = SqlAlchemyUnitOfWorkFactory.from_url(url)
        holder = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        with pytest.raises(StorageUnavailable, match="locked"):
            service(factory).sign_up(name="Ada", email="ada@example.com", password="password")
        holder.execute("ROLLBACK")
        holder.close()
        service(factory).sign_up(name="Ada", email="ada@example.com", password="password")
        factory.dispose()


@pytest.mark.postgres
def test_a_connection_the_server_dropped_fails_once_then_the_pool_recovers() -> None:
    with postgres_database(require_postgres_url()) as url:
        factory = SqlAlchemyUnitOfWorkFactory.from_url(url)
        app = service(factory)
        # The pool holds one connection now; the next unit of work gets it back.
        with factory.engine.connect() as pooled:
            pid = pooled.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        admin = sqlalchemy.create_engine(url, poolclass=NullPool)
        with admin.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        admin.dispose()
        with pytest.raises(StorageUnavailable):
            app.list_movies()
        assert list(app.list_movies()) == []
        factory.dispose()


def test_a_row_the_schema_refuses_is_a_storage_error(
    factory: SqlAlchemyUnitOfWorkFactory,
) -> None:
    with factory() as uow:
        owner, show = builders.stored_show(uow)

        def add_and_commit() -> None:
            # Where writes are deferred (PostgreSQL), the refusal comes with the commit.
            uow.bookings.add(attrs.evolve(builders.booking(owner.id, show.id), num_seats=0))
            uow.commit()

        with pytest.raises(StorageError, match="refused") as raised:
            add_and_commit()
    assert isinstance(raised.value.__cause__, sqlalchemy.exc.IntegrityError)


def test_a_failed_commit_stores_nothing_and_leaves_no_open_transaction_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A COMMIT that fails (a disk error) leaves the driver's transaction open; a connection
    # returned to the pool like that would hold SQLite's write lock and fail every later use.
    with sqlite_database(tmp_path) as url:
        factory = SqlAlchemyUnitOfWorkFactory.from_url(url)
        try:

            def broken_commit(_connection: object) -> None:
                raise sqlite3.OperationalError("disk I/O error")

            monkeypatch.setattr(factory.engine.dialect, "do_commit", broken_commit)
            with factory() as uow:
                uow.movies.add(builders.movie("Lost"))
                with pytest.raises(StorageError):
                    uow.commit()
            monkeypatch.undo()
            with factory() as uow:
                uow.movies.add(builders.movie("Afterwards"))
                uow.commit()
            with factory(read_only=True) as uow:
                titles = [m.title for m in uow.movies.list(after=None, limit=10)]
            assert titles == ["Afterwards"]
        finally:
            factory.dispose()


def test_a_unit_of_work_used_after_its_block_refuses_and_stores_nothing(
    factory: SqlAlchemyUnitOfWorkFactory,
) -> None:
    # Its connection is back in the pool, perhaps in another thread's transaction by now.
    with factory() as uow:
        pass
    with pytest.raises(StorageError, match="closed"):
        uow.movies.add(builders.movie("Too late"))
    with pytest.raises(StorageError, match="closed"):
        uow.movies.list(after=None, limit=10)
    with factory(read_only=True) as reader:
        assert reader.movies.list(after=None, limit=10) == []
