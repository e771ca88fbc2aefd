"""The webhook dispatcher: delivers the outbox's events, in `boxoffice serve` (a thread in each
worker) or apart (`boxoffice dispatch`).

Every dispatcher ticks, and a database lease lets one at a time deliver: the holder renews it
each tick, and when its process dies another takes over once it lapses. Each tick hands the
deliveries due to a bounded pool of threads, one attempt each, and records each outcome: a
slow endpoint holds one thread of the pool for at most its timeout, and never a show's lock,
a booking's transaction or a request's thread. A delivery still in flight is not handed out
again; the next one of its webhook and show waits for it (delivery.deliverable).
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from types import FrameType
from typing import Protocol

from boxoffice.adapters.network import SocketResolver
from boxoffice.adapters.webhook_http import HttpWebhookSender
from boxoffice.config import Settings
from boxoffice.domain.delivery import Attempt
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

_log = logging.getLogger("boxoffice.dispatcher")

Send = Callable[[Outgoing], Attempt]


class Dispatchable(Protocol):
    """What a dispatcher calls: a Boxoffice."""

    def take_lease(self, name: str, holder: str, *, seconds: float) -> bool: ...

    def due_deliveries(self, *, limit: int = 100) -> list[Outgoing]: ...

    def record_attempt(
        self, delivery_id: int, *, status: int | None = None, error: str | None = None
    ) -> Delivery | None: ...


class Dispatcher:
    """Every `interval` seconds: take or renew the lease, and while holding it start an attempt
    of each delivery due, at most `concurrency` in flight. A failure is logged and the next
    tick tries again."""

    def __init__(
        self,
        boxoffice: Dispatchable,
        send: Send,
        *,
        interval: float,
        concurrency: int = 8,
        holder: str | None = None,
    ) -> None:
        if interval <= 0 or concurrency < 1:
            raise ValueError("a dispatcher needs a positive interval and concurrency")
        self._boxoffice = boxoffice
        self._send = send
        self._interval = interval
        self._concurrency = concurrency
        self.holder = holder or holder_name()
        self._pool = ThreadPoolExecutor(concurrency, thread_name_prefix="webhook-delivery")
        self._in_flight: set[int] = set()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._failing = False

    @property
    def lease_seconds(self) -> float:
        return max(LEASE_TICKS * self._interval, MIN_LEASE_SECONDS)

    def tick(self) -> int:
        """One round: how many attempts it started. Never raises."""
        try:
            if not self._boxoffice.take_lease(LEASE, self.holder, seconds=self.lease_seconds):
                return 0
            with self._lock:
                room = self._concurrency - len(self._in_flight)
                busy = set(self._in_flight)
            if room <= 0:
                return 0
            due = self._boxoffice.due_deliveries(limit=room + len(busy))
            started = 0
            for outgoing in due:
                delivery_id = outgoing.delivery.id
                if delivery_id in busy or started >= room:
                    continue
                with self._lock:
                    self._in_flight.add(delivery_id)
                self._pool.submit(self._attempt, outgoing)
                started += 1
        except Exception as error:
            self._failed("webhook dispatch failed, retrying every tick: %s", error)
            return 0
        self._works_again()
        return started

    def wait_idle(self, timeout: float) -> bool:
        """Whether every attempt started has been recorded within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if not self._in_flight:
                    return True
            time.sleep(0.002)
        return False

    def _attempt(self, outgoing: Outgoing) -> None:
        delivery = outgoing.delivery
        try:
            try:
                attempt = self._send(outgoing)
            except Exception as error:
                # A bug of the sender's, not the endpoint's doing: retried like a failure.
                _log.warning("webhook delivery %d failed to send", delivery.id, exc_info=error)
                attempt = Attempt(error="internal error")
            self._boxoffice.record_attempt(delivery.id, status=attempt.status, error=attempt.error)
            if not attempt.succeeded:
                # The URL is the owner's; the secret and the body are never logged.
                _log.info(
                    "webhook %d: delivery %d (%s) not accepted: %s",
                    delivery.webhook_id,
                    delivery.id,
                    delivery.event_type,
                    attempt.status if attempt.status is not None else attempt.error,
                )
        except Exception as error:
            # Unrecorded: it is still pending, and is attempted again.
            self._failed("recording a webhook delivery failed: %s", error)
        finally:
            with self._lock:
                self._in_flight.discard(delivery.id)

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
        """Tick until stop(); then wait for the attempts in flight."""
        _log.info("webhook dispatcher %s every %ss", self.holder, self._interval)
        while not self._stopping.is_set():
            self.tick()
            self._stopping.wait(self._interval)
        self._pool.shutdown(wait=True)
        _log.info("webhook dispatcher %s stopped", self.holder)

    def stop(self, timeout: float = 15.0) -> None:
        """Stops ticking, and waits for the attempts in flight (up to `timeout` seconds);
        an attempt cut short is attempted again. Safe to call more than once."""
        self._stopping.set()
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
