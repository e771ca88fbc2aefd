"""End-to-end: `boxoffice serve --workers 4` over a SQLite file and over PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.server import Server

DATABASES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """None for SQLite: the service's own default, a file in its data directory.

    PostgreSQL gets an empty schema, so the server's start-up migration is what creates it.
    """
    if request.param == "sqlite":
        yield None
        return
    from tests.databases import postgres_database, require_postgres_url

    with postgres_database(require_postgres_url(), migrate=False) as url:
        yield url


@pytest.fixture
def server_factory(tmp_path: Path, database_url: str | None) -> Iterator[Callable[..., Server]]:
    started: list[Server] = []

    def start(**options: Any) -> Server:
        options.setdefault("workers", 4)
        server = Server(data_dir=tmp_path / "data", database_url=database_url, **options)
        server.data_dir.mkdir(exist_ok=True)
        started.append(server.start())
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def server(server_factory: Callable[..., Server]) -> Server:
    return server_factory()
