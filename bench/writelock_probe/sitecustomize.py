"""A probe `bench.writelock` puts on the service's PYTHONPATH: Python imports this module in
every process it starts, so each worker times its own writers. Nothing here runs unless
BENCH_WRITELOCK_DIR names a folder to write the samples to.

A sample is one write turn (adapters/sqlalchemy/writer_queue.py, taken just before BEGIN
IMMEDIATE and given up when the COMMIT or ROLLBACK ends): when it was got (time.time(), to
compare across processes), how long the writer waited for it and how long it held it.
"""

from __future__ import annotations

import atexit
import os
import threading
import time
from pathlib import Path
from typing import Any

# Each worker writes its samples this often, from a thread of its own, off the measured path
# (granian's workers may end without running atexit handlers).
FLUSH_SECONDS = 0.2


def _install(folder: Path) -> None:
    from boxoffice.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork

    samples: list[tuple[float, float, float]] = []
    lock = threading.Lock()
    got_at = threading.local()
    flushing_in: list[int] = []  # the process whose flusher runs (a forked child has none)
    queue = SqlAlchemyUnitOfWork._queue_for_the_write_lock
    let_go = SqlAlchemyUnitOfWork._next_writer_may_go

    def flush() -> None:
        with lock:
            batch = samples[:]
            samples.clear()
        if batch:
            with (folder / f"{os.getpid()}.txt").open("a") as out:
                out.writelines(f"{at} {wait} {held}\n" for at, wait, held in batch)

    def flush_now_and_then() -> None:
        while True:
            time.sleep(FLUSH_SECONDS)
            flush()

    def timed_queue(self: Any) -> None:
        had_turn = self._turn is not None
        asked = time.perf_counter()
        queue(self)
        if not had_turn and self._turn is not None:
            got_at.value = (time.time(), asked, time.perf_counter())

    def timed_let_go(self: Any) -> None:
        holding = self._turn is not None
        let_go(self)
        timing = getattr(got_at, "value", None)
        if holding and timing is not None:
            got_at.value = None
            at, asked, got = timing
            held = time.perf_counter() - got
            with lock:  # not between flush()'s copy and clear
                samples.append((at, got - asked, held))
            if flushing_in != [os.getpid()]:
                flushing_in[:] = [os.getpid()]
                threading.Thread(target=flush_now_and_then, daemon=True).start()

    SqlAlchemyUnitOfWork._queue_for_the_write_lock = timed_queue  # type: ignore[method-assign]
    SqlAlchemyUnitOfWork._next_writer_may_go = timed_let_go  # type: ignore[method-assign]
    atexit.register(flush)  # where the process does run them


if os.environ.get("BENCH_WRITELOCK_DIR"):
    _install(Path(os.environ["BENCH_WRITELOCK_DIR"]))
