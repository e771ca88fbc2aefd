"""One unit of work = one connection from the pool and one transaction on it."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Engine, PoolProxiedConnection
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from boxoffice.adapters.sqlalchemy.compiled import StatementCache
from boxoffice.adapters.sqlalchemy.engine import create_engine, sqlite_has_json
from boxoffice.adapters.sqlalchemy.errors import translate
from boxoffice.adapters.sqlalchemy.repositories import (
    SqlAlchemyAuditLog,
    SqlAlchemyBookingRepository,
    SqlAlchemyCinemaRepository,
    SqlAlchemyHoldRepository,
    SqlAlchemyIdempotencyRepository,
    SqlAlchemyLeaseRepository,
    SqlAlchemyLoginAttemptRepository,
    SqlAlchemyMovieRepository,
    SqlAlchemyScreenRepository,
    SqlAlchemyShowInventoryRepository,
    SqlAlchemyShowRepository,
    SqlAlchemyTicketRepository,
    SqlAlchemyTicketTypeRepository,
    SqlAlchemyUserRepository,
    SqlAlchemyWaitlistRepository,
)
from boxoffice.adapters.sqlalchemy.statements import Statements
from boxoffice.adapters.sqlalchemy.wal_sync import WalSync
from boxoffice.adapters.sqlalchemy.webhooks import SqlAlchemyOutbox, SqlAlchemyWebhookRepository
from boxoffice.adapters.sqlalchemy.write_gate import GatePass, WriteGate
from boxoffice.adapters.sqlalchemy.writer_queue import SqliteWriterQueue
from boxoffice.domain.errors import BoxofficeError, StorageError


class SqlAlchemyUnitOfWork:
    """A transaction: rolled back on leaving the block unless commit() was called.

    After commit() the unit of work may go on; its next statement begins a new transaction.
    It works on the driver's connection, checked out of the engine's pool: SQLAlchemy compiles
    the statements and keeps the pool, and the hot path pays for nothing else (compiled.py).
    """

    def __init__(
        self,
        engine: Engine,
        cache: StatementCache,
        *,
        read_only: bool,
        writer_queue: SqliteWriterQueue | None = None,
        wal_sync: WalSync | None = None,
        write_gate: WriteGate | None = None,
    ) -> None:
        self._engine = engine
        self._cache = cache
        self._read_only = read_only
        self._writer_queue = writer_queue
        self._wal_sync = wal_sync
        self._write_gate = write_gate
        self._gate_pass: GatePass | None = None
        # This writer's turn in the queue, while it holds one.
        self._turn: contextlib.AbstractContextManager[None] | None = None
        self._connection: PoolProxiedConnection | None = None
        # Its driver connection, looked up once: every statement needs it.
        self._driver_connection: Any = None
        # The pool the connection came from: a disconnect disposes of it once.
        self._pool = engine.pool
        self._in_transaction = False
        self._statements: Statements | None = None

    def __enter__(self) -> Self:
        if self._connection is not None:
            raise RuntimeError("a unit of work cannot be entered twice")
        self._in_transaction = False
        if self._write_gate is not None:
            # First (write_gate.py): a write waits at the gate holding no connection and no turn
            # in the writers' queue, which would hold back other processes' writers. Left when
            # the block ends, past the wait for the fsync: a writer let in during that wait
            # would hold the lock while this thread wakes and finishes its unit of work.
            self._gate_pass = self._write_gate.enter(writes=not self._read_only)
        try:
            if self._wal_sync is not None:
                # After a failed fsync nothing more is written: it could not be made durable.
                self._wal_sync.refuse_writes_if_broken()
            # In the queue before taking a connection: writers waiting for their first turn
            # hold none of the pool's.
            self._queue_for_the_write_lock()
            self._connection = self._open()
            self._driver_connection = self._connection.driver_connection
            # The write lock, where there is one, is held from here to the commit.
            self._begin()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        statements = Statements(
            self._driver,
            self._cache,
            begin=self._begin,
            failed=self._failed,
            driver_error=self._engine.dialect.loaded_dbapi.Error,
            # Read-only units of work run in autocommit: nothing to defer a write to.
            defer_writes=self._engine.dialect.name == "postgresql" and not self._read_only,
        )
        self._statements = statements
        self._users = SqlAlchemyUserRepository(statements)
        self._movies = SqlAlchemyMovieRepository(statements)
        self._cinemas = SqlAlchemyCinemaRepository(statements)
        self._screens = SqlAlchemyScreenRepository(statements)
        self._ticket_types = SqlAlchemyTicketTypeRepository(statements)
        self._shows = SqlAlchemyShowRepository(statements)
        self._bookings = SqlAlchemyBookingRepository(statements)
        self._tickets = SqlAlchemyTicketRepository(statements, self._bookings)
        self._holds = SqlAlchemyHoldRepository(statements)
        self._waitlist = SqlAlchemyWaitlistRepository(statements)
        self._leases = SqlAlchemyLeaseRepository(statements, self._engine.dialect.name)
        self._inventories = SqlAlchemyShowInventoryRepository(
            statements, self._holds, self._waitlist
        )
        self._idempotency_keys = SqlAlchemyIdempotencyRepository(statements)
        self._login_attempts = SqlAlchemyLoginAttemptRepository(statements)
        self._audit = SqlAlchemyAuditLog(statements)
        self._webhooks = SqlAlchemyWebhookRepository(statements)
        self._outbox = SqlAlchemyOutbox(
            statements, look_first=self._engine.dialect.name != "postgresql"
        )
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        connection, self._connection = self._connection, None
        self._driver_connection = None
        self._in_transaction = False
        if self._statements is not None:
            # Left without commit: the deferred writes are never sent.
            self._statements.discard()
        try:
            if connection is not None:
                self._give_back(connection)
        finally:
            try:
                # Only once the transaction is over may the next writer go.
                self._next_writer_may_go()
            finally:
                # Last: the gate opens once nothing of this unit of work is left to run.
                gate_pass, self._gate_pass = self._gate_pass, None
                if gate_pass is not None:
                    gate_pass.leave()

    @property
    def statements(self) -> Statements:
        """What the repositories run their statements through."""
        if self._statements is None:
            raise RuntimeError("the unit of work is not open: use it in a with block")
        return self._statements

    @property
    def users(self) -> SqlAlchemyUserRepository:
        return self._users

    @property
    def movies(self) -> SqlAlchemyMovieRepository:
        return self._movies

    @property
    def cinemas(self) -> SqlAlchemyCinemaRepository:
        return self._cinemas

    @property
    def screens(self) -> SqlAlchemyScreenRepository:
        return self._screens

    @property
    def ticket_types(self) -> SqlAlchemyTicketTypeRepository:
        return self._ticket_types

    @property
    def tickets(self) -> SqlAlchemyTicketRepository:
        return self._tickets

    @property
    def shows(self) -> SqlAlchemyShowRepository:
        return self._shows

    @property
    def inventories(self) -> SqlAlchemyShowInventoryRepository:
        return self._inventories

    @property
    def bookings(self) -> SqlAlchemyBookingRepository:
        return self._bookings

    @property
    def holds(self) -> SqlAlchemyHoldRepository:
        return self._holds

    @property
    def waitlist(self) -> SqlAlchemyWaitlistRepository:
        return self._waitlist

    @property
    def leases(self) -> SqlAlchemyLeaseRepository:
        return self._leases

    @property
    def idempotency_keys(self) -> SqlAlchemyIdempotencyRepository:
        return self._idempotency_keys

    @property
    def login_attempts(self) -> SqlAlchemyLoginAttemptRepository:
        return self._login_attempts

    @property
    def audit(self) -> SqlAlchemyAuditLog:
        return self._audit

    @property
    def webhooks(self) -> SqlAlchemyWebhookRepository:
        return self._webhooks

    @property
    def outbox(self) -> SqlAlchemyOutbox:
        return self._outbox

    def commit(self) -> None:
        """Returns once the commit is durable."""
        began = self._in_transaction
        statements = self._statements
        if statements is not None and statements.deferred:
            self._commit_deferred(statements)
        else:
            if statements is not None:
                statements.discard()  # ids to draw, never sent: the transaction ends
            self._end(self._engine.dialect.do_commit, "COMMIT")
        if self._wal_sync is not None and began:
            # After the lock is released: writers that commit meanwhile share the next fsync.
            self._wal_sync.wait_until_durable()

    def rollback(self) -> None:
        if self._statements is not None:
            self._statements.discard()
        self._end(self._engine.dialect.do_rollback, "ROLLBACK")

    def _commit_deferred(self, statements: Statements) -> None:
        """The deferred writes and the COMMIT, sent together. When one fails, the transaction
        is rolled back here, so the unit of work may go on and its connection stays usable.
        """
        connection = self._active()
        self._in_transaction = False
        roll_back: Callable[[Any], None] = self._engine.dialect.do_rollback
        try:
            statements.commit()
        except BoxofficeError:
            statements.discard()
            # None: thrown away, the database dropped it.
            if connection.dbapi_connection is not None:
                try:
                    roll_back(connection.dbapi_connection)
                except self._engine.dialect.loaded_dbapi.Error as error:
                    self._discard(connection, error)
            raise

    def _end(self, finish: Callable[[Any], None], what: str) -> None:
        connection = self._active()
        self._in_transaction = False
        if connection.dbapi_connection is None:
            raise StorageError("the unit of work lost its connection")
        try:
            finish(connection.dbapi_connection)
        except self._engine.dialect.loaded_dbapi.Error as error:
            # A COMMIT or ROLLBACK that failed may leave the driver's transaction open: back in
            # the pool, the connection would hold SQLite's write lock and fail every later use.
            # Closing it for good ends that transaction.
            self._discard(connection, error)
            wrapped = _wrapped(error, what, None)
            raise translate(wrapped) from wrapped
        finally:
            # The transaction is over, or its connection thrown away.
            self._next_writer_may_go()

    def _open(self) -> PoolProxiedConnection:
        driver_error = self._engine.dialect.loaded_dbapi.Error
        self._pool = self._engine.pool
        try:
            # The pool hands out the driver's own exceptions when it cannot connect.
            connection = self._engine.raw_connection()
        except SQLAlchemyError as error:
            raise translate(error) from error
        except driver_error as error:
            wrapped = _wrapped(error, "CONNECT", None)
            raise translate(wrapped) from wrapped
        if self._read_only and self._engine.dialect.name == "postgresql":
            # Reads run in autocommit: at READ COMMITTED a read-only transaction buys no shared
            # snapshot, only the round trips of a BEGIN and a ROLLBACK.
            # Set back before the connection returns to the pool (_give_back).
            try:
                connection.driver_connection.autocommit = True  # type: ignore[union-attr]
            except driver_error as error:
                # psycopg refuses on a connection it knows to be closed.
                self._discard(connection, error)
                connection.close()
                wrapped = _wrapped(error, "SET autocommit", None)
                raise translate(wrapped) from wrapped
        return connection

    def _give_back(self, connection: PoolProxiedConnection) -> None:
        """To the pool, which rolls back what was not committed (and swallows, logs and
        discards a connection whose ROLLBACK fails).
        """
        driver = connection.driver_connection
        if driver is not None and self._read_only and self._engine.dialect.name == "postgresql":
            try:
                driver.autocommit = False
            except self._engine.dialect.loaded_dbapi.Error as error:
                connection.invalidate(error)
        connection.close()

    def _begin(self) -> None:
        """Called before each statement; begins a transaction where none is open."""
        if self._in_transaction:
            return
        if self._engine.dialect.name == "sqlite":
            # BEGIN IMMEDIATE takes the write lock up front, so the seat count a booking reads
            # is still current when it writes; a deferred BEGIN never blocks the writer.
            sql = "BEGIN" if self._read_only else "BEGIN IMMEDIATE"
            driver = self._driver()
            self._queue_for_the_write_lock()
            try:
                driver.execute(sql)
            except self._engine.dialect.loaded_dbapi.Error as error:
                self._next_writer_may_go()
                wrapped = self._failed(error, sql, None)
                raise translate(wrapped) from wrapped
        # psycopg begins a transaction by itself on the first statement outside autocommit.
        self._in_transaction = True

    def _queue_for_the_write_lock(self) -> None:
        """Queue for SQLite's write lock in the kernel, not in its busy handler
        (writer_queue.py); a no-op where there is no queue, or while this one holds its turn.
        """
        if self._writer_queue is not None and self._turn is None:
            turn = self._writer_queue.turn()
            turn.__enter__()
            self._turn = turn

    def _next_writer_may_go(self) -> None:
        turn, self._turn = self._turn, None
        if turn is not None:
            turn.__exit__(None, None, None)

    def _driver(self) -> Any:
        """The driver's connection, for the statements of this unit of work only."""
        driver = self._driver_connection
        if driver is None:
            # Used after its block, or after its connection was thrown away.
            raise StorageError("the unit of work is closed or lost its connection")
        return driver

    def _failed(self, error: BaseException, sql: str, arguments: Any) -> SQLAlchemyError:
        """The SQLAlchemy exception for a driver's; a connection the database dropped is
        thrown away, and so are the others pooled with it.
        """
        connection = self._active()
        if self._engine.dialect.is_disconnect(error, connection.driver_connection, None):  # type: ignore[arg-type]
            self._discard(connection, error)
        return _wrapped(error, sql, arguments)

    def _discard(self, connection: PoolProxiedConnection, error: BaseException) -> None:
        """Close the connection for good. When the database dropped it, the rest of its pool
        goes too, as with SQLAlchemy's Connection: once per pool, however many threads notice.
        """
        disconnected = self._engine.dialect.is_disconnect(
            error,  # type: ignore[arg-type]
            connection.driver_connection,
            None,
        )
        self._in_transaction = False
        self._driver_connection = None
        connection.invalidate(error)
        if disconnected and self._engine.pool is self._pool:
            self._engine.dispose()

    def _active(self) -> PoolProxiedConnection:
        if self._connection is None:
            raise RuntimeError("the unit of work is not open: use it in a with block")
        return self._connection


def _wrapped(error: BaseException, sql: str, arguments: Any) -> SQLAlchemyError:
    """The driver's exception as the SQLAlchemy exception translate() understands: by the
    DB-API class it belongs to (IntegrityError, OperationalError, ...), as Connection would.
    """
    wrapped = DBAPIError.instance(sql, arguments, error, Exception)
    return wrapped if isinstance(wrapped, SQLAlchemyError) else DBAPIError(sql, arguments, error)


class SqlAlchemyUnitOfWorkFactory:
    """Units of work over one engine. Share it between threads; never across a fork unshared:
    a child process gets a fresh pool rather than its parent's connections.

    sync_sqlite_wal: the engine's SQLite connections do not sync in COMMIT (create_engine's
    sqlite_wal_synced_by_caller) and every commit() syncs the WAL before it returns (wal_sync.py).
    """

    def __init__(self, engine: Engine, *, sync_sqlite_wal: bool = False) -> None:
        self.engine = engine
        self._cache = StatementCache(
            engine.dialect,
            rows_as_json=engine.dialect.name == "sqlite" and sqlite_has_json(),
        )
        database = engine.url.database
        sqlite_file = (
            Path(database).expanduser() if engine.dialect.name == "sqlite" and database else None
        )
        self._writer_queue = None if sqlite_file is None else SqliteWriterQueue(sqlite_file)
        self._write_gate = None if sqlite_file is None else WriteGate.for_database(sqlite_file)
        self._wal_sync = WalSync(sqlite_file) if sqlite_file and sync_sqlite_wal else None
        self._pid = os.getpid()
        self._fork_lock = threading.Lock()

    @classmethod
    def from_url(
        cls, database_url: str, *, sqlite_synchronous: str = "full"
    ) -> SqlAlchemyUnitOfWorkFactory:
        # Durable commits sync the WAL after COMMIT, sharing the fsync (wal_sync.py).
        sync_wal = sqlite_synchronous == "full"
        engine = create_engine(
            database_url,
            sqlite_synchronous=sqlite_synchronous,
            sqlite_wal_synced_by_caller=sync_wal,
        )
        return cls(engine, sync_sqlite_wal=sync_wal)

    def __call__(self, *, read_only: bool = False) -> SqlAlchemyUnitOfWork:
        if os.getpid() != self._pid:
            self._forget_parent_connections()
        if read_only:
            return SqlAlchemyUnitOfWork(
                self.engine, self._cache, read_only=True, write_gate=self._write_gate
            )
        return SqlAlchemyUnitOfWork(
            self.engine,
            self._cache,
            read_only=False,
            writer_queue=self._writer_queue,
            wal_sync=self._wal_sync,
            write_gate=self._write_gate,
        )

    def dispose(self) -> None:
        """Close every pooled connection (at shutdown, or before dropping the database)."""
        if os.getpid() != self._pid:
            self._forget_parent_connections()
        self.engine.dispose()
        if self._wal_sync is not None:
            self._wal_sync.close()

    def _forget_parent_connections(self) -> None:
        with self._fork_lock:
            if os.getpid() != self._pid:
                # close=False: the parent still uses those connections; just stop sharing them.
                self.engine.dispose(close=False)
                if self._wal_sync is not None:
                    self._wal_sync = self._wal_sync.fresh()
                self._pid = os.getpid()
