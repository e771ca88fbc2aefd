"""The adapters under contract: every test here runs once per unit-of-work factory.

The PostgreSQL leg needs BOXOFFICE_TEST_POSTGRES_URL: without it the leg is skipped; with it set
and the server unreachable, the tests error.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from boxoffice.adapters.memory import InMemoryUnitOfWorkFactory
from boxoffice.domain.ports import UnitOfWorkFactory
from boxoffice.domain.service import Boxoffice
from tests.databases import postgres_store, require_postgres_url, sqlite_store
from tests.fakes import FakeClock, FakePasswordHasher, FakeTokenService

ADAPTERS = ["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=ADAPTERS)
def uow_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[UnitOfWorkFactory]:
    if request.param == "memory":
        yield InMemoryUnitOfWorkFactory()
    elif request.param == "sqlite":
        with sqlite_store(tmp_path) as factory:
            yield factory
    elif request.param == "postgres":
        with postgres_store(require_postgres_url()) as factory:
            yield factory
    else:  # pragma: no cover - the list above names every leg
        raise AssertionError(request.param)


@pytest.fixture
def app(
    uow_factory: UnitOfWorkFactory,
    hasher: FakePasswordHasher,
    tokens: FakeTokenService,
    clock: FakeClock,
) -> Boxoffice:
    """The whole booking core over the adapter under contract."""
    return Boxoffice.from_ports(uow=uow_factory, hasher=hasher, tokens=tokens, clock=clock)
