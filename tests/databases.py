"""Fresh, migrated databases for any test: SQLite files and isolated PostgreSQL schemas.

Each context manager yields a URL or a unit-of-work factory nobody else uses, and cleans up on
exit, so tests run in any order and in parallel. The PostgreSQL helpers need
BOXOFFICE_TEST_POSTGRES_URL (for example postgresql+psycopg://postgres@127.0.0.1:5432/test);
`require_postgres_url()` skips the test without it, and a set but unreachable URL errors.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import os
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import sqlalchemy
from sqlalchemy.engine import make_url

if TYPE_CHECKING:
    from boxoffice.adapters.sqlalchemy import SqlAlchemyUnitOfWorkFactory

# The SQL adapter is imported where a database is made, not here: a suite that runs only
# its in-memory legs (-k memory) collects while the adapter is mid-change on another branch.

POSTGRES_URL_VARIABLE = "BOXOFFICE_TEST_POSTGRES_URL"
EXAMPLE_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgres_url() -> str | None:
    return os.environ.get(POSTGRES_URL_VARIABLE) or None


def require_postgres_url() -> str:
    url = postgres_url()
    if url is None:
        pytest.skip(f"PostgreSQL leg: set {POSTGRES_URL_VARIABLE}, e.g. {EXAMPLE_POSTGRES_URL}")
    return url


@contextlib.contextmanager
def sqlite_database(directory: Path | None = None, *, migrate: bool = True) -> Iterator[str]:
    """The URL of a new SQLite file in directory (a temporary one when None), migrated unless
    migrate is False (then the file does not exist yet).
    """
    with contextlib.ExitStack() as stack:
        if directory is None:
            directory = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        url = f"sqlite:///{directory / f'boxoffice-{secrets.token_hex(4)}.db'}"
        if migrate:
            from boxoffice.adapters.sqlalchemy.migrations import upgrade

            upgrade(url)
        yield url


@contextlib.contextmanager
def postgres_database(base_url: str | None = None, *, migrate: bool = True) -> Iterator[str]:
    """The URL of a new schema in the test database, migrated unless migrate is False; the
    schema is dropped on exit.

    The schema is the URL's search_path, so unqualified names (and alembic_version) live there.
    """
    base = make_url(base_url or require_postgres_url())
    schema = f"test_{secrets.token_hex(6)}"
    admin = _admin_engine(base.render_as_string(hide_password=False))
    with admin.connect() as connection:
        _install_btree_gist(connection)
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = base.update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        rendered = url.render_as_string(hide_password=False)
        if migrate:
            from boxoffice.adapters.sqlalchemy.migrations import upgrade

            upgrade(rendered)
        yield rendered
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')


def _install_btree_gist(connection: sqlalchemy.Connection) -> None:
    """Install the extension migration 0006 needs in public, once for the whole database.

    Otherwise the first schema to migrate would own it, and dropping that schema would drop it
    and every other schema's exclusion constraint with it.
    """
    # IntegrityError: another test process installed it at the same moment.
    with contextlib.suppress(sqlalchemy.exc.IntegrityError):
        connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS btree_gist SCHEMA public")


@functools.cache
def _admin_engine(url: str) -> sqlalchemy.Engine:
    """One small pool per test process for creating and dropping schemas."""
    return sqlalchemy.create_engine(url, isolation_level="AUTOCOMMIT", pool_size=1)


@contextlib.contextmanager
def sqlite_store(directory: Path | None = None) -> Iterator[SqlAlchemyUnitOfWorkFactory]:
    """A unit-of-work factory over a new SQLite file."""
    with sqlite_database(directory) as url:
        from boxoffice.adapters.sqlalchemy import SqlAlchemyUnitOfWorkFactory

        factory = SqlAlchemyUnitOfWorkFactory.from_url(url)
        try:
            yield factory
        finally:
            factory.dispose()


@contextlib.contextmanager
def postgres_store(base_url: str | None = None) -> Iterator[SqlAlchemyUnitOfWorkFactory]:
    """A unit-of-work factory over a new PostgreSQL schema."""
    with postgres_database(base_url) as url:
        from boxoffice.adapters.sqlalchemy import SqlAlchemyUnitOfWorkFactory

        factory = SqlAlchemyUnitOfWorkFactory.from_url(url)
        try:
            yield factory
        finally:
            # Before the schema is dropped: an open connection would hold its tables.
            factory.dispose()


def empty(factory: SqlAlchemyUnitOfWorkFactory) -> None:
    """Delete every row and restart ids: one database can then serve many examples quickly."""
    with factory.engine.begin() as connection:
        if factory.engine.dialect.name == "postgresql":
            connection.exec_driver_sql(
                "TRUNCATE audit_events, holds, bookings, shows, screens, cinemas, movies, users"
                " RESTART IDENTITY CASCADE"
            )
        else:
            # Without AUTOINCREMENT, SQLite numbers an empty table's rows from 1 again.
            for table in (
                "audit_events",
                "holds",
                "bookings",
                "shows",
                "screens",
                "cinemas",
                "movies",
                "users",
            ):
                connection.exec_driver_sql(f"DELETE FROM {table}")


def sqlite_writers_queue_is_free(url: str) -> bool:
    """Whether another process could take the SQLite writers' queue now (writer_queue.py's file
    lock, probed through a separate open file)."""
    from boxoffice.adapters.sqlalchemy.writer_queue import SqliteWriterQueue

    lock_file = SqliteWriterQueue(Path(url.removeprefix("sqlite:///"))).path
    with lock_file.open("a") as probe:
        try:
            fcntl.flock(probe.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(probe.fileno(), fcntl.LOCK_UN)
        return True
