"""Real databases for the SQL adapter's own tests: SQLite files and PostgreSQL schemas."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from boxoffice.adapters.sqlalchemy import SqlAlchemyUnitOfWorkFactory
from tests.databases import postgres_database, require_postgres_url, sqlite_database

DATABASES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def _database(request: pytest.FixtureRequest, tmp_path: Path, *, migrate: bool) -> Iterator[str]:
    if request.param == "sqlite":
        with sqlite_database(tmp_path, migrate=migrate) as url:
            yield url
    else:
        with postgres_database(require_postgres_url(), migrate=migrate) as url:
            yield url


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated database."""
    yield from _database(request, tmp_path, migrate=True)


@pytest.fixture(params=DATABASES)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database nothing has touched: no file yet for SQLite, an empty schema for PostgreSQL."""
    yield from _database(request, tmp_path, migrate=False)


@pytest.fixture
def factory(database_url: str) -> Iterator[SqlAlchemyUnitOfWorkFactory]:
    factory = SqlAlchemyUnitOfWorkFactory.from_url(database_url)
    yield factory
    factory.dispose()
