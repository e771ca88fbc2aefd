"""Separate concurrency budgets for requests that wait on password hashing and for the others.

A log-in or sign-up holds its thread while bcrypt hashes (on low-priority threads, GIL
released), hundreds of times longer than a booking or a listing needs the CPU. Enough threads
that a storm of log-ins cannot take them all (Settings.threads) would, left alone, let just as
many listings and bookings run Python at once, and they would spend their time handing the GIL
to each other. So the others run at most `slots` at a time per
process, and the rest wait for a slot without using the CPU; the requests that hash may hold
every thread but those, and one more is answered 503 at once.

Only HTTP lives here: how a database's writes share a process is its unit of work's business
(on SQLite, adapters/sqlalchemy/write_gate.py).
"""

from __future__ import annotations

import collections
import io
import threading
from collections.abc import Iterable
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from boxoffice.entrypoints.http.body import MAX_BODY_BYTES, chunked_to_its_end
from boxoffice.entrypoints.http.overload import OVERLOADED


class Bulkhead:
    """`threads` is the server's count per process: requests to `hashing_paths` (those that wait
    on password hashing) may hold all of them but `slots`, and never fewer than one; they never
    wait for a slot, and never take one.
    """

    def __init__(
        self, app: WSGIApplication, *, threads: int, slots: int, hashing_paths: frozenset[str]
    ) -> None:
        self._app = app
        self._hashing_paths = hashing_paths
        self._slots = FairSlots(slots)
        self._hashing_limit = max(1, threads - slots)
        self._hashing = 0
        self._hashing_lock = threading.Lock()

    @property
    def slots(self) -> int:
        return self._slots.capacity

    @property
    def hashing_paths(self) -> frozenset[str]:
        return self._hashing_paths

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        # A preflight (OPTIONS) hashes nothing: it waits for a slot like any quick request.
        if (
            environ.get("PATH_INFO") in self._hashing_paths
            and environ.get("REQUEST_METHOD") != "OPTIONS"
        ):
            return self._hash(environ, start_response)
        # A client sends its body at its own pace: wait for it here, holding a thread but no
        # slot, so a few clients that stall mid-body cannot take every slot.
        _receive_body(environ)
        self._slots.acquire()
        try:
            # The Falcon app renders the whole body before it returns.
            return self._app(environ, start_response)
        finally:
            self._slots.release()

    def _hash(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        with self._hashing_lock:
            admitted = self._hashing < self._hashing_limit
            if admitted:
                self._hashing += 1
        if not admitted:
            # One too many: the app answers it 503 at once (http/overload.py) instead of
            # letting it hold a thread the other requests need while bcrypt hashes.
            environ[OVERLOADED] = True
            return self._app(environ, start_response)
        try:
            return self._app(environ, start_response)
        finally:
            with self._hashing_lock:
                self._hashing -= 1


def _receive_body(environ: WSGIEnvironment) -> None:
    """Read the body into memory, as far as http/body.py would read it."""
    try:
        declared = int(environ.get("CONTENT_LENGTH") or -1)
    except ValueError:
        return  # refused unread as a bad header
    if 0 < declared <= MAX_BODY_BYTES:
        size = declared
    elif chunked_to_its_end(environ):
        size = MAX_BODY_BYTES + 1  # to its end, one byte past the limit at most
    else:
        return  # no body, or one too large: refused unread
    environ["wsgi.input"] = io.BytesIO(environ["wsgi.input"].read(size))


class FairSlots:
    """A counting semaphore that serves waiters first come, first served.

    threading.Semaphore lets a newcomer take a freed slot before the waiter it woke, so under
    load a request can lose that race again and again and wait far longer than the others.
    Here a freed slot is handed straight to the longest waiter.
    """

    def __init__(self, slots: int) -> None:
        self._lock = threading.Lock()
        self._capacity = slots
        self._free = slots
        self._waiters: collections.deque[threading.Lock] = collections.deque()

    @property
    def capacity(self) -> int:
        return self._capacity

    def acquire(self) -> None:
        with self._lock:
            if self._free and not self._waiters:
                self._free -= 1
                return
            handoff = threading.Lock()
            handoff.acquire()
            self._waiters.append(handoff)
        handoff.acquire()  # until release() hands this waiter its slot

    def release(self) -> None:
        with self._lock:
            if self._waiters:
                self._waiters.popleft().release()
            else:
                self._free += 1
