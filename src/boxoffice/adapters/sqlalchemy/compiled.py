"""Core statements compiled once per dialect, ready to hand to the driver's cursor.

SQLAlchemy still writes every statement's SQL and converts every value (its types' bind and
result processors, so UtcDateTime behaves as it always did). What is skipped is the per-call
execution machinery of Connection.execute, which costs several times what the driver itself
does per statement on SQLite (docs/design.md has the A/B that keeps this layer).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import attrs
from sqlalchemy import Dialect, Executable, func, select
from sqlalchemy.sql.compiler import SQLCompiler

Processor = Callable[[Any], Any]


# eq=False: hashed by identity, cheaply, as the key of rows built from it (repositories.py).
@attrs.frozen(eq=False)
class CompiledStatement:
    sql: str
    # Positional drivers (SQLite's qmark) take a tuple in this order; named ones take a dict.
    positional: bool
    # The parameters' names in the SQL, in order.
    names: tuple[str, ...]
    # One value per parameter: set for values written into the statement itself, such as
    # status == "active"; the caller's values go where `supplied` says.
    template: tuple[Any, ...]
    supplied: tuple[tuple[int, str], ...]  # (position, the caller's key)
    bind_processors: tuple[tuple[int, Processor], ...]
    # The result columns whose driver values need converting, by position.
    converted: tuple[tuple[int, Processor], ...]
    returns_id: bool
    # The rows come as one JSON text in the first column of one row.
    as_json: bool = False
    # The rows come as one text, a JSON array a row, one row a line.
    as_texts: bool = False
    # The caller's keys in the parameters' order, where the caller supplies every value (most
    # statements): then the values are taken in one pass.
    keys: tuple[str, ...] | None = None

    def arguments(self, parameters: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
        if self.keys is not None:
            if self.positional and not self.bind_processors:
                return tuple(map(parameters.__getitem__, self.keys))
            values = list(map(parameters.__getitem__, self.keys))
        else:
            values = list(self.template)
            for index, key in self.supplied:
                values[index] = parameters[key]
        for index, process in self.bind_processors:
            if values[index] is not None:
                values[index] = process(values[index])
        return tuple(values) if self.positional else dict(zip(self.names, values, strict=True))

    def rows(self, raw: Sequence[Sequence[Any]]) -> Sequence[Sequence[Any]]:
        """The driver's rows, with the columns that need it converted."""
        if not self.converted:
            return raw
        if not self.as_json:
            return [self.row(values) for values in raw]
        # Lists (a JSON page's) are converted in place.
        for index, process in self.converted:
            for values in raw:
                value = values[index]
                if value is not None:
                    values[index] = process(value)  # type: ignore[index]
        return raw

    def row(self, raw: Sequence[Any]) -> list[Any]:
        """One driver row, converted into a new list."""
        values = list(raw)
        for index, process in self.converted:
            if values[index] is not None:
                values[index] = process(values[index])
        return values


class StatementCache:
    """Compiled statements of one dialect, by statement and by the set of parameter keys (an
    INSERT or UPDATE names its columns by the keys it is given)."""

    def __init__(self, dialect: Dialect, *, rows_as_json: bool = False) -> None:
        self.dialect = dialect
        # Whether multi-row reads come back as one JSON text (_as_json_rows).
        self.rows_as_json = rows_as_json
        self._compiled: dict[
            tuple[int, tuple[str, ...], bool, bool], tuple[Executable, CompiledStatement]
        ] = {}
        self._lock = threading.Lock()

    def get(
        self,
        statement: Executable,
        parameters: Mapping[str, Any],
        *,
        as_json: bool = False,
        as_texts: bool = False,
    ) -> CompiledStatement:
        # The keys in the caller's order, cheaper than a set: a call site passes them in one
        # order, and another order only compiles the statement once more.
        key = (id(statement), tuple(parameters), as_json, as_texts)
        found = self._compiled.get(key)
        # The statement is kept in the entry, so its id cannot be reused while cached.
        if found is not None and found[0] is statement:
            return found[1]
        compiled = compile_statement(
            statement, self.dialect, frozenset(parameters), as_json=as_json, as_texts=as_texts
        )
        with self._lock:
            self._compiled[key] = (statement, compiled)
        return compiled


def compile_statement(
    statement: Executable,
    dialect: Dialect,
    keys: frozenset[str],
    *,
    as_json: bool = False,
    as_texts: bool = False,
) -> CompiledStatement:
    """as_json: a SELECT whose rows come back as one JSON array of arrays; as_texts: as one
    text of a JSON array a line (SQLite only, both)."""
    run = statement
    if as_json:
        run = _as_json_rows(statement)
    elif as_texts:
        run = _as_row_texts(statement)
    compiled = run.compile(dialect=dialect, column_keys=sorted(keys))  # type: ignore[attr-defined]
    if not isinstance(compiled, SQLCompiler):
        raise TypeError(f"not a SQL statement: {statement!r}")
    by_name = {name: bind for bind, name in compiled.bind_names.items()}
    if any(bind.expanding for bind in by_name.values()):
        # Their SQL depends on the length of the list: not compiled once.
        raise ValueError("expanding parameters are not supported")
    names = tuple(compiled.positiontup if compiled.positiontup is not None else by_name)
    binds = [by_name[name] for name in names]
    missing = sorted(bind.key for bind in binds if bind.required and bind.key not in keys)
    if missing:
        # Connection.execute refuses these too; NULL would match nothing, silently.
        raise ValueError(f"no value for the parameters {missing}")
    writes = compiled.isinsert or compiled.isupdate or compiled.isdelete
    columns = () if writes else statement.selected_columns  # type: ignore[attr-defined]
    return CompiledStatement(
        sql=compiled.string,
        positional=compiled.positiontup is not None,
        names=names,
        template=tuple(None if bind.key in keys else bind.effective_value for bind in binds),
        supplied=tuple((index, bind.key) for index, bind in enumerate(binds) if bind.key in keys),
        keys=tuple(bind.key for bind in binds) if all(bind.key in keys for bind in binds) else None,
        bind_processors=_present(
            bind.type.dialect_impl(dialect).bind_processor(dialect) for bind in binds
        ),
        converted=_present(
            column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns
        ),
        # PostgreSQL's INSERTs return the new id; SQLite's leave it in the cursor's lastrowid.
        returns_id=bool(compiled.isinsert and compiled.effective_returning),
        as_json=as_json,
        as_texts=as_texts,
    )


def _as_json_rows(statement: Executable) -> Executable:
    """The same rows, in the same order, as one JSON value built inside SQLite.

    sqlite3 releases the GIL around every step, so reading 100 rows is 100 hand-offs of the
    GIL, and threads reading pages at once spend their time handing it to each other; one
    step a page avoids that (docs/benchmarks.md has the figures). SQLite does not flatten a
    subquery that has an ORDER BY or a LIMIT into an aggregate query (rules 13 and 16 of its
    query flattener): it runs it as a co-routine and the aggregate takes its rows in that
    order. The contract tests check the order of every page, and a schema test sees the
    co-routine in each plan.
    """
    rows = statement.subquery()  # type: ignore[attr-defined]
    return select(func.json_group_array(func.json_array(*rows.c))).select_from(rows)


def _as_row_texts(statement: Executable) -> Executable:
    """The same rows, in the same order, as one text built inside SQLite: each row a JSON
    array on a line of its own (JSON text holds no raw newline). Read as _as_json_rows is, for
    the same reasons; a reader that has met a row's text before need not parse it again."""
    rows = statement.subquery()  # type: ignore[attr-defined]
    return select(func.group_concat(func.json_array(*rows.c), "\n")).select_from(rows)


def _present(processors: Iterable[Processor | None]) -> tuple[tuple[int, Processor], ...]:
    return tuple((index, process) for index, process in enumerate(processors) if process)
