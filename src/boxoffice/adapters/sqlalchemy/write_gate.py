"""In each process, a SQLite file's units of work that write run alone.

SQLite works inside the process, and a writer holds the file's one write lock, which every
writer of every process queues for (writer_queue.py), across several hand-offs of the GIL: any
other thread of the holder's process running Python stretches that hold. So a unit of work
that writes passes this gate alone, and units of work that only read pass it together: a write
waits for the reads in flight to end, and whatever comes after it waits for it. First come,
first served, so a stream of reads cannot starve a write. The price: a process's reads wait
while one of its writes runs, its wait for other processes' writers and for its fsync included.

It only orders this process's units of work: SQLite's own lock keeps the data correct with or
without it. PostgreSQL works in its own processes and has no gate: there, while one request
waits for a round trip, another runs its Python.
"""

from __future__ import annotations

import collections
import os
import threading
from pathlib import Path

# One gate per database file per process, whichever factory opens it, so that one thread's
# units of work on the file meet in one gate however they were made.
_GATES: dict[str, WriteGate] = {}


class WriteGate:
    """A forked child gets a fresh gate: its parent's may be held by threads it does not have."""

    def __init__(self) -> None:
        self._setup = threading.Lock()
        self._gate: _Gate | None = None

    @classmethod
    def for_database(cls, database_path: Path) -> WriteGate:
        # SQLite follows a symbolic link to the database: the file is its target.
        return _GATES.setdefault(os.path.realpath(database_path), cls())

    def enter(self, *, writes: bool) -> GatePass:
        """Returns once this thread may go; RuntimeError for a second writer in one thread."""
        gate = self._current()
        gate.enter(writes)
        return GatePass(gate, writes)

    def waiting(self) -> int:
        """How many units of work of this process wait at the gate now."""
        return self._current().waiting()

    def _current(self) -> _Gate:
        gate, pid = self._gate, os.getpid()
        if gate is None or gate.pid != pid:
            with self._setup:
                gate = self._gate
                if gate is None or gate.pid != pid:
                    gate = self._gate = _Gate(pid)
        return gate


class GatePass:
    """Held from enter() to leave(); leaving twice, or in a forked child, does nothing."""

    def __init__(self, gate: _Gate, writes: bool) -> None:
        self._gate: _Gate | None = gate
        self._writes = writes

    def leave(self) -> None:
        gate, self._gate = self._gate, None
        if gate is not None and gate.pid == os.getpid():
            gate.leave(self._writes)


class _Holds(threading.local):
    """What this thread has passed: read units of work open, and whether a writing one is."""

    reads = 0
    writing = False


class _Gate:
    """Shared for reads, exclusive for writes, first come first served. A thread's own units
    of work never wait for each other: a read inside its write, or a second read, goes in at
    once; a write opened while the thread reads steps its reads aside (below).
    """

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self._lock = threading.Lock()
        self._readers = 0  # threads inside with reads only
        self._writing = False
        self._waiters: collections.deque[tuple[bool, threading.Lock]] = collections.deque()
        self._holds = _Holds()

    def enter(self, writes: bool) -> None:
        holds = self._holds
        if writes and holds.writing:
            # Its writer queue turn and SQLite's write lock are the first one's: it would wait
            # for itself forever.
            raise RuntimeError(
                "this thread already has a unit of work that writes open on this database"
            )
        if writes:
            if holds.reads:
                # Its reads wait for nothing while it waits: counted as readers, they would
                # hold back its own write, and two threads doing this would wait for each other.
                self._release(exclusive=False)
            self._acquire(exclusive=True)
            holds.writing = True
            return
        if not holds.reads and not holds.writing:
            self._acquire(exclusive=False)
        holds.reads += 1

    def leave(self, writes: bool) -> None:
        holds = self._holds
        if writes:
            holds.writing = False
            # Reads still open in this thread stay inside, ahead of whoever waits.
            self._release(exclusive=True, then_shared=holds.reads > 0)
            return
        holds.reads -= 1
        if not holds.reads and not holds.writing:
            self._release(exclusive=False)

    def waiting(self) -> int:
        with self._lock:
            return len(self._waiters)

    def _acquire(self, *, exclusive: bool) -> None:
        with self._lock:
            if not self._waiters and not self._writing and not (exclusive and self._readers):
                self._take(exclusive)
                return
            handoff = threading.Lock()
            handoff.acquire()
            self._waiters.append((exclusive, handoff))
        handoff.acquire()  # until _admit() lets this waiter in

    def _release(self, *, exclusive: bool, then_shared: bool = False) -> None:
        with self._lock:
            if exclusive:
                self._writing = False
            else:
                self._readers -= 1
            if then_shared:
                self._readers += 1
            self._admit()

    def _take(self, exclusive: bool) -> None:
        if exclusive:
            self._writing = True
        else:
            self._readers += 1

    def _admit(self) -> None:
        """Lets in the longest waiters: the reads at the head of the queue together, or the
        write at its head once no one is inside. Called with the lock held.
        """
        while self._waiters and not self._writing:
            exclusive, handoff = self._waiters[0]
            if exclusive and self._readers:
                return
            self._waiters.popleft()
            self._take(exclusive)
            handoff.release()
