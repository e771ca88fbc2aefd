"""Benchmark 3: listing cost as the tables grow, over HTTP, on SQLite and on PostgreSQL.

    python -m bench.scale [--databases sqlite,postgres] [--sizes 1000,100000,1000000]
                          [--seconds 3] [--connections 32] [--workers 2] [--threads 32]
                          [--smoke]

Per database, one `boxoffice serve --workers N` over a scratch database that grows through the
sizes: at each size the shows table and the bookings table both hold that many rows, seeded
straight into the database with set-based SQLAlchemy Core inserts (INSERT ... SELECT from a
recursive CTE, one transaction per table and size), not through the API. Then wrk measures,
at that size:
  - GET /shows?limit=100 (the first page of all shows);
  - GET /shows?cinema_id=&date= (one day of one cinema's schedule);
  - GET /bookings, the measured user's first page, and a page deep into them (?after=).

Every show is of one cinema (time zone UTC), one every 30 minutes from midnight 30 days ahead:
48 a day, so the measured day (the 11th) holds the same 48 shows at every size while the
cinema's schedule grows to 57 years at 1M rows, the harshest case for the day's index range.

The bookings belong to 1,000 other users, except 1,000 of them: the measured user's, spread
evenly through the table (every size/1,000-th row), so the user's page reads rows scattered across
the whole table. That is how the table grows in life: more customers, each with a handful of
bookings, interleaved in time. (One user owning all 1M rows would test the keyset cursor at
depth 900,000, which the deep page already shows is not where the cost is, and no customer books
a million times.) At 1k rows the table is the measured user's alone. The deep page is the 9th of
10 (after the user's 800th booking), a full page with a next link.

On PostgreSQL the tables are ANALYZEd after seeding, as autovacuum would do on a live database;
SQLite is left as the service leaves it (no ANALYZE). The SQLite WAL is checkpointed after
seeding, so the server reads the database file, not a 100 MB log.

Prints p50/p99 and req/s per size, and per listing the ratio largest/smallest size of p50, p99
and req/s (the target: flat within 1.5x), plus the seeding rate. --smoke: sizes 1k and 10k.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy
from sqlalchemy import Connection, func, insert, literal, select, update

from bench.common import chosen_legs, print_json_line, print_table
from bench.load import LoadResult, require_wrk, run_wrk
from bench.service import running_service, token_for
from boxoffice.adapters.sqlalchemy.tables import (
    UtcDateTime,
    bookings,
    cinemas,
    movies,
    shows,
    users,
)

OTHER_USERS = 1_000
USER_BOOKINGS = 1_000
# The deep page: after the measured user's 800th booking, i.e. the 9th page of 10.
DEEP_AFTER = 800
PAGE = 100
MEASURED_EMAIL = "user@example.com"
SHOW_EVERY_MINUTES = 30
MEASURED_DAY = 10


def numbers(first: int, stop: int) -> sqlalchemy.CTE:
    """A recursive CTE counting first, first + 1, ..., stop - 1 (column i), in SQLite and in
    PostgreSQL alike.
    """
    n = select(literal(first).label("i")).cte("n", recursive=True)
    return n.union_all(select(n.c.i + 1).where(n.c.i + 1 < stop))


class Seeder:
    """Grows the shows and bookings tables of one database to a given size, fast."""

    def __init__(self, database_url: str, owner_id: int, measured_id: int) -> None:
        self.engine = sqlalchemy.create_engine(database_url)
        self.postgres = self.engine.dialect.name == "postgresql"
        self.owner_id = owner_id
        self.measured_id = measured_id
        self.shows = 0
        self.bookings = 0
        self.fk_warned = False
        with self.engine.begin() as connection:
            self.movie_id = connection.execute(
                insert(movies).returning(movies.c.id),
                {"title": "Scale", "genre": "Test", "duration": 100},
            ).scalar_one()
            now = datetime.now(UTC)
            self.cinema_id = connection.execute(
                insert(cinemas).returning(cinemas.c.id),
                {
                    "owner_id": owner_id,
                    "name": "Scale",
                    "time_zone": "UTC",
                    "gap_minutes": 0,
                    "currency": "EUR",
                },
            ).scalar_one()
            connection.execute(
                insert(users),
                [
                    {
                        "name": "other",
                        "email": f"other{i}@example.com",
                        # Not a hash: these users never log in.
                        "password": "x",
                        "role": "user",
                        "created_at": now,
                    }
                    for i in range(OTHER_USERS)
                ],
            )
            first, last = connection.execute(
                select(func.min(users.c.id), func.max(users.c.id)).where(
                    users.c.email.like("other%")
                )
            ).one()
        assert last - first + 1 == OTHER_USERS, "the other users' ids are not contiguous"
        self.first_other = first

    @property
    def first_day(self) -> datetime:
        return datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(
            days=30
        )

    def _minutes_after_first_day(self, minutes: Any) -> Any:
        """An instant `minutes` (an SQL expression) after the first day's midnight, as each
        database stores it."""
        if self.postgres:
            return literal(self.first_day, UtcDateTime()) + func.make_interval(
                0, 0, 0, 0, 0, minutes
            )
        # SQLite keeps instants as "YYYY-MM-DD HH:MM:SS.ffffff" text, in UTC (tables.py).
        base = self.first_day.replace(tzinfo=None).isoformat(" ")
        shifted = func.strftime(
            "%Y-%m-%d %H:%M:%S",
            base,
            literal("+") + sqlalchemy.cast(minutes, sqlalchemy.Text) + " minutes",
        )
        return shifted.concat(".000000")

    def grow(self, size: int) -> float:
        """Seeds both tables up to size rows each; returns the seconds it took."""
        started = time.perf_counter()
        created = literal(datetime.now(UTC), UtcDateTime())
        with self.engine.begin() as connection:
            if self.postgres:
                self._skip_foreign_key_checks(connection)
            else:
                # This connection only: no fsync until the commit, and the indexes' pages in
                # memory (with SQLite's default 2 MB cache, 1M rows take three times as long).
                connection.exec_driver_sql("PRAGMA synchronous = OFF")
                connection.exec_driver_sql("PRAGMA cache_size = -512000")
            n = numbers(self.shows, size)
            show_columns = (
                "movie_id",
                "timing",
                "ends_at",
                "capacity",
                "available_seats",
                "owner_id",
                "cinema_id",
            )
            connection.execute(
                insert(shows).from_select(
                    show_columns,
                    select(
                        literal(self.movie_id),
                        self._minutes_after_first_day(n.c.i * SHOW_EVERY_MINUTES),
                        # The movie runs 100 minutes (__init__).
                        self._minutes_after_first_day(n.c.i * SHOW_EVERY_MINUTES + 100),
                        literal(100),
                        literal(100),
                        literal(self.owner_id),
                        literal(self.cinema_id),
                    ).select_from(n),
                )
            )
            first_show, last_show = connection.execute(
                select(func.min(shows.c.id), func.max(shows.c.id))
            ).one()
            show_span = min(1_000, last_show - first_show + 1)
            n = numbers(self.bookings, size)
            columns = ("user_id", "show_id", "num_seats", "status", "created_at")
            connection.execute(
                insert(bookings).from_select(
                    columns,
                    select(
                        self.first_other + n.c.i % OTHER_USERS,
                        first_show + n.c.i % show_span,
                        literal(1),
                        literal("active"),
                        created,
                    ).select_from(n),
                )
            )
            self.shows = self.bookings = size
            self._spread_measured_user(connection)
        with self.engine.connect() as connection:
            if self.postgres:
                # As autovacuum would on a live database.
                connection.exec_driver_sql("ANALYZE shows")
                connection.exec_driver_sql("ANALYZE bookings")
                connection.commit()
            else:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return time.perf_counter() - started

    def deep_cursor(self) -> int:
        """The id of the measured user's DEEP_AFTER-th booking."""
        with self.engine.connect() as connection:
            ids = connection.execute(
                select(bookings.c.id)
                .where(bookings.c.user_id == self.measured_id)
                .order_by(bookings.c.id)
                .limit(DEEP_AFTER)
            ).scalars()
            cursor: int = list(ids)[-1]
            return cursor

    def dispose(self) -> None:
        self.engine.dispose()

    def _skip_foreign_key_checks(self, connection: Connection) -> None:
        """PostgreSQL checks each row's foreign keys with a trigger, two thirds of the insert's
        cost here; the seeded rows reference existing users and shows by construction, so a
        superuser's seeding transaction skips them (as pg_restore does). Others pay for them.
        """
        try:
            with connection.begin_nested():
                connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
        except sqlalchemy.exc.DBAPIError:
            if not self.fk_warned:
                print("not a superuser: seeding with foreign key checks (slower)", flush=True)
                self.fk_warned = True

    def _spread_measured_user(self, connection: Connection) -> None:
        """Gives the measured user USER_BOOKINGS bookings, every size/USER_BOOKINGS-th row.

        The ids are contiguous: one session inserted them all, and nothing deleted any.
        """
        first, last = connection.execute(
            select(func.min(bookings.c.id), func.max(bookings.c.id))
        ).one()
        assert last - first + 1 == self.bookings, "the booking ids are not contiguous"
        stride = max(1, self.bookings // USER_BOOKINGS)
        connection.execute(
            update(bookings)
            .where(bookings.c.user_id == self.measured_id)
            .values(user_id=self.first_other)
        )
        connection.execute(
            update(bookings)
            .where(
                bookings.c.id.between(first, first + stride * (USER_BOOKINGS - 1)),
                (bookings.c.id - first) % stride == 0,
            )
            .values(user_id=self.measured_id)
        )
        mine = connection.execute(
            select(func.count()).where(bookings.c.user_id == self.measured_id)
        ).scalar_one()
        assert mine == min(USER_BOOKINGS, self.bookings), mine


def bench_database(
    database: str, sizes: list[int], seconds: float, connections: int, workers: int, threads: int
) -> tuple[list[dict[str, Any]], list[str]]:
    rows: list[dict[str, Any]] = []
    notes: list[str] = []
    # Log-in is not measured here: the cheapest bcrypt cost keeps the setup quick.
    with running_service(database, workers=workers, threads=threads, bcrypt_rounds=4) as server:
        assert server.database_url is not None
        token_for(server, "owner@example.com", "owner")
        token = token_for(server, MEASURED_EMAIL, "user")
        engine = sqlalchemy.create_engine(server.database_url)
        with engine.connect() as connection:
            ids = {r.email: r.id for r in connection.execute(select(users.c.email, users.c.id))}
        engine.dispose()
        seeder = Seeder(server.database_url, ids["owner@example.com"], ids[MEASURED_EMAIL])
        try:
            for size in sizes:
                seeded = seeder.grow(size)
                rate = round(2 * size / seeded) if seeded else 0
                notes.append(f"{database} {size:,}: seeded in {seeded:.1f} s ({rate:,} rows/s)")
                print(notes[-1], flush=True)
                deep = seeder.deep_cursor()
                day = (seeder.first_day + timedelta(days=MEASURED_DAY)).date().isoformat()
                listings = {
                    "GET /shows?limit=100": ("/shows?limit=100",),
                    "GET /shows?cinema_id=&date=": (
                        f"/shows?cinema_id={seeder.cinema_id}&date={day}",
                    ),
                    "GET /bookings (first page)": ("/bookings", token),
                    f"GET /bookings?after= (page {DEEP_AFTER // PAGE + 1})": (
                        f"/bookings?after={deep}",
                        token,
                    ),
                }
                for scenario, args in listings.items():
                    result = run_wrk(
                        server.base_url, "get", *args, connections=connections, seconds=seconds
                    )
                    rows.append(_row(database, size, scenario, connections, result, seeded))
        finally:
            seeder.dispose()
    return rows, notes


def _row(
    database: str, size: int, scenario: str, connections: int, result: LoadResult, seeded: float
) -> dict[str, Any]:
    return {
        "database": database,
        "table_rows": size,
        "scenario": scenario,
        "clients": connections,
        **result.as_row(),
        "seed_s": round(seeded, 1),
    }


def ratios(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per database and listing: the largest size against the smallest."""
    out = []
    for key in dict.fromkeys((r["database"], r["scenario"]) for r in rows):
        mine = [r for r in rows if (r["database"], r["scenario"]) == key]
        small, large = (
            min(mine, key=lambda r: r["table_rows"]),
            max(mine, key=lambda r: r["table_rows"]),
        )

        def ratio(column: str, small: dict[str, Any] = small, large: dict[str, Any] = large) -> Any:
            return round(large[column] / small[column], 2) if small[column] else None

        p50, p99 = ratio("p50_ms"), ratio("p99_ms")
        throughput = (
            round(small["req_per_s"] / large["req_per_s"], 2) if large["req_per_s"] else None
        )
        worst = max((x for x in (p50, p99, throughput) if x is not None), default=None)
        out.append(
            {
                "database": key[0],
                "scenario": key[1],
                "sizes": f"{large['table_rows']:,} / {small['table_rows']:,}",
                "p50_ratio": p50,
                "p99_ratio": p99,
                "slowdown_req_per_s": throughput,
                "flat_within_1.5x": worst is not None and worst <= 1.5,
            }
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--sizes", default="1000,100000,1000000")
    parser.add_argument("--seconds", type=float, default=3.0, help="per load run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=32, help="Python threads per worker")
    parser.add_argument("--smoke", action="store_true", help="a few seconds in all, for CI")
    args = parser.parse_args()
    require_wrk()
    sizes = [1_000, 10_000] if args.smoke else sorted(int(s) for s in args.sizes.split(","))
    seconds = 1.0 if args.smoke else args.seconds
    databases = chosen_legs(args.databases)
    rows: list[dict[str, Any]] = []
    notes: list[str] = []
    for database in databases:
        more_rows, more_notes = bench_database(
            database, sizes, seconds, args.connections, args.workers, args.threads
        )
        rows.extend(more_rows)
        notes.extend(more_notes)
        print_table(rows)
        print()
    summary = ratios(rows)
    print_table(summary)
    print()
    print_json_line(
        "scale", rows, seconds_per_run=seconds, sizes=sizes, ratios=summary, seeding=notes
    )
    if any(
        r["errors"] or not r["statuses"].startswith("200:") or " " in r["statuses"] for r in rows
    ):
        raise SystemExit("FAILED: errors or non-200 replies (see the table)")


if __name__ == "__main__":
    main()
