"""Benchmark 5: what PostgreSQL itself allows a booking's transaction, driven by pgbench.

    python -m bench.shape [--seconds 8] [--smoke]

No boxoffice code runs here: pgbench, a C client with prepared statements, sends a booking's
statements over our own schema (a scratch copy, migrated), as fast as PostgreSQL and this
machine take them. It bounds what any client could get from the transaction's shape:

- `row lock`, the shape boxoffice's units of work give a booking: the user looked up (the
  token check), then BEGIN; SELECT ... FOR UPDATE of the show; the domain decides; UPDATE of
  the show with the values it decided; INSERT of the booking; INSERT of its audit event;
  COMMIT. The show's row stays locked across four round trips and the WAL flush.
- `one statement`: the user looked up, then the same writes as one statement that decrements
  the seats where enough are left (a CTE). The lock lasts one statement and the flush. This is
  not how boxoffice books: the seat rule would live in SQL instead of the domain.

Each shape runs spread over 100 shows (32 clients, as `bench.http`'s bookings) and on one show
(64 clients, as its sell-out; and 8, as many as `boxoffice serve`'s bulkheads let reach the
database at once). Needs pgbench (Debian: postgresql-client's server package
ships it in /usr/lib/postgresql/*/bin) and a PostgreSQL URL (BOXOFFICE_BENCH_POSTGRES_URL).
"""

from __future__ import annotations

import argparse
import glob
import os
import re
import shutil
import subprocess
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy
from sqlalchemy.engine import make_url

from bench.common import chosen_legs, print_json_line, print_table, scratch_database
from boxoffice.adapters.sqlalchemy.tables import movies, shows, users

SPREAD_SHOWS = 100

_LOOK_UP_USER = "SELECT id, name, email, password, role, created_at FROM users WHERE id = 1;"

ROW_LOCK = """BEGIN;
SELECT id, movie_id, owner_id, timing, capacity, available_seats, seat_map, held_seats
  FROM shows WHERE id = :show FOR UPDATE \\gset
UPDATE shows SET timing = :timing, capacity = :capacity,
  available_seats = :available_seats - 1, held_seats = :held_seats WHERE id = :show;
INSERT INTO bookings (user_id, show_id, num_seats, status, created_at, cancelled_at, seats)
  VALUES (1, :show, 1, 'active', now(), NULL, NULL) RETURNING id \\gset booking_
INSERT INTO audit_events (occurred_at, action, actor_id, target, client, show_id, num_seats)
  VALUES (now(), 'booked', 1, 'booking:' || :booking_id::text, '127.0.0.1', :show, 1) RETURNING id;
COMMIT;
"""

ONE_STATEMENT = """WITH taken AS (
  UPDATE shows SET available_seats = available_seats - 1
  WHERE id = :show AND available_seats >= 1 AND timing > now() RETURNING id
), booked AS (
  INSERT INTO bookings (user_id, show_id, num_seats, status, created_at)
  SELECT 1, id, 1, 'active', now() FROM taken RETURNING id, show_id
)
INSERT INTO audit_events (occurred_at, action, actor_id, target, client, show_id, num_seats)
SELECT now(), 'booked', 1, 'booking:' || id, '127.0.0.1', show_id, 1 FROM booked RETURNING id;
"""

SPREAD = f"\\set show random(1, {SPREAD_SHOWS})"
ONE_SHOW = f"\\set show {SPREAD_SHOWS + 1}"


def find_pgbench() -> str:
    found = shutil.which("pgbench") or next(
        iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/pgbench"), reverse=True)), None
    )
    if found is None:
        raise SystemExit("pgbench not found: it comes with PostgreSQL's server package")
    return found


def seed(url: str) -> None:
    """One user (id 1), one movie, 100 shows and the one contended show, 100,000 seats each."""
    engine = sqlalchemy.create_engine(url)
    now = datetime.now(UTC)
    try:
        with engine.begin() as connection:
            connection.execute(
                users.insert(),
                {
                    "id": 1,
                    "name": "Bench",
                    "email": "bench@example.com",
                    "password": "not a hash: nobody logs in here",
                    "role": "user",
                    "created_at": now,
                },
            )
            connection.execute(
                movies.insert(), {"id": 1, "title": "Bench", "genre": "Drama", "duration": 90}
            )
            connection.execute(
                shows.insert(),
                [
                    {
                        "id": show_id,
                        "movie_id": 1,
                        "owner_id": 1,
                        "timing": now + timedelta(days=30),
                        "capacity": 100_000,
                        "available_seats": 100_000,
                    }
                    for show_id in range(1, SPREAD_SHOWS + 2)
                ],
            )
    finally:
        engine.dispose()


def run_pgbench(
    pgbench: str, url: str, script: str, *, clients: int, seconds: float
) -> dict[str, float]:
    parsed = make_url(url)
    env = dict(os.environ)
    # The scratch schema comes as libpq's options parameter: pgbench takes it as PGOPTIONS.
    options = parsed.query.get("options")
    if isinstance(options, str):
        env["PGOPTIONS"] = options
    if parsed.password:
        env["PGPASSWORD"] = parsed.password
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as file:
        file.write(script)
    try:
        output = subprocess.run(
            [
                pgbench,
                "--no-vacuum",
                "--protocol=prepared",
                f"--host={parsed.host or '127.0.0.1'}",
                f"--port={parsed.port or 5432}",
                f"--username={parsed.username or 'postgres'}",
                f"--client={clients}",
                "--jobs=2",
                f"--time={max(1, round(seconds))}",
                f"--file={file.name}",
                parsed.database or "postgres",
            ],
            capture_output=True,
            text=True,
            check=True,
            env=env,
        ).stdout
    finally:
        Path(file.name).unlink()
    return {
        "tps": round(float(_figure(r"^tps = ([\d.]+)", output))),
        "latency_ms": float(_figure(r"^latency average = ([\d.]+) ms", output)),
        "failed": int(_figure(r"^number of failed transactions: (\d+)", output, "0")),
    }


def bookings_stored(url: str) -> int:
    """Every transaction must have booked: a shape that wrote nothing would be fast for nothing."""
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.connect() as connection:
            return int(
                connection.execute(sqlalchemy.text("SELECT count(*) FROM bookings")).scalar_one()
            )
    finally:
        engine.dispose()


def _figure(pattern: str, output: str, default: str | None = None) -> str:
    found = re.search(pattern, output, re.MULTILINE)
    if found is None:
        if default is not None:
            return default
        raise RuntimeError(f"pgbench printed no {pattern!r}:\n{output}")
    return found.group(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=8.0, help="per pgbench run")
    parser.add_argument("--smoke", action="store_true", help="1-second runs, for CI")
    args = parser.parse_args()
    if not chosen_legs("postgres"):
        return
    pgbench = find_pgbench()
    seconds = 1.0 if args.smoke else args.seconds
    rows = []
    with tempfile.TemporaryDirectory() as directory, scratch_database("postgres", directory) as url:
        seed(url)
        for shape, script in (("row lock", ROW_LOCK), ("one statement", ONE_STATEMENT)):
            for load, pick, clients in (
                ("100 shows", SPREAD, 32),
                ("one show", ONE_SHOW, 64),
                # As many as reach the database from `boxoffice serve`: 2 workers of 4 slots.
                ("one show", ONE_SHOW, 8),
            ):
                before = bookings_stored(url)
                # A show picked, the token's user looked up, then the booking itself.
                lines = (pick, _LOOK_UP_USER, script)
                result = run_pgbench(
                    pgbench, url, "\n".join(lines), clients=clients, seconds=seconds
                )
                rows.append(
                    {
                        "shape": shape,
                        "load": load,
                        "clients": clients,
                        **result,
                        "bookings_stored": bookings_stored(url) - before,
                    }
                )
    print_table(rows)
    print_json_line("shape", rows, seconds_per_run=seconds)


if __name__ == "__main__":
    main()
