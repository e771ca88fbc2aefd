"""Fixtures shared by every layer of tests."""

from __future__ import annotations

import os

import pytest

from boxoffice.adapters.memory import InMemoryUnitOfWorkFactory
from boxoffice.domain.ports import Events, UnitOfWorkFactory
from boxoffice.domain.service import Boxoffice
from tests.fakes import FakeClock, FakePasswordHasher, FakeTokenService

# Real bcrypt in tests, at the cheapest cost it allows.
os.environ.setdefault("BOXOFFICE_BCRYPT_ROUNDS", "4")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def hasher() -> FakePasswordHasher:
    return FakePasswordHasher()


@pytest.fixture
def tokens() -> FakeTokenService:
    return FakeTokenService()


@pytest.fixture
def memory_uow() -> InMemoryUnitOfWorkFactory:
    return InMemoryUnitOfWorkFactory()


@pytest.fixture
def events() -> Events | None:
    """What the core tells of its committed changes: nobody, unless a test module says."""
    return None


@pytest.fixture
def app(
    memory_uow: UnitOfWorkFactory,
    hasher: FakePasswordHasher,
    tokens: FakeTokenService,
    clock: FakeClock,
    events: Events | None,
) -> Boxoffice:
    """The whole booking core over in-memory storage and fakes."""
    return Boxoffice.from_ports(
        uow=memory_uow, hasher=hasher, tokens=tokens, clock=clock, events=events
    )
