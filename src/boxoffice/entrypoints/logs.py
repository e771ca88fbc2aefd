"""Service logging: boxoffice's loggers (access lines included) to stderr, written in batches."""

from __future__ import annotations

import collections
import contextlib
import logging
import os
import sys
import threading
import time
import weakref
from typing import TextIO

# The longest a line waits in memory before it is written while lines keep coming; an idle
# log writes the next line at once. A process killed outright (SIGKILL, OOM) loses at most this
# much of its log; one that exits writes everything first.
FLUSH_SECONDS = 0.1

# Lines waiting beyond this many are written by the thread that logs: a stderr that cannot keep
# up slows the service down rather than filling its memory.
MAX_PENDING_LINES = 10_000

# How soon the writer notices that the program is exiting, and writes what is left.
EXIT_CHECK_SECONDS = 0.1

_FORMAT = "[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s"


def configure_service_logging() -> None:
    logger = logging.getLogger("boxoffice")
    if not logger.handlers:
        handler = BatchedStreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(_FORMAT))
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)


class BatchedStreamHandler(logging.Handler):
    """Formats each record in the thread that logs it; one thread of its own writes them, many
    lines to a write(2).

    Why not logging.StreamHandler: every write releases the GIL, and a request thread that
    wrote its access line then waits behind the other threads to get it back, holding its
    bulkhead slot: a line per request cost 11-19 % of the service's throughput
    (bench/README.md). nginx buffers its access log for the same reason (access_log buffer=).
    """

    def __init__(self, stream: TextIO, flush_seconds: float = FLUSH_SECONDS) -> None:
        super().__init__()
        self._stream = stream
        self._flush_seconds = flush_seconds
        # deque: appends and pops are atomic, so logging threads never wait for the writer.
        self._lines: collections.deque[str] = collections.deque()
        self._pending = threading.Event()
        self._write_lock = threading.Lock()
        self._writing = False
        self._writer_gone = False
        _batched_handlers.add(self)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
        except Exception:  # logging's contract: a bad record must not break the caller
            self.handleError(record)
            return
        self._lines.append(line)
        if self._writer_gone or len(self._lines) > MAX_PENDING_LINES:
            # The program is exiting and its writer is done, or it cannot keep up.
            self.flush()
            return
        if not self._writing:
            self._start_writer()
        if not self._pending.is_set():
            self._pending.set()

    def flush(self) -> None:
        with self._write_lock:
            self._write_pending()

    def _write_pending(self) -> None:
        """With the write lock held."""
        lines = []
        with contextlib.suppress(IndexError):
            while True:
                lines.append(self._lines.popleft())
        if lines:
            lines.append("")
            self._stream.write("\n".join(lines))
            self._stream.flush()

    def _start_writer(self) -> None:
        with self._write_lock:
            if self._writing:
                return
            self._writing = True
        # Not a daemon, even when started by one (granian's request threads are): at exit the
        # interpreter waits for it to write the last lines. Atexit hooks would not do: a
        # multiprocessing worker (granian's) leaves through os._exit.
        writer = threading.Thread(
            target=self._write_while_the_program_runs, name="log-writer", daemon=False
        )
        try:
            writer.start()
        except RuntimeError:  # the interpreter is shutting down: no new threads
            self._writer_gone = True
            self.flush()

    def _write_while_the_program_runs(self) -> None:
        program = threading.main_thread()
        while program.is_alive():
            if self._pending.wait(EXIT_CHECK_SECONDS):
                self._pending.clear()
                self._write_quietly()
                # Lines logged meanwhile wait, to go out together.
                window_ends = time.monotonic() + self._flush_seconds
                while program.is_alive() and (left := window_ends - time.monotonic()) > 0:
                    time.sleep(min(left, EXIT_CHECK_SECONDS))
        # From here on whoever logs writes; this thread writes what is left and ends.
        self._writer_gone = True
        self._write_quietly()

    def _write_quietly(self) -> None:
        # A closed or full stderr loses these lines, not the writer.
        with contextlib.suppress(OSError, ValueError):
            self.flush()

    def _forget_the_parents_writer(self) -> None:
        # The parent writes what it had logged; the child starts its own writer when it logs.
        self._lines.clear()
        self._pending = threading.Event()
        self._write_lock = threading.Lock()
        self._writing = False
        self._writer_gone = False


_batched_handlers: weakref.WeakSet[BatchedStreamHandler] = weakref.WeakSet()


_held_for_fork: list[BatchedStreamHandler] = []


def _before_fork() -> None:
    # Written out, and the writers kept out of the stream until the fork is over: a child
    # forked mid-write would inherit the stream's buffer half written, or its lock held.
    for handler in list(_batched_handlers):
        handler._write_lock.acquire()
        _held_for_fork.append(handler)
        with contextlib.suppress(OSError, ValueError):
            handler._write_pending()


def _after_fork_in_parent() -> None:
    while _held_for_fork:
        _held_for_fork.pop()._write_lock.release()


def _after_fork_in_child() -> None:
    _held_for_fork.clear()
    for handler in list(_batched_handlers):
        handler._forget_the_parents_writer()


# A child inherits its parent's unwritten lines but not the thread that writes them.
os.register_at_fork(
    before=_before_fork,
    after_in_parent=_after_fork_in_parent,
    after_in_child=_after_fork_in_child,
)
