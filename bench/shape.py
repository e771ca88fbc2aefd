"""Benchmark 6: what PostgreSQL itself allows a booking's transaction, driven by pgbench.

    python -m bench.shape [--seconds 8] [--smoke]

No boxoffice code runs here: pgbench, a C client with prepared statements, sends a booking's
statements over our own schema (a scratch copy, migrated), as fast as PostgreSQL and this
machine take them. It bounds what any client could get from the transaction's shape:

- `row lock`, the shape boxoffice's units of work give a booking without an Idempotency-Key:
  the user looked up (the token check), then BEGIN; SELECT ... FOR UPDATE of the show; the
  domain decides; UPDATE of the show with the values it decided; INSERT of the booking; INSERT
  of its audit event; COMMIT. The show's row stays locked across four round trips and the WAL
  flush.
- `one statement`: the user looked up, then the same writes as one statement that decrements
  the seats where enough are left (a CTE). The lock lasts one statement and the flush. This is
  not how boxoffice books: the seat rule would live in SQL instead of the domain.

Each shape runs spread over 100 shows (32 clients, as `bench.http`'s bookings) and on one
fresh show (64 clients, as its sell-out), and both with 8 clients, as many as `boxoffice
serve`'s bulkheads let reach the database at once. Commits wait for the WAL flush, as the
service's sessions do. After each run the database is audited: every transaction pgbench
counted booked one seat, and no show holds fewer seats than its bookings leave it. Each run
also reports the CPU a transaction cost PostgreSQL and pgbench (bench/cpu.py): what the
database's side of a booking costs on this machine, whatever the client.

Needs pgbench (on Debian, in the server package: /usr/lib/postgresql/<version>/bin) and a
PostgreSQL URL (BOXOFFICE_BENCH_POSTGRES_URL).
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
from typing import Any

import sqlalchemy
from sqlalchemy.engine import make_url

from bench import cpu
from bench.common import chosen_legs, print_json_line, print_table, scratch_database
from bench.service import audit
from boxoffice.adapters.sqlalchemy.tables import movies, shows, users

SPREAD_SHOWS = 100
SEATS = 100_000

LOOK_UP_USER = "SELECT id, name, email, password, role, created_at FROM users WHERE id = 1;"

ROW_LOCK = r"""BEGIN;
SELECT id, movie_id, owner_id, timing, capacity, available_seats, seat_map, held_seats
  FROM shows WHERE id = :show FOR UPDATE \gset
UPDATE shows SET timing = :timing, capacity = :capacity,
  available_seats = :available_seats - 1, held_seats = :held_seats WHERE id = :show;
INSERT INTO bookings (user_id, show_id, num_seats, status, created_at, cancelled_at, seats)
  VALUES (1, :show, 1, 'active', now(), NULL, NULL) RETURNING id \gset booking_
INSERT INTO audit_events (occurred_at, action, actor_id, target, client, show_id, num_seats)
  VALUES (now(), 'booked', 1, 'booking:' || :booking_id::text, '127.0.0.1', :show, 1)
  RETURNING id;
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

# (load, clients): 8 is as many as reach the database from `boxoffice serve`, 2 workers of 4
# slots; 32 and 64 are bench.http's clients.
LOADS = (("100 shows", 32), ("100 shows", 8), ("one show", 64), ("one show", 8))


def find_pgbench() -> str:
    def version(path: str) -> int:
        number = Path(path).parent.parent.name
        return int(number) if number.isdigit() else 0

    installed = sorted(glob.glob("/usr/lib/postgresql/*/bin/pgbench"), key=version)
    found = shutil.which("pgbench") or (installed[-1] if installed else None)
    if found is None:
        raise SystemExit("pgbench not found: it comes with PostgreSQL's server package")
    return found


def insert_shows(engine: sqlalchemy.Engine, count: int) -> list[int]:
    """Shows of SEATS seats each, a month ahead, of the one movie and owner seed() adds."""
    timing = datetime.now(UTC) + timedelta(days=30)
    # seed()'s movie runs 90 minutes.
    ends_at = timing + timedelta(minutes=90)
    values = {"movie_id": 1, "owner_id": 1, "timing": timing, "ends_at": ends_at, "capacity": SEATS}
    with engine.begin() as connection:
        added = connection.execute(
            shows.insert().returning(shows.c.id),
            [{**values, "available_seats": SEATS} for _ in range(count)],
        )
        return [row.id for row in added]


def seed(engine: sqlalchemy.Engine) -> None:
    """The user every transaction books as (id 1), who also owns the shows, and one movie."""
    with engine.begin() as connection:
        connection.execute(
            users.insert(),
            {
                "id": 1,
                "name": "Bench",
                "email": "bench@example.com",
                "password": "not a hash: nobody logs in here",
                "role": "user",
                "created_at": datetime.now(UTC),
            },
        )
        connection.execute(
            movies.insert(), {"id": 1, "title": "Bench", "genre": "Drama", "duration": 90}
        )


def pgbench_connection(url: str) -> tuple[str, dict[str, str]]:
    """The libpq URI pgbench takes as its database, and its environment: the scratch schema
    (libpq's options parameter, as PGOPTIONS), durable commits as the service's sessions have
    them (engine.py), the password out of the command line.
    """
    parsed = make_url(url)
    options = parsed.query.get("options", "")
    if not isinstance(options, str):
        raise SystemExit(f"one options parameter expected in the URL, got {options!r}")
    env = dict(os.environ)
    env["PGOPTIONS"] = f"{options} -c synchronous_commit=on".strip()
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    rest = {key: value for key, value in parsed.query.items() if key != "options"}
    uri = parsed.set(drivername="postgresql", password=None, query=rest)
    return uri.render_as_string(hide_password=False), env


def run_pgbench(
    pgbench: str,
    connection: tuple[str, dict[str, str]],
    script: Path,
    *,
    clients: int,
    seconds: float,
) -> dict[str, Any]:
    uri, env = connection
    command = [
        pgbench,
        "--no-vacuum",
        "--protocol=prepared",
        f"--client={clients}",
        f"--jobs={min(2, clients)}",
        f"--time={max(1, round(seconds))}",
        f"--file={script}",
        uri,
    ]
    try:
        output = subprocess.run(command, capture_output=True, text=True, check=True, env=env).stdout
    except subprocess.CalledProcessError as error:
        raise SystemExit(f"pgbench failed (exit {error.returncode}):\n{error.stderr}") from None
    return {
        "tps": round(float(_figure(r"^tps = ([\d.]+)", output))),
        "latency_ms": float(_figure(r"^latency average = ([\d.]+) ms", output)),
        "transactions": int(_figure(r"^number of transactions actually processed: (\d+)", output)),
        "failed": int(_figure(r"^number of failed transactions: (\d+)", output, "0")),
    }


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
        connection = pgbench_connection(url)
        engine = sqlalchemy.create_engine(url)
        try:
            seed(engine)
            spread = insert_shows(engine, SPREAD_SHOWS)
            for shape, booking in (("row lock", ROW_LOCK), ("one statement", ONE_STATEMENT)):
                for load, clients in LOADS:
                    # Every run on one show gets a fresh one: none sells out.
                    show_ids = spread if load == "100 shows" else insert_shows(engine, 1)
                    pick = (
                        f"\\set show random({spread[0]}, {spread[-1]})"
                        if load == "100 shows"
                        else f"\\set show {show_ids[0]}"
                    )
                    script = Path(directory, "booking.sql")
                    # A show picked, the token's user looked up, then the booking itself.
                    script.write_text("\n".join((pick, LOOK_UP_USER, booking)))
                    before = audit(url, show_ids).seats_booked
                    cpu_before = cpu.sample()
                    result = run_pgbench(
                        pgbench, connection, script, clients=clients, seconds=seconds
                    )
                    spent = cpu.spent(
                        cpu_before,
                        cpu.sample_after(cpu.POSTGRES),
                        requests=result["transactions"],
                        database_commands=cpu.POSTGRES,
                    )
                    after = audit(url, show_ids)
                    rows.append(
                        {
                            "shape": shape,
                            "load": load,
                            "clients": clients,
                            **result,
                            "booked": after.seats_booked - before,
                            "oversold": after.oversold_shows,
                            # pgbench is the "load" here: the client's whole side.
                            "database_cpu_us": spent["database_cpu_us"],
                            "pgbench_cpu_us": spent["load_cpu_us"],
                            "cores_busy": spent["cores_busy"],
                            "cpu_bound_per_s": spent["cpu_bound_per_s"],
                        }
                    )
        finally:
            engine.dispose()
    print_table(rows)
    print_json_line("shape", rows, seconds_per_run=seconds)
    # A transaction counted must have booked its seat; one still running at the end may have
    # booked without being counted.
    if any(
        row["failed"]
        or row["oversold"]
        or not row["transactions"] <= row["booked"] <= row["transactions"] + row["clients"]
        for row in rows
    ):
        raise SystemExit(
            "FAILED: failed transactions, oversell or uncounted bookings (see the table)"
        )


if __name__ == "__main__":
    main()
