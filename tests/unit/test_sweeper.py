"""The waiting-list sweeper: one holder of the lease at a time, failures survived, a clean stop."""

from __future__ import annotations

import logging
import time
from datetime import datetime

import pytest

from boxoffice.domain.errors import StorageUnavailable
from boxoffice.entrypoints.sweeper import Sweeper, holder_name

INTERVAL = 0.05


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
    failures = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(failures) == 1
    assert "connection refused" in caplog.text
    assert "waitlist sweep works again" in caplog.text


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
