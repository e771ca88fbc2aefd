"""The booking state machine over every adapter: memory in depth, SQL with fewer steps.

Each run of the machine gets a fresh store (a new SQLite file or PostgreSQL schema); without
BOXOFFICE_TEST_POSTGRES_URL the PostgreSQL leg skips itself.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from boxoffice.adapters.memory import InMemoryUnitOfWorkFactory
from boxoffice.domain.ports import UnitOfWorkFactory
from tests.databases import postgres_store, sqlite_store
from tests.property.booking_machine import booking_machine


@contextlib.contextmanager
def memory_store() -> Iterator[UnitOfWorkFactory]:
    yield InMemoryUnitOfWorkFactory()


def _settings(examples: int, steps: int) -> settings:
    return settings(
        max_examples=examples,
        stateful_step_count=steps,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )


TestInMemory = booking_machine(memory_store).TestCase
TestInMemory.settings = _settings(150, 40)

TestOnSqlite = booking_machine(sqlite_store).TestCase
TestOnSqlite.settings = _settings(20, 25)

TestOnPostgres = pytest.mark.postgres(booking_machine(postgres_store).TestCase)
TestOnPostgres.settings = _settings(15, 25)
