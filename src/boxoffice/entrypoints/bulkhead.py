"""Separate concurrency budgets for requests that wait on bcrypt and for all the others.

A log-in or sign-up holds its thread for a quarter of a second or more while bcrypt hashes
(on low-priority threads, GIL released); a booking or a listing needs the CPU for about a
millisecond. Enough threads that a storm of log-ins cannot take them all (Settings.threads)
would, left alone, let just as many listings and bookings run Python at once, and they would
spend their time handing the GIL to each other. So the others run at most `slots` at a time per
process, and the rest wait for a slot without using the CPU; log-ins and sign-ups may hold
every thread but those, and one more is answered 503 at once.

Where the database works inside the worker (SQLite), a request that writes (any method but
GET, HEAD and OPTIONS, even one refused before it reaches the database) takes every slot: no
other request but log-ins and sign-ups runs beside it in its process, from the start of the
request to its end, the wait for its commit's fsync included (writes_alone_for says why).
"""

from __future__ import annotations

import collections
import io
import threading
from collections.abc import Iterable
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from boxoffice.entrypoints.http.body import MAX_BODY_BYTES, chunked_to_its_end
from boxoffice.entrypoints.http.overload import OVERLOADED

# Requests that change nothing: these take one slot however the database works.
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# What waits on bcrypt: these never wait for a slot, and never take one.
HASHING_PATHS = frozenset({"/login", "/signup"})


def writes_alone_for(database_url: str) -> bool:
    """Whether a request that writes should run alone in its process.

    SQLite works inside the worker, and a writer holds the file's one write lock, which every
    booking of every worker queues on, across several hand-offs of the GIL: each other request
    running Python in the same process stretches that hold. Under load with 4 slots a booking
    held it 0.49-0.56 ms on average, 0.25-0.29 ms running alone (0.15-0.21 ms with no load).
    The price: reads in that worker wait while a write runs, through its wait for the other
    worker's writer and its fsync too (releasing the slots for the fsync was tried: the writers'
    Python met again and nothing was gained).
    PostgreSQL works in its own processes: there, while one request waits for a round trip,
    another runs its Python, and bookings over many shows need that (bench/README.md, seventh
    session).
    """
    return database_url.startswith("sqlite")


class Bulkhead:
    """`threads` is the server's count per process: log-ins and sign-ups may hold all of them
    but `slots`, and never fewer than one.
    """

    def __init__(
        self, app: WSGIApplication, *, threads: int, slots: int, writes_alone: bool = False
    ) -> None:
        self._app = app
        self._writes_alone = writes_alone
        self._slots = FairSlots(slots)
        self._hashing_limit = max(1, threads - slots)
        self._hashing = 0
        self._hashing_lock = threading.Lock()

    @property
    def slots(self) -> int:
        return self._slots.capacity

    @property
    def writes_alone(self) -> bool:
        return self._writes_alone

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") in HASHING_PATHS:
            return self._hash(environ, start_response)
        # A client sends its body at its own pace: wait for it here, holding a thread but no
        # slot, so a few clients that stall mid-body cannot take every slot.
        _receive_body(environ)
        alone = self._writes_alone and environ.get("REQUEST_METHOD") not in READ_METHODS
        taken = self._slots.capacity if alone else 1
        self._slots.acquire(taken)
        try:
            # The Falcon app renders the whole body before it returns.
            return self._app(environ, start_response)
        finally:
            self._slots.release(taken)

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
    """A counting semaphore that serves waiters first come, first served; a waiter may ask for
    several slots at once, and those behind it wait until it has them.

    threading.Semaphore lets a newcomer take a freed slot before the waiter it woke: under load
    some requests lost that race again and again, and bookings' p99 went from 0.1 s to 1 s.
    Here freed slots are handed straight to the longest waiters.
    """

    def __init__(self, slots: int) -> None:
        self._lock = threading.Lock()
        self._capacity = slots
        self._free = slots
        self._waiters: collections.deque[tuple[int, threading.Lock]] = collections.deque()

    @property
    def capacity(self) -> int:
        return self._capacity

    def acquire(self, count: int = 1) -> None:
        if not 0 < count <= self._capacity:
            # More than there are would wait forever, and everyone queued behind it.
            raise ValueError(f"cannot take {count} of {self._capacity} slots")
        with self._lock:
            if self._free >= count and not self._waiters:
                self._free -= count
                return
            handoff = threading.Lock()
            handoff.acquire()
            self._waiters.append((count, handoff))
        handoff.acquire()  # until release() hands this waiter its slots

    def release(self, count: int = 1) -> None:
        with self._lock:
            self._free += count
            while self._waiters and self._waiters[0][0] <= self._free:
                wanted, handoff = self._waiters.popleft()
                self._free -= wanted
                handoff.release()
