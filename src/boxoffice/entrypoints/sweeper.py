"""The waiting-list sweeper of `boxoffice serve`: offers that lapse pass to the next entry
within about a second, even when nobody touches the show.

Correctness needs no sweeper (the next change to a show settles it, and readers never see a
lapsed offer as live); promptness does. Every worker runs one, and a database lease lets one
at a time sweep: the holder renews it each tick, and when its worker dies another takes it
over once it lapses, after five ticks.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from datetime import datetime
from typing import Protocol

from boxoffice.domain.errors import BoxofficeError

LEASE = "waitlist-sweeper"
# A holder that misses this many ticks in a row loses the lease to another worker.
LEASE_TICKS = 5

_log = logging.getLogger("boxoffice.sweeper")


def holder_name() -> str:
    """Unique to this process and this start: a restarted worker on a reused pid is another."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


class Sweepable(Protocol):
    """What a sweeper calls: a Boxoffice."""

    def take_lease(self, name: str, holder: str, *, seconds: float) -> bool: ...

    def settle_due(self, now: datetime | None = None) -> int: ...


class Sweeper:
    """Every `interval` seconds: take or renew the lease, and while holding it settle the
    shows whose offers are due. A failure is logged and the next tick tries again."""

    def __init__(self, boxoffice: Sweepable, *, interval: float, holder: str | None = None) -> None:
        if interval <= 0:
            raise ValueError("a sweeper needs a positive interval")
        self._boxoffice = boxoffice
        self._interval = interval
        self.holder = holder or holder_name()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        # Whether the last tick failed: one warning a run of failures, not one a tick.
        self._failing = False

    def tick(self) -> bool:
        """One round; whether this sweeper holds the lease. Never raises."""
        try:
            held = self._boxoffice.take_lease(
                LEASE, self.holder, seconds=LEASE_TICKS * self._interval
            )
            if held:
                self._boxoffice.settle_due()
        except Exception as error:
            # Whatever went wrong (most likely the database), the worker keeps serving. A
            # domain error says enough in its message; anything else needs its traceback.
            if not self._failing:
                _log.warning(
                    "waitlist sweep failed, retrying every tick: %s",
                    error,
                    exc_info=not isinstance(error, BoxofficeError),
                )
            self._failing = True
            return False
        if self._failing:
            _log.info("waitlist sweep works again")
            self._failing = False
        return held

    def start(self) -> None:
        # A daemon: a worker that exits without stop() is not held up by it.
        self._thread = threading.Thread(target=self._run, name="waitlist-sweeper", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Finishes the tick in progress, if any, and stops. Safe to call more than once."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        _log.info("waitlist sweeper %s every %ss", self.holder, self._interval)
        while not self._stopping.is_set():
            self.tick()
            self._stopping.wait(self._interval)
        _log.info("waitlist sweeper %s stopped", self.holder)
