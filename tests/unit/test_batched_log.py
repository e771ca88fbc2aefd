"""The service's log handler: lines formatted by the caller, written in batches by a thread of
its own, none lost or repeated across threads, forks and exit (entrypoints/logs.py)."""

from __future__ import annotations

import io
import logging
import multiprocessing
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from boxoffice.entrypoints import logs
from boxoffice.entrypoints.logs import BatchedStreamHandler

WAITING = 5.0


class CountingStream(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        return super().write(text)


def eventually(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAITING
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@pytest.fixture
def logger() -> Iterator[logging.Logger]:
    logger = logging.getLogger(f"boxoffice.test_batched_log.{time.monotonic_ns()}")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    yield logger
    for handler in logger.handlers:
        logger.removeHandler(handler)


def test_lines_from_many_threads_arrive_whole_once_each_in_few_writes(
    logger: logging.Logger,
) -> None:
    stream = CountingStream()
    logger.addHandler(BatchedStreamHandler(stream))

    def log(thread: int) -> None:
        for number in range(500):
            logger.info("thread %d line %d", thread, number)

    threads = [threading.Thread(target=log, args=(t,)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    eventually(lambda: stream.getvalue().count("\n") == 4000)

    lines = stream.getvalue().splitlines()
    for thread in range(8):
        mine = [line for line in lines if line.startswith(f"thread {thread} ")]
        assert mine == [f"thread {thread} line {n}" for n in range(500)]
    assert stream.writes <= 4000 / 4


def test_an_idle_log_writes_a_line_at_once(logger: logging.Logger) -> None:
    stream = CountingStream()
    logger.addHandler(BatchedStreamHandler(stream, flush_seconds=60))

    logger.info("first")
    eventually(lambda: stream.getvalue() == "first\n")


class BlockedStream(io.StringIO):
    """A stderr that cannot keep up: each write waits until it is let through."""

    def __init__(self) -> None:
        super().__init__()
        self.through = threading.Event()

    def write(self, text: str) -> int:
        assert self.through.wait(WAITING)
        return super().write(text)


def test_when_the_stream_cannot_keep_up_the_caller_waits_instead_of_piling_up_lines(
    logger: logging.Logger, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(logs, "MAX_PENDING_LINES", 10)
    stream = BlockedStream()
    logger.addHandler(BatchedStreamHandler(stream))

    def log() -> None:
        for number in range(20):
            logger.info("line %d", number)

    caller = threading.Thread(target=log)
    caller.start()
    caller.join(0.5)
    assert caller.is_alive()  # waiting on the stream, with at most 11 lines pending

    stream.through.set()
    caller.join(WAITING)
    eventually(lambda: stream.getvalue().count("\n") == 20)
    assert stream.getvalue().splitlines() == [f"line {n}" for n in range(20)]


def _log_in_a_child(path: str) -> None:
    logger = logging.getLogger("boxoffice.test_batched_log.fork")
    # From a daemon thread, as granian's request threads log: the writer must still outlive it.
    thread = threading.Thread(target=lambda: logger.info("child"), daemon=True)
    thread.start()
    thread.join()


def test_a_forked_child_neither_repeats_its_parents_lines_nor_loses_its_own(
    tmp_path: Path,
) -> None:
    path = tmp_path / "log"
    logger = logging.getLogger("boxoffice.test_batched_log.fork")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    with path.open("a") as stream:
        handler = BatchedStreamHandler(stream, flush_seconds=60)
        logger.addHandler(handler)
        try:
            logger.info("parent")
            logger.info("parent")  # after "parent" went out, a batch waits 60 s
            child = multiprocessing.get_context("fork").Process(
                target=_log_in_a_child, args=(str(path),)
            )
            child.start()
            child.join(WAITING)
            handler.flush()
        finally:
            logger.removeHandler(handler)

    assert child.exitcode == 0
    assert sorted(path.read_text().splitlines()) == ["child", "parent", "parent"]


def test_a_program_that_exits_writes_its_last_lines_first() -> None:
    program = """
import logging, sys, threading
from boxoffice.entrypoints import logs
from boxoffice.entrypoints.logs import BatchedStreamHandler
logger = logging.getLogger("boxoffice.exit")
logger.addHandler(BatchedStreamHandler(sys.stderr, flush_seconds=60))
logger.setLevel(logging.INFO)
def log():
    for number in range(1000):
        logger.info("line %d", number)
thread = threading.Thread(target=log, daemon=True)
thread.start()
thread.join()
"""
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=30, check=True
    )

    assert done.stderr.splitlines() == [f"line {n}" for n in range(1000)]
