"""In a process, a SQLite file's writing units of work run alone: reads wait for a write, a
write for the reads in flight, first come first served (adapters/sqlalchemy/write_gate.py).
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from pathlib import Path

import pytest

from boxoffice.adapters.sqlalchemy import SqlAlchemyUnitOfWorkFactory
from boxoffice.adapters.sqlalchemy.write_gate import WriteGate
from tests.contract import builders
from tests.databases import postgres_store, sqlite_database

TIMEOUT = 5
# Long enough for a thread that is not held back to get in.
HELD_BACK = 0.3


@pytest.fixture
def url(tmp_path: Path) -> Iterator[str]:
    with sqlite_database(tmp_path) as url:
        yield url


@pytest.fixture
def factory(url: str) -> Iterator[SqlAlchemyUnitOfWorkFactory]:
    factory = SqlAlchemyUnitOfWorkFactory.from_url(url)
    yield factory
    factory.dispose()


@pytest.fixture
def gate(url: str) -> WriteGate:
    return WriteGate.for_database(Path(url.removeprefix("sqlite:///")))


class Inside:
    """A unit of work opened in a thread of its own, which stays open until let go."""

    def __init__(self, factory: SqlAlchemyUnitOfWorkFactory, *, read_only: bool) -> None:
        self.entered = threading.Event()
        self.go = threading.Event()
        self.titles: list[str] = []
        self._thread = threading.Thread(target=self._run, args=(factory, read_only), daemon=True)
        self._thread.start()

    def _run(self, factory: SqlAlchemyUnitOfWorkFactory, read_only: bool) -> None:
        with factory(read_only=read_only) as uow:
            self.titles = [m.title for m in uow.movies.list(after=None, limit=10)]
            self.entered.set()
            assert self.go.wait(TIMEOUT)
            if not read_only:
                uow.movies.add(builders.movie("Written"))
                uow.commit()

    def let_go(self) -> None:
        self.go.set()
        self._thread.join(TIMEOUT)
        assert not self._thread.is_alive()


def until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        assert time.monotonic() < deadline
        time.sleep(0.01)


def test_a_read_waits_while_a_write_is_open_and_goes_in_after_its_commit(
    factory: SqlAlchemyUnitOfWorkFactory,
) -> None:
    with factory() as uow:
        uow.movies.add(builders.movie("Committed"))
        reader = Inside(factory, read_only=True)
        assert not reader.entered.wait(HELD_BACK), "a read ran beside a write"
        uow.commit()
    assert reader.entered.wait(TIMEOUT)
    reader.let_go()
    assert reader.titles == ["Committed"]


def test_a_write_waits_for_an_open_read(factory: SqlAlchemyUnitOfWorkFactory) -> None:
    with factory(read_only=True):
        writer = Inside(factory, read_only=False)
        assert not writer.entered.wait(HELD_BACK), "a write ran beside a read"
    assert writer.entered.wait(TIMEOUT)
    writer.let_go()


def test_reads_go_in_together(factory: SqlAlchemyUnitOfWorkFactory) -> None:
    with factory(read_only=True):
        reader = Inside(factory, read_only=True)
        assert reader.entered.wait(TIMEOUT), "a read waited for another read"
        reader.let_go()


def test_a_read_that_comes_after_a_waiting_write_goes_in_after_it(
    factory: SqlAlchemyUnitOfWorkFactory, gate: WriteGate
) -> None:
    with factory(read_only=True):
        writer = Inside(factory, read_only=False)
        until(lambda: gate.waiting() == 1)
        later = Inside(factory, read_only=True)
        until(lambda: gate.waiting() == 2)
        assert not later.entered.wait(HELD_BACK), "a read overtook the waiting write"
    assert writer.entered.wait(TIMEOUT)
    assert not later.entered.wait(HELD_BACK), "a read ran beside the write"
    writer.let_go()
    assert later.entered.wait(TIMEOUT)
    later.let_go()
    assert later.titles == ["Written"]


def test_a_write_that_fails_opens_the_gate(factory: SqlAlchemyUnitOfWorkFactory) -> None:
    with pytest.raises(LookupError), factory():
        raise LookupError
    reader = Inside(factory, read_only=True)
    assert reader.entered.wait(TIMEOUT)
    reader.let_go()


def test_factories_of_one_file_share_its_gate(
    url: str, factory: SqlAlchemyUnitOfWorkFactory
) -> None:
    other = SqlAlchemyUnitOfWorkFactory.from_url(url)
    try:
        with factory():
            reader = Inside(other, read_only=True)
            assert not reader.entered.wait(HELD_BACK), "a read ran beside a write"
        assert reader.entered.wait(TIMEOUT)
        reader.let_go()
    finally:
        other.dispose()


def test_a_thread_reading_may_open_a_write_even_with_another_write_waiting(
    factory: SqlAlchemyUnitOfWorkFactory, gate: WriteGate
) -> None:
    # LogIn never does this (its read ends before it writes), but nothing forbids it.
    with factory(read_only=True) as reading:
        assert reading.movies.list(after=None, limit=10) == []
        other = Inside(factory, read_only=False)
        until(lambda: gate.waiting() == 1)
        other.go.set()
        with factory() as writing:
            writing.movies.add(builders.movie("Mine"))
            writing.commit()
            # Its own read inside its write goes in at once, and so does one more read.
            with factory(read_only=True) as inner:
                assert len(inner.movies.list(after=None, limit=10)) == 2
        # Its read still sees the snapshot it began with.
        assert reading.movies.list(after=None, limit=10) == []
        other.let_go()


def test_two_threads_that_read_and_then_write_do_not_wait_for_each_other(
    factory: SqlAlchemyUnitOfWorkFactory,
) -> None:
    both_reading = threading.Barrier(2, timeout=TIMEOUT)
    done: list[str] = []

    def read_then_write(name: str) -> None:
        with factory(read_only=True) as reading:
            reading.movies.list(after=None, limit=1)
            both_reading.wait()
            with factory() as writing:
                writing.movies.add(builders.movie(name))
                writing.commit()
        done.append(name)

    threads = [threading.Thread(target=read_then_write, args=(n,)) for n in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert sorted(done) == ["a", "b"]


def test_a_second_write_in_one_thread_is_refused_instead_of_waiting_for_itself(
    factory: SqlAlchemyUnitOfWorkFactory,
) -> None:
    with factory(), pytest.raises(RuntimeError, match="already has a unit of work that writes"):
        factory().__enter__()
    # Refused before it took anything: the gate is open again.
    reader = Inside(factory, read_only=True)
    assert reader.entered.wait(TIMEOUT)
    reader.let_go()


@pytest.mark.postgres
def test_postgresql_units_of_work_take_no_gate() -> None:
    with postgres_store() as factory:
        with factory(read_only=True):
            writer = Inside(factory, read_only=False)
            assert writer.entered.wait(TIMEOUT), "a write waited for a read"
            writer.let_go()
        with factory():
            reader = Inside(factory, read_only=True)
            assert reader.entered.wait(TIMEOUT), "a read waited for a write"
            reader.let_go()


def read_in_child(factory: SqlAlchemyUnitOfWorkFactory, report: Connection) -> None:
    with factory(read_only=True) as uow:
        report.send([m.title for m in uow.movies.list(after=None, limit=10)])


def test_a_forked_child_gets_a_fresh_gate(factory: SqlAlchemyUnitOfWorkFactory) -> None:
    with factory() as uow:
        uow.movies.add(builders.movie("Committed"))
        uow.commit()
        # Forked while this process's gate is held by a write: the child's copy would say so.
        receive, send = multiprocessing.Pipe(duplex=False)
        process = multiprocessing.get_context("fork").Process(
            target=read_in_child, args=(factory, send)
        )
        process.start()
        assert receive.poll(TIMEOUT), "the child waited at its parent's gate"
        assert receive.recv() == ["Committed"]
        process.join(TIMEOUT)
        assert process.exitcode == 0
