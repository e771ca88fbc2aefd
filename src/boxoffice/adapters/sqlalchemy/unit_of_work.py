"""One unit of work = one connection from the pool and one transaction on it."""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path
from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from boxoffice.adapters.sqlalchemy.engine import create_engine, read_only_engine
from boxoffice.adapters.sqlalchemy.errors import translate
from boxoffice.adapters.sqlalchemy.repositories import (
    SqlAlchemyAuditLog,
    SqlAlchemyBookingRepository,
    SqlAlchemyHoldRepository,
    SqlAlchemyIdempotencyRepository,
    SqlAlchemyLoginAttemptRepository,
    SqlAlchemyMovieRepository,
    SqlAlchemyShowRepository,
    SqlAlchemyUserRepository,
)
from boxoffice.adapters.sqlalchemy.statements import Statements
from boxoffice.adapters.sqlalchemy.writer_queue import SqliteWriterQueue


class SqlAlchemyUnitOfWork:
    """A transaction: rolled back on leaving the block unless commit() was called.

    After commit() the unit of work may go on; its next statement begins a new transaction.
    """

    def __init__(self, engine: Engine, writer_queue: SqliteWriterQueue | None = None) -> None:
        self._engine = engine
        self._writer_queue = writer_queue
        self._turn = contextlib.ExitStack()
        self._connection: Connection | None = None

    def __enter__(self) -> Self:
        if self._connection is not None:
            raise RuntimeError("a unit of work cannot be entered twice")
        if self._writer_queue is not None:
            self._turn.enter_context(self._writer_queue.turn())
        try:
            self._connection = self._open()
        except BaseException:
            self._turn.close()
            raise
        statements = Statements(self._connection)
        self._users = SqlAlchemyUserRepository(statements)
        self._movies = SqlAlchemyMovieRepository(statements)
        self._shows = SqlAlchemyShowRepository(statements)
        self._bookings = SqlAlchemyBookingRepository(statements)
        self._holds = SqlAlchemyHoldRepository(statements)
        self._idempotency_keys = SqlAlchemyIdempotencyRepository(statements)
        self._login_attempts = SqlAlchemyLoginAttemptRepository(statements)
        self._audit = SqlAlchemyAuditLog(statements)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            # Closing rolls back whatever was not committed and returns the connection to the pool.
            connection.close()
        except SQLAlchemyError as error:
            # A dead connection cannot roll back, and needs not: the database discards the
            # transaction. Only report that when no other error is already on its way out.
            if exc is None:
                raise translate(error) from error
        finally:
            # Only once the transaction is over may the next writer go.
            self._turn.close()

    @property
    def users(self) -> SqlAlchemyUserRepository:
        return self._users

    @property
    def movies(self) -> SqlAlchemyMovieRepository:
        return self._movies

    @property
    def shows(self) -> SqlAlchemyShowRepository:
        return self._shows

    @property
    def bookings(self) -> SqlAlchemyBookingRepository:
        return self._bookings

    @property
    def holds(self) -> SqlAlchemyHoldRepository:
        return self._holds

    @property
    def idempotency_keys(self) -> SqlAlchemyIdempotencyRepository:
        return self._idempotency_keys

    @property
    def login_attempts(self) -> SqlAlchemyLoginAttemptRepository:
        return self._login_attempts

    @property
    def audit(self) -> SqlAlchemyAuditLog:
        return self._audit

    def commit(self) -> None:
        connection = self._active()
        try:
            connection.commit()
        except SQLAlchemyError as error:
            self._discard(connection)
            raise translate(error) from error

    def rollback(self) -> None:
        connection = self._active()
        try:
            connection.rollback()
        except SQLAlchemyError as error:
            self._discard(connection)
            raise translate(error) from error

    @staticmethod
    def _discard(connection: Connection) -> None:
        """A COMMIT or ROLLBACK that failed may leave the driver's transaction open, which
        SQLAlchemy takes for ended: back in the pool, the connection would hold SQLite's write
        lock and fail every later use. Closing it for good ends that transaction.
        """
        connection.invalidate()

    def _open(self) -> Connection:
        try:
            connection = self._engine.connect()
        except SQLAlchemyError as error:
            raise translate(error) from error
        try:
            connection.begin()
        except SQLAlchemyError as error:
            connection.close()
            raise translate(error) from error
        return connection

    def _active(self) -> Connection:
        if self._connection is None:
            raise RuntimeError("the unit of work is not open: use it in a with block")
        return self._connection


class SqlAlchemyUnitOfWorkFactory:
    """Units of work over one engine. Share it between threads; never across a fork unshared:
    a child process gets a fresh pool rather than its parent's connections.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._read_only_engine = read_only_engine(engine)
        database = engine.url.database
        self._writer_queue = (
            SqliteWriterQueue(Path(database).expanduser())
            if engine.dialect.name == "sqlite" and database
            else None
        )
        self._pid = os.getpid()
        self._fork_lock = threading.Lock()

    @classmethod
    def from_url(
        cls, database_url: str, *, sqlite_synchronous: str = "full"
    ) -> SqlAlchemyUnitOfWorkFactory:
        return cls(create_engine(database_url, sqlite_synchronous=sqlite_synchronous))

    def __call__(self, *, read_only: bool = False) -> SqlAlchemyUnitOfWork:
        if os.getpid() != self._pid:
            self._forget_parent_connections()
        if read_only:
            return SqlAlchemyUnitOfWork(self._read_only_engine)
        return SqlAlchemyUnitOfWork(self.engine, self._writer_queue)

    def dispose(self) -> None:
        """Close every pooled connection (at shutdown, or before dropping the database)."""
        self.engine.dispose()

    def _forget_parent_connections(self) -> None:
        with self._fork_lock:
            if os.getpid() != self._pid:
                # close=False: the parent still uses those connections; just stop sharing them.
                self.engine.dispose(close=False)
                self._pid = os.getpid()
