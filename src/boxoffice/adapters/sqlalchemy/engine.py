"""Engines for SQLite and PostgreSQL, configured once so every transaction is safe and cheap.

SQLite: WAL (readers never block the writer), synchronous=FULL by default (an acknowledged commit
survives a power cut; units of work get it by syncing the WAL themselves, wal_sync.py), foreign
keys enforced, and a busy timeout so writers queue instead of failing with "database is locked".
pysqlite's own transaction control is switched off: units of work issue BEGIN IMMEDIATE for
writes (the write lock up front) and a deferred BEGIN for reads.

PostgreSQL: READ COMMITTED with row locks (SELECT ... FOR UPDATE) and synchronous_commit left on.
"""

from __future__ import annotations

import contextlib
import functools
import sqlite3
from pathlib import Path
from typing import Any

import sqlalchemy
from sqlalchemy import Connection, Engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from boxoffice.directories import writable_directory
from boxoffice.errors import ConfigurationError

# FULL: durable. NORMAL: faster commits; in WAL mode a power cut (not a crash of the process)
# may lose the last commits, never corrupt the file. Only an explicit setting chooses NORMAL.
SQLITE_SYNCHRONOUS_MODES = ("full", "normal")

BUSY_TIMEOUT_SECONDS = 30
CONNECT_TIMEOUT_SECONDS = 10


def checked_url(text: str) -> URL:
    """The URL as SQLAlchemy will use it; ConfigurationError if boxoffice cannot store there."""
    try:
        url = make_url(text)
    except ArgumentError as error:
        raise ConfigurationError(f"not a database URL: {text!r}") from error
    if url.drivername == "postgresql":
        # psycopg 3 is the PostgreSQL driver boxoffice ships with.
        url = url.set(drivername="postgresql+psycopg")
    if url.drivername == "sqlite":
        if url.database in (None, "", ":memory:"):
            raise ConfigurationError(
                "an in-memory SQLite database lives per connection; use memory:// instead"
            )
        return url
    if url.drivername == "postgresql+psycopg":
        return url
    raise ConfigurationError(
        f"unsupported database URL scheme {url.drivername!r}: use sqlite:///path or "
        "postgresql+psycopg://user@host/database"
    )


def create_engine(
    text: str, *, sqlite_synchronous: str = "full", sqlite_wal_synced_by_caller: bool = False
) -> Engine:
    """One engine per database and process; it pools connections for every unit of work.

    sqlite_wal_synced_by_caller: the caller makes "full" commits durable itself, by syncing
    the WAL after each COMMIT (wal_sync.py), so the connections need not sync inside it.
    """
    url = checked_url(text)
    if url.drivername == "sqlite":
        if sqlite_synchronous not in SQLITE_SYNCHRONOUS_MODES:
            raise ConfigurationError(
                f"sqlite_synchronous must be one of {SQLITE_SYNCHRONOUS_MODES}"
            )
        in_commit = "normal" if sqlite_wal_synced_by_caller else sqlite_synchronous
        return _sqlite_engine(url, in_commit)
    return _postgres_engine(url)


@functools.cache
def sqlite_has_json() -> bool:
    """Whether this Python's SQLite has the JSON functions: built in since 3.38, an option
    before (and omitted from some builds), so asked rather than told by the version.
    """
    with contextlib.closing(sqlite3.connect(":memory:")) as probe:
        try:
            probe.execute("SELECT json_group_array(json_array(1))").fetchall()
        except sqlite3.OperationalError:
            return False
    return True


# The driver is an extra, so a plain install meets a PostgreSQL URL without it.
POSTGRES_DRIVER_MISSING = (
    "a PostgreSQL URL needs the psycopg driver: install boxoffice[postgres] "
    "(pip install 'boxoffice[postgres]')"
)


def _postgres_engine(url: URL) -> Engine:
    try:
        engine = sqlalchemy.create_engine(
            url, connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS}
        )
    except ImportError as error:
        raise ConfigurationError(POSTGRES_DRIVER_MISSING) from error

    @event.listens_for(engine, "connect")
    def configure(connection: Any, _record: Any) -> None:
        # Whatever the server's configuration says, a commit we acknowledge waits for the WAL
        # to reach disk. Committed, so the pool's rollback on check-in does not undo it.
        connection.execute("SET synchronous_commit TO on")
        # Instants then arrive as UTC datetimes, with nothing to convert per row.
        connection.execute("SET TIME ZONE 'UTC'")
        connection.commit()

    return engine


def _sqlite_engine(url: URL, synchronous: str) -> Engine:
    if not url.database:
        raise ConfigurationError("a SQLite URL needs a file: sqlite:///path/to/boxoffice.db")
    writable_directory(
        Path(url.database).expanduser().parent,
        remedy="choose another with --data-dir or --database-url",
    )
    engine = sqlalchemy.create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_SECONDS})

    @event.listens_for(engine, "connect")
    def configure(connection: sqlite3.Connection, _record: Any) -> None:
        # None: pysqlite emits no BEGIN of its own; the "begin" hook below does.
        connection.isolation_level = None
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute(f"PRAGMA synchronous = {synchronous.upper()}")
        connection.execute("PRAGMA foreign_keys = ON")

    @event.listens_for(engine, "begin")
    def begin(connection: Connection) -> None:
        # For work through SQLAlchemy's own Connection (migrations, tools); units of work begin
        # their transactions themselves.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
