"""Writers of one SQLite file queue in the kernel rather than in SQLite's busy handler.

A writer that finds a SQLite database locked sleeps and retries (1, 2, 5, ... up to 100 ms), so
under contention most of a booking's latency would be that sleep, while the lock itself is held
for a small fraction of it. A blocking flock() on a file beside the database wakes the next
writer as soon as the lock is free, across threads and processes. It only orders writers: BEGIN
IMMEDIATE still takes SQLite's own lock, and a writer that does not queue here (another program,
a migration) still meets the busy timeout, so correctness never depends on this file.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import attrs


@attrs.frozen
class _ProcessState:
    pid: int
    # flock() belongs to an open file: threads sharing one must take turns on a mutex first.
    mutex: threading.Lock
    descriptor: int


class SqliteWriterQueue:
    def __init__(self, database_path: Path) -> None:
        self.path = database_path.with_name(database_path.name + ".writers")
        self._setup = threading.Lock()
        self._state: _ProcessState | None = None

    @contextlib.contextmanager
    def turn(self) -> Iterator[None]:
        state = self._current()
        with state.mutex:
            fcntl.flock(state.descriptor, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(state.descriptor, fcntl.LOCK_UN)

    def _current(self) -> _ProcessState:
        state, pid = self._state, os.getpid()
        if state is None or state.pid != pid:
            with self._setup:
                state = self._state
                # A forked child shares its parent's open file, and so its flock: it opens its own.
                if state is None or state.pid != pid:
                    flags = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC
                    state = _ProcessState(pid, threading.Lock(), os.open(self.path, flags, 0o600))
                    self._state = state
        return state
