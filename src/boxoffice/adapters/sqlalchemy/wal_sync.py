"""Durable SQLite commits that share their fsync (group commit), outside the write lock.

With synchronous=FULL every COMMIT would fsync the write-ahead log while it still holds the
write lock, for most of the time a booking holds it (docs/benchmarks.md), and writers would queue
behind each other's disk flushes. Instead, connections run synchronous=NORMAL (the same WAL and
the same consistency, only no sync in a commit) and a writer, once its COMMIT has released the
lock and before commit() returns, waits for an fsync of the WAL that began after its COMMIT
ended. One fsync covers every commit written before it began, so the writers that commit while
one runs share the next. Where a process lets its writers in one at a time, each through its
fsync (write_gate.py), the gain is the lock: other processes' writers take it meanwhile.

What a commit() that returned guarantees is FULL's: the WAL holding the commit was synced after
the commit was written to it (https://sqlite.org/pragma.html#pragma_synchronous). What differs:
other connections may read a commit a moment before it is durable; a power cut in that moment
loses it together with everything written after it, none of which had been acknowledged.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

from boxoffice.domain.errors import StorageError


class WalSync:
    def __init__(self, database_path: Path, fsync: Callable[[int], None] | None = None) -> None:
        # SQLite follows a symbolic link to the database and keeps the WAL beside its target.
        database_path = Path(os.path.realpath(database_path))
        self.database_path = database_path
        self.wal_path = database_path.with_name(database_path.name + "-wal")
        self._fsync = fsync or os.fsync
        self._condition = threading.Condition()
        self._commits = 0  # commits that have asked, numbered in order
        self._synced = 0  # every commit up to this number is durable
        self._broken = False  # an fsync failed: nothing written since can be vouched for
        self._syncing = False
        self._wal: int | None = None  # the WAL's descriptor, held between syncs

    def fresh(self) -> WalSync:
        """For a forked child: the same file, with no lock, count or descriptor shared with
        the parent. Call it in the child."""
        # The child's copy of the parent's descriptor; the parent keeps its own.
        self._close_wal()
        return WalSync(self.database_path, self._fsync)

    def refuse_writes_if_broken(self) -> None:
        """StorageError once an fsync has failed: a write now could not be made durable."""
        if self._broken:
            raise StorageError("the database could not make its commits durable")

    def wait_until_durable(self) -> None:
        """Call after COMMIT returned. Returns once an fsync that began after it has ended.

        StorageError once an fsync has failed, for that commit and every later one until the
        process restarts: the commit is in the file, visible to others, but may not survive a
        power cut. Linux may drop the pages a failed fsync could not write, and the WAL's
        frames are chained by checksums: a later fsync that succeeds would vouch for commits
        that recovery cannot reach. PostgreSQL stops for the same reason.
        """
        with self._condition:
            self._commits += 1
            mine = self._commits
            while self._synced < mine:
                if self._broken:
                    raise StorageError("the database could not make its commits durable")
                if self._syncing:
                    self._condition.wait()
                else:
                    self._sync_everything_committed()

    def _sync_everything_committed(self) -> None:
        """Called with the condition held; fsyncs without it, so commits go on meanwhile."""
        covered = self._commits
        self._syncing = True
        synced = False
        failure: OSError | None = None
        self._condition.release()
        try:
            self._sync_files()
            synced = True
        except OSError as error:
            failure = error
        finally:
            self._condition.acquire()
            self._syncing = False
            if synced:
                self._synced = max(self._synced, covered)
            elif isinstance(failure, _FsyncFailed):
                self._broken = True
            self._condition.notify_all()
        if failure is not None:
            # Anything else (the WAL could not be opened, say) synced nothing and broke nothing:
            # this commit fails, and the next sync covers the others.
            raise StorageError("the database could not make the commit durable") from failure

    def _sync_files(self) -> None:
        # No WAL is an error (FileNotFoundError), not a sync to skip: SQLite deletes it only
        # when the last connection closes, and the committer still holds its own.
        current = os.stat(self.wal_path).st_ino
        # The descriptor held open keeps its file's inode number from being reused, so a WAL
        # deleted and created anew always shows up here as another number.
        if self._wal is None or os.fstat(self._wal).st_ino != current:
            self._close_wal()
            self._wal = os.open(self.wal_path, os.O_RDONLY | os.O_CLOEXEC)
            self._sync(self._wal)
            # A new WAL file: its name in the directory must be on disk too.
            directory = os.open(self.database_path.parent, os.O_RDONLY | os.O_CLOEXEC)
            try:
                self._sync(directory)
            finally:
                os.close(directory)
        else:
            self._sync(self._wal)

    def _sync(self, descriptor: int) -> None:
        try:
            self._fsync(descriptor)
        except OSError as error:
            raise _FsyncFailed(error.errno, error.strerror) from error

    def close(self) -> None:
        """Let go of the WAL file, once no sync uses it (the next sync opens it again)."""
        with self._condition:
            while self._syncing:
                self._condition.wait()
            self._close_wal()

    def _close_wal(self) -> None:
        if self._wal is not None:
            os.close(self._wal)
            self._wal = None


class _FsyncFailed(OSError):
    """The fsync itself failed, as opposed to opening the file to sync."""
