"""Statement execution on one driver connection, with driver exceptions translated on the way out.

Each statement runs as SQLAlchemy compiled it (compiled.py), on the driver's own cursor.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import orjson
from sqlalchemy import Executable, Select, Table, func, select
from sqlalchemy.exc import SQLAlchemyError

from boxoffice.adapters.sqlalchemy.compiled import CompiledStatement, StatementCache
from boxoffice.adapters.sqlalchemy.errors import translate
from boxoffice.domain.errors import StorageError

Row = Sequence[Any]
_NEXT_ID_PG: dict[str, Select[Any]] = {}
_NEXT_ID_SQLITE: dict[str, Select[Any]] = {}
T = TypeVar("T")


class Statements:
    """Runs statements in the unit of work's transaction; driver exceptions come out as typed
    errors, once `failed` has made them SQLAlchemy's and decided what becomes of a broken
    connection.
    """

    def __init__(
        self,
        connection: Callable[[], Any],
        cache: StatementCache,
        *,
        begin: Callable[[], None],
        failed: Callable[[BaseException, str, Any], SQLAlchemyError],
        driver_error: type[BaseException],
    ) -> None:
        # The unit of work's driver connection; StorageError once it is closed or lost.
        self._connection = connection
        self._cache = cache
        self._begin = begin
        self._failed = failed
        self._driver_error = driver_error

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
        build: Callable[[CompiledStatement, tuple[Any, ...]], T],
    ) -> list[T]:
        """Every row as build(compiled, the driver's values) makes it: unconverted, so a build
        that memoizes by its arguments skips converting the rows it has seen too."""
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
        """Run an INSERT and return the new row's id."""
        compiled = self._cache.get(statement, parameters)
        if compiled.returns_id:
            row = self._run(compiled, parameters, lambda cursor: cursor.fetchone())
            key = None if row is None else row[0]
        else:
            key = self._run(compiled, parameters, lambda cursor: cursor.lastrowid)
        if key is None:
            raise StorageError("the database assigned no id to the new row")
        return int(key)

    def next_id(self, table: Table) -> int:
        """The id a new row of `table` inserted with it explicitly will carry."""
        if self._cache.dialect.name == "postgresql":
            statement = _NEXT_ID_PG.get(table.name)
            if statement is None:
                sequence = func.pg_get_serial_sequence(table.name, "id")
                statement = _NEXT_ID_PG[table.name] = select(func.nextval(sequence))
        else:
            # A SQLite writer holds the database's write lock from its BEGIN IMMEDIATE.
            statement = _NEXT_ID_SQLITE.get(table.name)
            if statement is None:
                statement = _NEXT_ID_SQLITE[table.name] = select(
                    func.coalesce(func.max(table.c.id), 0) + 1
                )
        row = self.first(statement, {})
        if row is None:
            raise StorageError("the database gave no id for the new row")
        return int(row[0])

    def write(self, statement: Executable, parameters: Mapping[str, Any]) -> None:
        compiled = self._cache.get(statement, parameters)
        self._run(compiled, parameters, lambda cursor: None)

    def _run(
        self,
        compiled: CompiledStatement,
        parameters: Mapping[str, Any],
        read: Callable[[Any], Any],
    ) -> Any:
        self._begin()
        arguments = compiled.arguments(parameters)
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
