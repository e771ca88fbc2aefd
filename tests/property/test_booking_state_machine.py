"""The booking state machine over every adapter (SQL legs join with the persistence issue)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from hypothesis import HealthCheck, settings

from boxoffice.adapters.memory import InMemoryUnitOfWorkFactory
from boxoffice.domain.ports import UnitOfWorkFactory
from tests.property.booking_machine import booking_machine


@contextlib.contextmanager
def memory_store() -> Iterator[UnitOfWorkFactory]:
    yield InMemoryUnitOfWorkFactory()


TestInMemory = booking_machine(memory_store).TestCase
TestInMemory.settings = settings(
    max_examples=150,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
