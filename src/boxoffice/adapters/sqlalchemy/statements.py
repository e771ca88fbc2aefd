"""Statement execution on one driver connection, with driver exceptions translated on the way out.

Each statement runs as SQLAlchemy compiled it (compiled.py), on the driver's own cursor.

On PostgreSQL a unit of work that writes defers its writes: they wait until the next statement
that must be answered (a read, an insert that returns its id, or the COMMIT) and go to the server
with it, in one round trip (psycopg's pipeline mode). A booking holds its show's row lock from
its SELECT ... FOR UPDATE to its COMMIT, so each round trip saved is time the next booking of
that show does not wait. SQLite runs in-process: there is no round trip to save, and its writes
run at once.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import orjson
from sqlalchemy import (
    BigInteger,
    Executable,
    Integer,
    Select,
    String,
    Table,
    bindparam,
    func,
    select,
)
from sqlalchemy.exc import SQLAlchemyError

from boxoffice.adapters.sqlalchemy.compiled import CompiledStatement, StatementCache
from boxoffice.adapters.sqlalchemy.errors import translate
from boxoffice.domain.errors import StorageError

Row = Sequence[Any]
T = TypeVar("T")
# A statement as the driver takes it: its SQL and its arguments.
Sent = tuple[str, Any]

# Sequence values are never handed out twice, whether or not the transaction that drew them
# commits; the ids the table's default draws come from the same sequence.
_DRAW_IDS = select(
    func.nextval(
        func.pg_get_serial_sequence(bindparam("table", type_=String), "id"), type_=BigInteger
    )
).select_from(func.generate_series(1, bindparam("count", type_=Integer)))


def _bound(driver: Any, sql: str, arguments: Any) -> str:
    """The statement with its values written in, as psycopg quotes them for this connection."""
    # Imported here: only PostgreSQL units of work defer writes, and psycopg is optional.
    import psycopg

    return psycopg.ClientCursor(driver).mogrify(sql, arguments)


@functools.cache
def _sqlite_next_id(table: Table) -> Select[Any]:
    # SQLite numbers a row of an INTEGER PRIMARY KEY table max(id) + 1 as well.
    return select(func.coalesce(func.max(table.c.id), 0) + 1)


class Statements:
    """Runs statements in the unit of work's transaction; driver exceptions come out as typed
    errors, once `failed` has made them SQLAlchemy's and decided what becomes of a broken
    connection.

    defer_writes (PostgreSQL only): write() queues its statement, to be sent with the next one
    answered; an error of a queued write comes out of the call that sent it.
    """

    def __init__(
        self,
        connection: Callable[[], Any],
        cache: StatementCache,
        *,
        begin: Callable[[], None],
        failed: Callable[[BaseException, str, Any], SQLAlchemyError],
        driver_error: type[BaseException],
        defer_writes: bool = False,
    ) -> None:
        # The unit of work's driver connection; StorageError once it is closed or lost.
        self._connection = connection
        self._cache = cache
        self._begin = begin
        self._failed = failed
        self._driver_error = driver_error
        self._defer_writes = defer_writes
        self._postgres = cache.dialect.name == "postgresql"
        self._deferred: list[Sent] = []
        # Ids to draw with the next statement sent, and ids drawn and not yet handed out.
        self._to_draw: dict[Table, int] = {}
        self._drawn: dict[Table, list[int]] = {}
        # SQLite: the highest id next_id handed out, per table, so two calls before their
        # INSERTs do not hand out the same one.
        self._high_water: dict[Table, int] = {}

    def first(self, statement: Executable, parameters: Mapping[str, Any]) -> Row | None:
        compiled = self._cache.get(statement, parameters)
        raw = self._run(compiled, parameters, lambda cursor: cursor.fetchone())
        return None if raw is None else compiled.rows([raw])[0]

    def all(self, statement: Executable, parameters: Mapping[str, Any]) -> Sequence[Row]:
        compiled, raw = self._all_raw(statement, parameters)
        return compiled.rows(raw)

    def all_built(
        self,
        statement: Executable,
        parameters: Mapping[str, Any],
        build: Callable[[CompiledStatement, tuple[Any, ...] | str], T],
    ) -> list[T]:
        """Every row as build(compiled, row) makes it: the driver's values, unconverted, or
        on SQLite the row's JSON text, so a build that memoizes by its row skips parsing and
        converting the rows it has seen."""
        if self._cache.rows_as_json:
            compiled = self._cache.get(statement, parameters, as_texts=True)
            (text,) = self._run(compiled, parameters, lambda cursor: cursor.fetchone())
            return [] if text is None else [build(compiled, row) for row in text.split("\n")]
        compiled, raw = self._all_raw(statement, parameters)
        return [build(compiled, tuple(values)) for values in raw]

    def _all_raw(
        self, statement: Executable, parameters: Mapping[str, Any]
    ) -> tuple[CompiledStatement, Sequence[Sequence[Any]]]:
        """Every row as the driver gives it, unconverted: from a JSON page where it can be one."""
        compiled = self._cache.get(statement, parameters, as_json=self._cache.rows_as_json)
        if compiled.as_json:
            (text,) = self._run(compiled, parameters, lambda cursor: cursor.fetchone())
            return compiled, orjson.loads(text)
        return compiled, self._run(compiled, parameters, lambda cursor: cursor.fetchall())

    def insert(self, statement: Executable, parameters: Mapping[str, Any]) -> int:
        """Run an INSERT now and return the new row's id."""
        compiled = self._cache.get(statement, parameters)
        if compiled.returns_id:
            row = self._run(compiled, parameters, lambda cursor: cursor.fetchone())
            key = None if row is None else row[0]
        else:
            key = self._run(compiled, parameters, lambda cursor: cursor.lastrowid)
        if key is None:
            raise StorageError("the database assigned no id to the new row")
        return int(key)

    def write(self, statement: Executable, parameters: Mapping[str, Any]) -> None:
        """Run an INSERT, UPDATE or DELETE: now, or with the next statement sent where writes
        are deferred."""
        compiled = self._cache.get(statement, parameters)
        if not self._defer_writes:
            self._run(compiled, parameters, lambda cursor: None)
            return
        # Refused here, not at commit, once the unit of work is closed.
        self._connection()
        self._begin()
        self._deferred.append((compiled.sql, compiled.arguments(parameters)))

    def write_all(self, statement: Executable, rows: Sequence[Mapping[str, Any]]) -> None:
        """write() each of `rows`: in one executemany where writes run at once."""
        if not rows:
            return
        compiled = self._cache.get(statement, rows[0])
        if self._defer_writes:
            for parameters in rows:
                self.write(statement, parameters)
            return
        arguments = [compiled.arguments(parameters) for parameters in rows]
        self._begin()
        self._on_cursor(
            compiled.sql, arguments[0], lambda cursor: cursor.executemany(compiled.sql, arguments)
        )

    def reserve_ids(self, table: Table, count: int = 1) -> None:
        """Have `count` ids of `table` drawn with the next statement sent (PostgreSQL), so that
        the next_id calls taking them cost no round trip of their own. Ids never taken are
        skipped; SQLite draws none ahead.
        """
        if self._postgres:
            self._to_draw[table] = self._to_draw.get(table, 0) + count

    def next_id(self, table: Table) -> int:
        """The id for a new row of `table`, to be inserted with it explicitly; rows given their
        id by the table's default never get it. SQLite's is only safe in a unit of work that
        writes: it holds the database's write lock from its start.
        """
        if not self._postgres:
            # An aggregate without GROUP BY always has its row.
            (after_last,) = self.first(_sqlite_next_id(table), {}) or (1,)
            key = max(int(after_last), self._high_water.get(table, 0) + 1)
            self._high_water[table] = key
            return key
        if not self._drawn.get(table):
            if not self._deferred and not self._to_draw:
                # Nothing to send with it: a plain statement costs less than a pipeline.
                row = self.first(_DRAW_IDS, {"table": self._table_name(table), "count": 1})
                if row is None:
                    raise StorageError("the database drew no id for the new row")
                return int(row[0])
            if table not in self._to_draw:
                self.reserve_ids(table)
            self._send(None, None)
        return self._drawn[table].pop(0)

    @property
    def deferred(self) -> bool:
        """Whether writes wait to be sent."""
        return bool(self._deferred)

    def commit(self) -> None:
        """Send the deferred writes and the COMMIT in one round trip (PostgreSQL): one text of
        several statements, their values bound by psycopg on this side, which the server runs
        in order and stops at the first that fails. One query costs the client far less than a
        pipeline of them, which psycopg drives statement by statement."""
        self._to_draw.clear()
        self._begin()
        sent, self._deferred = self._deferred, []
        driver = self._connection()
        script = "; ".join([*(_bound(driver, sql, arguments) for sql, arguments in sent), "COMMIT"])
        self._on_cursor(script, None, lambda cursor: cursor.execute(script.encode(), prepare=False))

    def discard(self) -> None:
        """Forget the deferred writes and the ids to draw: the transaction ends without them."""
        self._deferred.clear()
        self._to_draw.clear()

    def _run(
        self,
        compiled: CompiledStatement,
        parameters: Mapping[str, Any],
        read: Callable[[Any], Any],
    ) -> Any:
        self._begin()
        arguments = compiled.arguments(parameters)
        if self._deferred or self._to_draw:
            return self._send((compiled.sql, arguments), read)
        # Inline, not through _on_cursor: every statement of every request passes here.
        try:
            cursor = self._connection().cursor()
            try:
                cursor.execute(compiled.sql, arguments)
                return read(cursor)
            finally:
                cursor.close()
        except self._driver_error as error:
            wrapped = self._failed(error, compiled.sql, arguments)
            raise translate(wrapped) from wrapped

    def _on_cursor(self, sql: str, arguments: Any, use: Callable[[Any], Any]) -> Any:
        """use(cursor) on a cursor of the connection, closed after; a driver error comes out
        typed, naming the statement (and its arguments) that failed."""
        try:
            cursor = self._connection().cursor()
            try:
                return use(cursor)
            finally:
                cursor.close()
        except self._driver_error as error:
            wrapped = self._failed(error, sql, arguments)
            raise translate(wrapped) from wrapped

    def _send(self, last: Sent | None, read: Callable[[Any], Any] | None) -> Any:
        """Send the deferred writes, then `last`, then the ids to draw, in one round trip
        (PostgreSQL's pipeline mode); what read() makes of last's cursor.

        The ids are drawn after `last`: where it takes the show's lock, the bookings of that
        show get their ids in the order they take it.
        """
        self._begin()
        sent = self._deferred + ([] if last is None else [last])
        tables = list(self._to_draw)
        for table in tables:
            parameters = {"table": self._table_name(table), "count": self._to_draw[table]}
            compiled = self._cache.get(_DRAW_IDS, parameters)
            sent.append((compiled.sql, compiled.arguments(parameters)))
        self._deferred, self._to_draw = [], {}
        cursors = self._pipelined(sent)
        drawing = len(cursors) - len(tables)
        try:
            for table, cursor in zip(tables, cursors[drawing:], strict=True):
                self._drawn.setdefault(table, []).extend(row[0] for row in cursor.fetchall())
            return None if last is None or read is None else read(cursors[drawing - 1])
        finally:
            for cursor in cursors:
                cursor.close()

    def _pipelined(self, sent: list[Sent]) -> list[Any]:
        """Each statement's cursor, executed in one pipeline: one Sync, so one round trip. A
        failed statement's error is raised for it; the ones after it did not run.
        """
        cursors: list[Any] = []
        failure: BaseException | None = None
        try:
            driver = self._connection()
            with driver.pipeline():
                for sql, arguments in sent:
                    cursor = driver.cursor()
                    cursors.append(cursor)
                    try:
                        # Results are read after the pipeline's Sync: a fetch inside it would
                        # cost a round trip of its own. The COMMIT is never worth preparing.
                        cursor.execute(sql, arguments, prepare=False if arguments is None else None)
                    except self._driver_error as error:
                        # An error the server sent early: what follows would not run anyway.
                        failure = error
                        break
        except self._driver_error as error:
            # Leaving the pipeline reports the statements skipped after the failed one.
            failure = failure or error
        if failure is not None:
            # The first statement without a result is the one that failed.
            failed = next(
                (sent[n] for n, cursor in enumerate(cursors) if cursor.pgresult is None),
                sent[-1],
            )
            for cursor in cursors:
                cursor.close()
            wrapped = self._failed(failure, *failed)
            raise translate(wrapped) from wrapped
        return cursors

    def _table_name(self, table: Table) -> str:
        return self._cache.dialect.identifier_preparer.format_table(table)
