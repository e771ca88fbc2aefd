"""Statement execution on one connection, with driver exceptions translated on the way out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Executable, Row
from sqlalchemy.exc import SQLAlchemyError

from boxoffice.adapters.sqlalchemy.errors import translate
from boxoffice.domain.errors import StorageError


class Statements:
    """Runs statements on one connection; driver exceptions come out as typed errors."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def first(self, statement: Executable, parameters: Mapping[str, Any]) -> Row[Any] | None:
        try:
            return self._connection.execute(statement, parameters).first()
        except SQLAlchemyError as error:
            raise translate(error) from error

    def all(self, statement: Executable, parameters: Mapping[str, Any]) -> Sequence[Row[Any]]:
        try:
            return self._connection.execute(statement, parameters).all()
        except SQLAlchemyError as error:
            raise translate(error) from error

    def insert(self, statement: Executable, parameters: Mapping[str, Any]) -> int:
        """Run an INSERT and return the new row's id."""
        try:
            key = self._connection.execute(statement, parameters).inserted_primary_key
        except SQLAlchemyError as error:
            raise translate(error) from error
        if key is None:
            raise StorageError("the database assigned no id to the new row")
        return int(key[0])

    def write(self, statement: Executable, parameters: Mapping[str, Any]) -> None:
        try:
            self._connection.execute(statement, parameters)
        except SQLAlchemyError as error:
            raise translate(error) from error
