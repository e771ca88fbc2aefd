"""Benchmark 1: book_seats in process, over memory, a SQLite file and PostgreSQL.

    python -m bench.library [--seconds 5] [--adapters memory,sqlite,postgres] [--smoke]

For each adapter: 1 and 8 threads, booking 1 seat at a time on 1 show or spread over 100 shows.
On SQLite it also runs a bare SQLAlchemy Core transaction doing the same writes on the same file
(BEGIN IMMEDIATE; read the show; update its seats; insert the booking; COMMIT) and prints the
ratio book_seats / Core.
"""

from __future__ import annotations

import argparse
import contextlib
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select, update

import boxoffice
from bench.common import (
    Figures,
    chosen_legs,
    print_json_line,
    print_table,
    scratch_database,
)
from boxoffice.adapters.sqlalchemy.engine import create_engine
from boxoffice.adapters.sqlalchemy.tables import bookings, shows
from boxoffice.domain.model import Actor
from boxoffice.domain.service import Boxoffice

PASSWORD = "benchmark password"
SEATS_PER_SHOW = 100_000


def _people(app: Boxoffice, threads: int) -> tuple[Actor, list[Actor]]:
    def actor(email: str, role: str) -> Actor:
        app.sign_up(name="bench", email=email, password=PASSWORD, role=role)
        return app.authenticate(app.log_in(email=email, password=PASSWORD))

    owner = actor("owner@example.com", "owner")
    return owner, [actor(f"user{i}@example.com", "user") for i in range(threads)]


def _shows(app: Boxoffice, owner: Actor, count: int) -> list[int]:
    movie = app.add_movie(owner, title="Benchmark", genre="Test", duration=100)
    timing = datetime.now(UTC) + timedelta(days=30)
    return [
        app.add_show(owner, movie_id=movie.id, timing=timing, available_seats=SEATS_PER_SHOW).id
        for _ in range(count)
    ]


def run_bookings(
    app: Boxoffice, users: list[Actor], show_ids: list[int], seconds: float
) -> Figures:
    # Stop before any show can sell out: a refusal is not the booking path being measured.
    budget = int(0.9 * SEATS_PER_SHOW * len(show_ids))
    lock = threading.Lock()
    done = 0
    latencies: list[float] = []
    start = threading.Barrier(len(users) + 1)
    deadline = 0.0

    def worker(index: int, actor: Actor) -> None:
        nonlocal done
        mine: list[float] = []
        step = index
        start.wait()
        while time.perf_counter() < deadline:
            with lock:
                if done >= budget:
                    break
                done += 1
            show_id = show_ids[step % len(show_ids)]
            step += 1
            began = time.perf_counter_ns()
            app.book_seats(actor, show_id=show_id, num_seats=1)
            mine.append((time.perf_counter_ns() - began) / 1e6)
        with lock:
            latencies.extend(mine)

    workers = [threading.Thread(target=worker, args=(i, a)) for i, a in enumerate(users)]
    for thread in workers:
        thread.start()
    deadline = time.perf_counter() + seconds
    began = time.perf_counter()
    start.wait()
    for thread in workers:
        thread.join()
    return Figures(len(latencies), time.perf_counter() - began, latencies)


def run_bare_core(database_url: str, show_id: int, user_id: int, seconds: float) -> Figures:
    """The same writes as one booking, as plain Core statements on an engine configured as
    the adapter's, but durable inside COMMIT (synchronous=FULL): Core has no WAL sync of its
    own, so the adapter's own engine, which leaves that sync to its units of work, would not be.
    """
    engine = create_engine(database_url)
    read_show = select(shows).where(shows.c.id == show_id)
    take_seat = (
        update(shows)
        .where(shows.c.id == show_id)
        .values(available_seats=shows.c.available_seats - 1)
    )
    add_booking = insert(bookings)
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    began = time.perf_counter()
    try:
        while time.perf_counter() < deadline:
            started = time.perf_counter_ns()
            with engine.connect() as connection:
                connection.begin()  # BEGIN IMMEDIATE, as for a booking
                connection.execute(read_show).one()
                connection.execute(take_seat)
                connection.execute(
                    add_booking,
                    {
                        "user_id": user_id,
                        "show_id": show_id,
                        "num_seats": 1,
                        "status": "active",
                        "created_at": datetime.now(UTC),
                        "cancelled_at": None,
                    },
                )
                connection.commit()
            latencies.append((time.perf_counter_ns() - started) / 1e6)
    finally:
        engine.dispose()
    return Figures(len(latencies), time.perf_counter() - began, latencies)


def bench_adapter(adapter: str, seconds: float, directory: str) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for threads in (1, 8):
        for show_count in (1, 100):
            with _database(adapter, directory) as url:
                app = boxoffice.bootstrap(url, bcrypt_rounds=4, max_seats_per_booking=10)
                owner, users = _people(app, threads)
                show_ids = _shows(app, owner, show_count)
                figures = run_bookings(app, users, show_ids, seconds)
                row: dict[str, object] = {
                    "adapter": adapter,
                    "threads": threads,
                    "shows": show_count,
                    **figures.as_row(),
                }
                if adapter == "sqlite" and threads == 1 and show_count == 1:
                    assert url is not None
                    core = run_bare_core(url, show_ids[0], users[0].id, seconds)
                    row["core_ops_per_s"] = round(core.per_second, 1)
                    row["ratio_vs_core"] = round(figures.per_second / core.per_second, 2)
                rows.append(row)
    return rows


def _database(adapter: str, directory: str) -> contextlib.AbstractContextManager[str | None]:
    if adapter == "memory":
        return contextlib.nullcontext(None)
    return scratch_database(adapter, directory)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0, help="per measured run")
    parser.add_argument("--adapters", default="memory,sqlite,postgres")
    parser.add_argument("--smoke", action="store_true", help="a few seconds in all, for CI")
    args = parser.parse_args()
    seconds = 0.2 if args.smoke else args.seconds
    adapters = chosen_legs(args.adapters)
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as directory:
        for adapter in adapters:
            rows.extend(bench_adapter(adapter, seconds, directory))
            print_table(rows)
            print()
    print_json_line("library", rows, seconds_per_run=seconds)


if __name__ == "__main__":
    main()
