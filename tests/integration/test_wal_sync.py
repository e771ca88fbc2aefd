"""Durable SQLite commits: the WAL is synced after each COMMIT, before commit() returns, and
writers that commit while a sync runs share the next one (adapters/sqlalchemy/wal_sync.py)."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import boxoffice
from boxoffice.adapters.sqlalchemy import SqlAlchemyUnitOfWorkFactory
from boxoffice.adapters.sqlalchemy.wal_sync import WalSync
from boxoffice.domain.errors import StorageError
from tests.contract import builders
from tests.databases import sqlite_database, sqlite_writers_queue_is_free

WAITING = 5.0


def path_of(descriptor: int) -> str:
    return os.readlink(f"/proc/self/fd/{descriptor}")


def eventually(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAITING
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.001)


@pytest.fixture
def url(tmp_path: Path) -> Iterator[str]:
    with sqlite_database(tmp_path) as url:
        yield url


@pytest.fixture
def synced(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The path of every file fsynced from now on (each still synced for real). Set before a
    factory is built: WalSync takes os.fsync when it is made."""
    paths: list[str] = []
    real_fsync = os.fsync

    def fsync(descriptor: int) -> None:
        paths.append(path_of(descriptor))
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", fsync)
    return paths


def wal_syncs(synced: list[str]) -> list[str]:
    return [path for path in synced if path.endswith("-wal")]


def movies_seen_by_another_connection(url: str) -> int:
    with sqlite3.connect(url.removeprefix("sqlite:///")) as other:
        count: int = other.execute("SELECT count(*) FROM movies").fetchone()[0]
    other.close()
    return count


def test_a_durable_commit_syncs_the_wal_after_commit_and_before_it_returns(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[tuple[str, object]] = []
    real_fsync = os.fsync

    def fsync(descriptor: int) -> None:
        if path_of(descriptor).endswith("-wal"):
            seen = movies_seen_by_another_connection(url)
            events.append(("fsync wal", (seen, sqlite_writers_queue_is_free(url))))
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", fsync)
    factory = SqlAlchemyUnitOfWorkFactory.from_url(url)
    try:
        with factory() as uow:
            uow.movies.add(builders.movie())
            uow.commit()
            events.append(("commit returned", None))
        with factory.engine.connect() as connection:
            in_commit = connection.exec_driver_sql("PRAGMA synchronous").scalar()
    finally:
        factory.dispose()

    # The movie was committed (another connection sees it) and the next writer free to go when
    # the WAL was synced, and commit() returned only after that.
    assert events == [("fsync wal", (1, True)), ("commit returned", None)]
    normal = 1
    assert in_commit == normal


def add_a_movie(url: str, *, sqlite_synchronous: str = "full") -> None:
    factory = SqlAlchemyUnitOfWorkFactory.from_url(url, sqlite_synchronous=sqlite_synchronous)
    try:
        with factory() as uow:
            uow.movies.add(builders.movie())
            uow.commit()
    finally:
        factory.dispose()


def test_faster_commits_sync_nothing(url: str, synced: list[str]) -> None:
    add_a_movie(url, sqlite_synchronous="normal")

    assert wal_syncs(synced) == []


class GatedFsync:
    """An fsync that records what it syncs and, while closed, blocks until opened."""

    def __init__(self) -> None:
        self.wal_syncs = 0
        self.entered = threading.Event()
        self.gate = threading.Event()
        self.fail_next = False

    def __call__(self, descriptor: int) -> None:
        if not path_of(descriptor).endswith("-wal"):
            return
        self.wal_syncs += 1
        self.entered.set()
        assert self.gate.wait(WAITING)
        if self.fail_next:
            self.fail_next = False
            raise OSError(5, "Input/output error")


@pytest.fixture
def wal(tmp_path: Path) -> Path:
    database = tmp_path / "boxoffice.db"
    database.touch()
    (tmp_path / "boxoffice.db-wal").touch()
    return database


def test_commits_made_during_a_sync_wait_for_the_next_one_and_share_it(wal: Path) -> None:
    fsync = GatedFsync()
    sync = WalSync(wal, fsync)
    returned: list[int] = []

    def commit(number: int) -> None:
        sync.wait_until_durable()
        returned.append(number)

    first = threading.Thread(target=commit, args=(0,))
    first.start()
    assert fsync.entered.wait(WAITING)
    later = [threading.Thread(target=commit, args=(n,)) for n in range(1, 5)]
    for thread in later:
        thread.start()
    # Their commits came after the running sync began: it does not cover them.
    eventually(lambda: sync._commits == 5)
    time.sleep(0.05)
    assert returned == []

    fsync.gate.set()
    for thread in [first, *later]:
        thread.join(WAITING)

    assert sorted(returned) == [0, 1, 2, 3, 4]
    assert fsync.wal_syncs == 2


def test_after_a_failed_sync_no_commit_is_called_durable_again(wal: Path) -> None:
    # The pages that fsync could not write may be gone, and the WAL's frames are chained: a
    # later fsync that succeeds would vouch for commits that recovery cannot reach.
    fsync = GatedFsync()
    fsync.fail_next = True
    fsync.gate.set()
    sync = WalSync(wal, fsync)

    for _ in range(3):
        with pytest.raises(StorageError):
            sync.wait_until_durable()

    assert fsync.wal_syncs == 1


def test_a_missing_wal_fails_the_commit_without_breaking_later_ones(wal: Path) -> None:
    # The committer holds its connection, so SQLite has not deleted the WAL: not finding it
    # means syncing the wrong file, which must not pass for durable.
    synced: list[str] = []
    sync = WalSync(wal, lambda descriptor: synced.append(path_of(descriptor)))
    wal.with_name(wal.name + "-wal").unlink()

    with pytest.raises(StorageError):
        sync.wait_until_durable()
    wal.with_name(wal.name + "-wal").touch()
    sync.wait_until_durable()
    sync.close()

    assert synced == [str(wal) + "-wal", str(wal.parent)]


def test_a_database_reached_through_a_symbolic_link_has_its_wal_beside_the_target(
    url: str, tmp_path: Path, synced: list[str]
) -> None:
    target = Path(url.removeprefix("sqlite:///"))
    link = tmp_path / "elsewhere" / "link.db"
    link.parent.mkdir()
    link.symlink_to(target)

    add_a_movie(f"sqlite:///{link}")

    assert str(target) + "-wal" in synced


def test_after_a_failed_sync_the_factory_writes_nothing_more(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_fsync = os.fsync

    def failing_fsync(descriptor: int) -> None:
        if path_of(descriptor).endswith("-wal"):
            raise OSError(5, "Input/output error")
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", failing_fsync)
    factory = SqlAlchemyUnitOfWorkFactory.from_url(url)

    def add_a_movie() -> None:
        with factory() as uow:
            uow.movies.add(builders.movie())
            uow.commit()

    try:
        with pytest.raises(StorageError):
            add_a_movie()
        monkeypatch.setattr(os, "fsync", real_fsync)
        with pytest.raises(StorageError):
            add_a_movie()
        with factory(read_only=True) as uow:
            stored = uow.movies.list(after=None, limit=10)
    finally:
        factory.dispose()

    # The first is in the file (its commit could not be made durable, not undone); the second
    # was refused before it wrote.
    assert len(stored) == 1


def test_only_units_of_work_that_wrote_wait_for_a_sync(url: str, synced: list[str]) -> None:
    factory = SqlAlchemyUnitOfWorkFactory.from_url(url)
    with factory() as uow:
        uow.movies.add(builders.movie())
        uow.commit()
    synced.clear()
    try:
        with factory(read_only=True) as uow:
            uow.movies.list(after=None, limit=10)
        with factory() as uow:
            uow.movies.add(builders.movie())
            uow.commit()
            uow.commit()  # nothing begun since the first: nothing to sync
    finally:
        factory.dispose()

    assert wal_syncs(synced) == [url.removeprefix("sqlite:///") + "-wal"]


def test_a_new_wal_file_has_its_directory_entry_synced_once(wal: Path) -> None:
    synced: list[str] = []
    sync = WalSync(wal, lambda descriptor: synced.append(path_of(descriptor)))

    sync.wait_until_durable()
    sync.wait_until_durable()
    # As SQLite does when the last connection closes and another opens.
    wal.with_name(wal.name + "-wal").unlink()
    wal.with_name(wal.name + "-wal").touch()
    sync.wait_until_durable()
    sync.close()

    wal_file, directory = str(wal) + "-wal", str(wal.parent)
    assert synced == [wal_file, directory, wal_file, wal_file, directory]


def test_a_replayed_booking_is_acknowledged_again_only_once_durable(
    url: str, synced: list[str]
) -> None:
    # The twin that booked may still be waiting for its sync when the retry reads its booking.
    app = boxoffice.bootstrap(url, bcrypt_rounds=4)
    for email, role in (("owner@example.com", "owner"), ("user@example.com", "user")):
        app.sign_up(name="x", email=email, password="password1", role=role)
    owner = app.authenticate(app.log_in(email="owner@example.com", password="password1"))
    user = app.authenticate(app.log_in(email="user@example.com", password="password1"))
    movie = app.add_movie(owner, title="M", genre="g", duration=90)
    timing = datetime.now(UTC) + timedelta(days=1)
    show = app.add_show(owner, movie_id=movie.id, timing=timing, available_seats=10)
    booked = app.book_seats(user, show_id=show.id, num_seats=2, idempotency_key="k", client="c")
    synced.clear()

    again = app.book_seats(user, show_id=show.id, num_seats=2, idempotency_key="k", client="c")

    assert again == booked
    assert wal_syncs(synced) != []
