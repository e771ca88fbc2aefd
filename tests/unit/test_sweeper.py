"""The waiting-list sweeper: one holder of the lease at a time, failures survived, a clean stop."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from boxoffice.adapters.memory import InMemoryUnitOfWorkFactory
from boxoffice.bootstrap import build
from boxoffice.config import Settings
from boxoffice.domain.errors import StorageUnavailable
from boxoffice.domain.model import HoldStatus, WaitlistStatus
from boxoffice.domain.service import Boxoffice
from boxoffice.entrypoints.sweeper import LEASE_TICKS, Sweeper, holder_name
from tests.fakes import FakeClock, FakePasswordHasher, FakeTokenService

INTERVAL = 0.05


@pytest.fixture(params=["memory", "sqlite"])
def shared(
    request: pytest.FixtureRequest, tmp_path: Path, clock: FakeClock
) -> tuple[Boxoffice, Boxoffice]:
    """Two workers' Boxoffices over one database, on one fake clock."""
    if request.param == "memory":
        uow = InMemoryUnitOfWorkFactory()
        first, second = (
            Boxoffice.from_ports(
                uow=uow, hasher=FakePasswordHasher(), tokens=FakeTokenService(), clock=clock
            )
            for _ in range(2)
        )
        return first, second
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'shared.db'}", bcrypt_rounds=4)
    return build(settings, clock=clock), build(settings, clock=clock, migrate=False)


class Recording:
    """A Boxoffice's sweeping calls, passed on and counted by holder."""

    def __init__(self, boxoffice: Boxoffice, settled: Counter[str], holder: str) -> None:
        self._boxoffice = boxoffice
        self._settled = settled
        self._holder = holder
        self._lock = threading.Lock()

    def take_lease(self, name: str, holder: str, *, seconds: float) -> bool:
        return self._boxoffice.take_lease(name, holder, seconds=seconds)

    def settle_due(self, now: datetime | None = None) -> int:
        with self._lock:
            self._settled[self._holder] += 1
        return self._boxoffice.settle_due(now)


def test_one_sweeper_holds_the_lease_until_it_lapses(
    shared: tuple[Boxoffice, Boxoffice], clock: FakeClock
) -> None:
    first = Sweeper(shared[0], interval=1, holder="host:1:a")
    second = Sweeper(shared[1], interval=1, holder="host:2:b")

    assert first.tick() is True
    assert second.tick() is False
    clock.advance(seconds=LEASE_TICKS - 1)
    assert first.tick() is True  # renewed: its lease runs LEASE_TICKS from now
    clock.advance(seconds=LEASE_TICKS - 1)
    assert second.tick() is False
    clock.advance(seconds=2)  # the holder missed its ticks: the lease lapsed
    assert second.tick() is True
    assert first.tick() is False


def test_running_sweepers_sharing_a_database_settle_through_one_holder(
    tmp_path: Path,
) -> None:
    # The real clock: leases lapse as they would in the service.
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'shared.db'}", bcrypt_rounds=4)
    settled: Counter[str] = Counter()
    sweepers = [
        Sweeper(
            Recording(build(settings, migrate=index > 0), settled, f"worker-{index}"),
            interval=INTERVAL,
            holder=f"worker-{index}",
        )
        for index in range(2)
    ]
    for sweeper in sweepers:
        sweeper.start()
    time.sleep(30 * INTERVAL)
    for sweeper in sweepers:
        sweeper.stop()

    assert len(settled) == 1, settled
    assert sum(settled.values()) >= 10
    assert not any(sweeper.running for sweeper in sweepers)


class Failing:
    """A database that is down until told otherwise."""

    def __init__(self) -> None:
        self.down = True
        self.settled = 0

    def take_lease(self, name: str, holder: str, *, seconds: float) -> bool:
        if self.down:
            raise StorageUnavailable("connection refused")
        return True

    def settle_due(self, now: datetime | None = None) -> int:
        self.settled += 1
        return 0


def test_a_stopped_sweeper_calls_nothing_more() -> None:
    database = Failing()
    database.down = False
    sweeper = Sweeper(database, interval=INTERVAL)
    sweeper.start()
    time.sleep(5 * INTERVAL)

    started = time.monotonic()
    sweeper.stop()
    stopped_after = time.monotonic() - started
    calls = database.settled
    time.sleep(5 * INTERVAL)

    assert calls > 0
    assert database.settled == calls
    assert not sweeper.running
    assert stopped_after < 1.0
    sweeper.stop()  # again: nothing to do


def test_a_database_error_is_logged_once_and_the_next_tick_retries(
    caplog: pytest.LogCaptureFixture,
) -> None:
    database = Failing()
    sweeper = Sweeper(database, interval=INTERVAL)
    caplog.set_level(logging.INFO, logger="boxoffice.sweeper")

    assert sweeper.tick() is False
    assert sweeper.tick() is False
    database.down = False
    assert sweeper.tick() is True

    assert database.settled == 1
    (failure,) = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert "connection refused" in failure.getMessage()
    assert not failure.exc_info
    assert "waitlist sweep works again" in caplog.text


def test_an_unexpected_error_is_logged_with_its_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class Broken(Failing):
        def take_lease(self, name: str, holder: str, *, seconds: float) -> bool:
            raise RuntimeError("a bug")

    sweeper = Sweeper(Broken(), interval=INTERVAL)

    assert sweeper.tick() is False

    (failure,) = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert failure.exc_info
    assert "a bug" in caplog.text


def test_a_running_sweeper_outlives_database_errors() -> None:
    database = Failing()
    sweeper = Sweeper(database, interval=INTERVAL)
    sweeper.start()
    time.sleep(4 * INTERVAL)
    assert sweeper.running

    database.down = False
    deadline = time.monotonic() + 5
    while database.settled == 0 and time.monotonic() < deadline:
        time.sleep(INTERVAL)
    sweeper.stop()

    assert database.settled > 0


def test_holders_are_unique_per_start() -> None:
    assert holder_name() != holder_name()
    assert holder_name().count(":") == 2


def test_an_interval_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        Sweeper(Failing(), interval=0)


def test_serve_starts_a_sweeper_per_worker_unless_turned_off() -> None:
    from boxoffice.entrypoints.server import start_sweeper

    database = Failing()
    database.down = False

    assert start_sweeper(Settings(waitlist_sweep_seconds=0), database) is None
    sweeper = start_sweeper(Settings(waitlist_sweep_seconds=1), database)
    assert sweeper is not None
    try:
        assert sweeper.running
        assert any(thread.name == "waitlist-sweeper" for thread in threading.enumerate())
    finally:
        sweeper.stop()


def test_a_sweep_passes_a_lapsed_offer_to_the_next_entry(
    shared: tuple[Boxoffice, Boxoffice], clock: FakeClock
) -> None:
    app = shared[0]
    actors = {}
    for name, role in [("owner", "owner"), ("buyer", "user"), ("ada", "user"), ("bob", "user")]:
        email = f"{name}@example.com"
        app.sign_up(name=name, email=email, password="correct horse", role=role)
        actors[name] = app.actor_for(email=email, password="correct horse")
    movie = app.add_movie(actors["owner"], title="Alien", genre="sci-fi", duration=117)
    show = app.add_show(
        actors["owner"],
        movie_id=movie.id,
        timing=clock.now() + timedelta(days=1),
        available_seats=1,
    )
    booking = app.book_seats(actors["buyer"], show_id=show.id, num_seats=1)
    ada = app.join_waitlist(actors["ada"], show.id, num_seats=1)
    bob = app.join_waitlist(actors["bob"], show.id, num_seats=1)
    app.cancel_booking(actors["buyer"], booking.id)
    assert app.get_waitlist_entry(actors["ada"], ada.id).status is WaitlistStatus.OFFERED
    clock.advance(seconds=app.limits.waitlist_offer_seconds + 1)

    # The other worker's sweeper, as in the service.
    assert Sweeper(shared[1], interval=1).tick() is True

    assert app.get_waitlist_entry(actors["ada"], ada.id).status is WaitlistStatus.EXPIRED
    passed = app.get_waitlist_entry(actors["bob"], bob.id)
    assert passed.status is WaitlistStatus.OFFERED
    assert app.get_hold(actors["bob"], passed.hold_id or 0).status is HoldStatus.ACTIVE
