"""The adapters under contract: every test here runs once per unit-of-work factory.

The persistence issue adds the SQLite and PostgreSQL legs to `ADAPTERS`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from boxoffice.adapters.memory import InMemoryUnitOfWorkFactory
from boxoffice.domain.ports import UnitOfWorkFactory

ADAPTERS = ["memory"]


@pytest.fixture(params=ADAPTERS)
def uow_factory(request: pytest.FixtureRequest) -> Iterator[UnitOfWorkFactory]:
    if request.param == "memory":
        yield InMemoryUnitOfWorkFactory()
    else:  # pragma: no cover - the list above names every leg
        raise AssertionError(request.param)
