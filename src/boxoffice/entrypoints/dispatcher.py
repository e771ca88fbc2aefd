"""The webhook dispatcher: delivers the outbox's events, in `boxoffice serve` (a process of its
own beside the workers, server.DispatcherProcess) or apart (`boxoffice dispatch`).

Every dispatcher ticks, and a database lease lets one at a time deliver: the holder renews it
each tick, and when its process dies another takes over once it lapses. A tick records what the
attempts since the last tick came to, all in one transaction (on SQLite every commit is an
fsync under the one write lock: a commit per attempt would double a booking load's), then hands
the deliveries due to a bounded pool of threads, a chain per webhook and show: in order, each
once the one before succeeded, stopping at the first failure. A slow endpoint holds one thread
of the pool for at most its timeout, and never a show's lock, a booking's transaction or a
request's thread. Deliveries in flight are not handed out again until recorded. While work is
due the dispatcher ticks again as soon as attempts finish; idle, every `interval`.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from types import FrameType
from typing import Protocol

from boxoffice.adapters.network import SocketResolver
from boxoffice.adapters.webhook_http import HttpWebhookSender
from boxoffice.config import Settings
from boxoffice.domain.delivery import Attempt, chains
from boxoffice.domain.errors import BoxofficeError
from boxoffice.domain.model import Delivery, Outgoing
from boxoffice.entrypoints.sweeper import holder_name

LEASE = "webhook-dispatcher"
# `boxoffice dispatch` looks this often when the setting turns the service's dispatcher off.
DEFAULT_POLL_SECONDS = 0.5
# A holder that misses this many ticks in a row loses the lease to another dispatcher.
LEASE_TICKS = 5
# The shortest lease, whatever the interval: a tick that waits on the database a moment must
# not lose it.
MIN_LEASE_SECONDS = 5.0
# Deliveries handed out and not yet recorded, at most: a tick's batch.
MAX_IN_FLIGHT = 200
# After attempts finish, how long a tick waits for more to finish: one commit records them all.
GATHER_SECONDS = 0.05

_log = logging.getLogger("boxoffice.dispatcher")

Send = Callable[[Outgoing], Attempt]


class Dispatchable(Protocol):
    """What a dispatcher calls: a Boxoffice."""

    def take_lease(self, name: str, holder: str, *, seconds: float) -> bool: ...

    def due_deliveries(self, *, limit: int = 100) -> list[Outgoing]: ...

    def record_attempts(self, attempts: Sequence[tuple[int, Attempt]]) -> list[Delivery | None]: ...


class Dispatcher:
    """Every tick: record the attempts made, take or renew the lease, and while holding it
    start the deliveries due, at most MAX_IN_FLIGHT unrecorded, on `concurrency` threads. A
    failure is logged and the next tick tries again."""

    def __init__(
        self,
        boxoffice: Dispatchable,
        send: Send,
        *,
        interval: float,
        concurrency: int = 8,
        holder: str | None = None,
        max_in_flight: int = MAX_IN_FLIGHT,
    ) -> None:
        if interval <= 0 or concurrency < 1 or max_in_flight < 1:
            raise ValueError("a dispatcher needs a positive interval and concurrency")
        self._boxoffice = boxoffice
        self._send = send
        self._interval = interval
        self._max_in_flight = max_in_flight
        self.holder = holder or holder_name()
        self._pool = ThreadPoolExecutor(concurrency, thread_name_prefix="webhook-delivery")
        self._lock = threading.Lock()
        # Handed out and not yet recorded; of them, those attempted, and those a failure
        # before them in their chain left unattempted.
        self._in_flight: set[int] = set()
        self._attempted: list[tuple[int, Attempt]] = []
        self._skipped: list[int] = []
        self._chains_running = 0
        self._finished = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._failing = False
        # When the lease held is next renewed (time.monotonic()); 0: not held.
        self._renew_at = 0.0

    @property
    def lease_seconds(self) -> float:
        return max(LEASE_TICKS * self._interval, MIN_LEASE_SECONDS)

    def tick(self) -> int:
        """One round: how many deliveries it handed out. Never raises."""
        try:
            self._record()
            if not self._holds_lease():
                return 0
            with self._lock:
                room = self._max_in_flight - len(self._in_flight)
                busy = set(self._in_flight)
            if room <= 0:
                return 0
            due = self._boxoffice.due_deliveries(limit=min(room + len(busy), 1000))
            started = 0
            for chain in chains(due, lambda outgoing: outgoing.delivery):
                # A chain whose first is in flight waits for it to be recorded.
                if chain[0].delivery.id in busy or started + len(chain) > room:
                    continue
                with self._lock:
                    self._in_flight.update(outgoing.delivery.id for outgoing in chain)
                    self._chains_running += 1
                self._pool.submit(self._deliver, chain)
                started += len(chain)
        except Exception as error:
            # Whether the lease is still held is for the next tick to find out.
            self._renew_at = 0.0
            self._failed("webhook dispatch failed, retrying every tick: %s", error)
            return 0
        self._works_again()
        return started

    def _holds_lease(self) -> bool:
        """Take or renew the lease, unless it was renewed less than half its time ago: each
        renewal is a commit, and ticks come often while work is due."""
        now = time.monotonic()
        if now < self._renew_at:
            return True
        seconds = self.lease_seconds
        if self._boxoffice.take_lease(LEASE, self.holder, seconds=seconds):
            self._renew_at = now + seconds / 2
            return True
        self._renew_at = 0.0
        return False

    def _record(self) -> None:
        """Record the attempts made since the last tick, in one transaction."""
        with self._lock:
            attempted, self._attempted = self._attempted, []
            skipped, self._skipped = self._skipped, []
        if attempted:
            try:
                self._boxoffice.record_attempts(attempted)
            except Exception:
                # Unrecorded, they are pending still, and attempted again: at least once.
                with self._lock:
                    self._in_flight.difference_update(d for d, _ in attempted)
                    self._in_flight.difference_update(skipped)
                raise
        with self._lock:
            self._in_flight.difference_update(d for d, _ in attempted)
            self._in_flight.difference_update(skipped)

    def _deliver(self, chain: list[Outgoing]) -> None:
        try:
            for n, outgoing in enumerate(chain):
                attempt = self._attempt(outgoing)
                with self._lock:
                    self._attempted.append((outgoing.delivery.id, attempt))
                if not attempt.succeeded:
                    with self._lock:
                        self._skipped.extend(later.delivery.id for later in chain[n + 1 :])
                    return
        finally:
            with self._lock:
                self._chains_running -= 1
            self._finished.set()

    def _attempt(self, outgoing: Outgoing) -> Attempt:
        delivery = outgoing.delivery
        try:
            attempt = self._send(outgoing)
        except Exception as error:
            # A bug of the sender's, not the endpoint's doing: retried like a failure.
            _log.warning("webhook delivery %d failed to send", delivery.id, exc_info=error)
            attempt = Attempt(error="internal error")
        if not attempt.succeeded:
            # The URL is the owner's; the secret and the body are never logged.
            _log.info(
                "webhook %d: delivery %d (%s) not accepted: %s",
                delivery.webhook_id,
                delivery.id,
                delivery.event_type,
                attempt.status if attempt.status is not None else attempt.error,
            )
        return attempt

    def wait_idle(self, timeout: float) -> bool:
        """Whether every chain handed out finished within `timeout` seconds; what they came to
        is then recorded."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                idle = self._chains_running == 0
            if idle:
                self._record()
                return True
            time.sleep(0.002)
        return False

    def _failed(self, message: str, error: Exception) -> None:
        # One warning a run of failures, not one a tick. A domain error says enough in its
        # message; anything else needs its traceback.
        if not self._failing:
            _log.warning(message, error, exc_info=not isinstance(error, BoxofficeError))
        self._failing = True

    def _works_again(self) -> None:
        if self._failing:
            _log.info("webhook dispatch works again")
            self._failing = False

    def start(self) -> None:
        # A daemon: a process that exits without stop() is not held up by it.
        self._thread = threading.Thread(target=self.run, name="webhook-dispatcher", daemon=True)
        self._thread.start()

    def run(self) -> None:
        """Tick until stop(): again as soon as attempts finish, else every interval. Then wait
        for the attempts in flight and record them."""
        _log.info("webhook dispatcher %s every %ss", self.holder, self._interval)
        while not self._stopping.is_set():
            self.tick()
            if self._finished.wait(self._interval) and not self._stopping.is_set():
                # Let the other chains finish too: one commit for all of them.
                self._stopping.wait(GATHER_SECONDS)
            self._finished.clear()
        self._pool.shutdown(wait=True)
        try:
            self._record()
        except Exception as error:
            self._failed("recording the last webhook deliveries failed: %s", error)
        _log.info("webhook dispatcher %s stopped", self.holder)

    def stop(self, timeout: float = 15.0) -> None:
        """Stops ticking, and waits for the attempts in flight (up to `timeout` seconds); an
        attempt cut short is attempted again. Safe to call more than once."""
        self._stopping.set()
        self._finished.set()
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()


def run_until_signalled(dispatcher: Dispatcher) -> None:
    """Run in the foreground until SIGTERM or SIGINT (`boxoffice dispatch`)."""

    def stop(signum: int, frame: FrameType | None) -> None:
        _log.info("signal %d: stopping", signum)
        dispatcher.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    dispatcher.run()


def dispatcher_for(settings: Settings, boxoffice: Dispatchable) -> Dispatcher:
    """A dispatcher delivering over HTTP as the settings say (not started)."""
    send = HttpWebhookSender(
        SocketResolver(),
        allow_private=bool(settings.webhooks_allow_private),
        timeout=settings.webhooks_timeout_seconds,
    )
    return Dispatcher(
        boxoffice,
        send,
        interval=settings.webhooks_poll_seconds or DEFAULT_POLL_SECONDS,
        concurrency=settings.webhooks_concurrency,
    )
