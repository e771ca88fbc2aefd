"""Benchmark 2: the REST service under load from wrk, on SQLite and on PostgreSQL.

    python -m bench.http [--databases sqlite,postgres] [--workers 2] [--threads 32] [--slots N]
                         [--seconds 10] [--sqlite-synchronous full] [--access-log on] [--smoke]

Per database, against `boxoffice serve --workers N` with its durable defaults (or, with
--sqlite-synchronous normal, SQLite's explicit less durable mode, reported as its own rows;
with --access-log off, no line logged per request, the access_log column says so; with
--slots, that many requests running at once per worker instead of the service's 4):
  - GET /shows?limit=100 with 100 shows, 32 connections;
  - POST /bookings of 1 seat spread over 100 shows, 32 connections;
  - a contended sell-out: 64 connections booking 1 seat each of one 1,000-seat show.
Afterwards the database is audited: for every show available + active booked == capacity
(the oversell check), and the sell-out's pace is read from the bookings' own timestamps.
Each run also reports the CPU a request cost the service, PostgreSQL and wrk, how many cores
were busy, and the rate at which that cost would fill the cores (bench/cpu.py).
"""

from __future__ import annotations

import argparse

from bench.common import chosen_legs, print_json_line, print_table
from bench.load import measured, require_wrk
from bench.service import add_shows, audit, running_service, token_for

SPREAD_SHOWS = 100
SELL_OUT_SEATS = 1000


def bench_database(
    database: str,
    workers: int,
    threads: int,
    seconds: float,
    sqlite_synchronous: str = "full",
    access_log: str = "on",
    slots: int | None = None,
) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    with running_service(
        database,
        workers=workers,
        threads=threads,
        sqlite_synchronous=sqlite_synchronous,
        access_log=access_log,
        slots=slots,
    ) as server:
        assert server.database_url is not None
        owner = token_for(server, "owner@example.com", "owner")
        user = token_for(server, "user@example.com", "user")
        spread = add_shows(server, owner, SPREAD_SHOWS, seats=100_000)

        def row(scenario: str, connections: int, result: object, **extra: object) -> None:
            rows.append(
                {
                    "database": database
                    if database != "sqlite" or sqlite_synchronous == "full"
                    else f"sqlite ({sqlite_synchronous})",
                    "workers": workers,
                    "threads": threads,
                    "slots": "default" if slots is None else slots,
                    "access_log": access_log,
                    "scenario": scenario,
                    "clients": connections,
                    **result.as_row(),  # type: ignore[attr-defined]
                    **extra,
                }
            )

        listing, spent = measured(
            server,
            database,
            "get",
            "/shows?limit=100",
            connections=32,
            seconds=seconds,
        )
        row("GET /shows?limit=100", 32, listing, **spent)

        booking, spent = measured(
            server,
            database,
            "book",
            user,
            str(spread[0]),
            str(SPREAD_SHOWS),
            connections=32,
            seconds=seconds,
        )
        checked = audit(server.database_url, spread)
        row(
            "POST /bookings (100 shows)",
            32,
            booking,
            oversold=checked.oversold_shows,
            lost=lost(booking.count(201), checked.seats_booked),
            booked=checked.seats_booked,
            **spent,
        )

        (sell_out_show,) = add_shows(server, owner, 1, seats=SELL_OUT_SEATS)
        contended, spent = measured(
            server,
            database,
            "book",
            user,
            str(sell_out_show),
            "1",
            connections=64,
            seconds=max(2.0, seconds / 2),
        )
        sold = audit(server.database_url, [sell_out_show])
        pace = None
        if sold.first_booking and sold.last_booking and sold.seats_booked > 1:
            elapsed = (sold.last_booking - sold.first_booking).total_seconds()
            pace = round((sold.seats_booked - 1) / elapsed, 1) if elapsed else None
        row(
            "sell-out 1,000 seats",
            64,
            contended,
            oversold=sold.oversold_shows + (sold.seats_booked > SELL_OUT_SEATS),
            lost=lost(contended.count(201), sold.seats_booked),
            booked=sold.seats_booked,
            left=sold.seats_left,
            sell_out_bookings_per_s=pace,
            **spent,
        )
    return rows


def lost(acknowledged: int, stored: int) -> int:
    """Bookings answered 201 that the database does not hold (must be 0). The database may
    hold a few more than wrk counted: requests still in flight when wrk stopped reading.
    """
    return max(0, acknowledged - stored)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=32, help="Python threads per worker")
    parser.add_argument(
        "--slots",
        type=int,
        help="requests running at once per worker (default: the service's, 4)",
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="per load run")
    parser.add_argument(
        "--sqlite-synchronous",
        choices=("full", "normal"),
        default="full",
        help="normal: the explicit, less durable option, measured on its own",
    )
    parser.add_argument(
        "--access-log",
        choices=("on", "off"),
        default="on",
        help="off: the explicit option without a line per request, measured on its own",
    )
    parser.add_argument("--smoke", action="store_true", help="a few seconds in all, for CI")
    args = parser.parse_args()
    require_wrk()
    seconds = 1.0 if args.smoke else args.seconds
    databases = chosen_legs(args.databases)
    rows: list[dict[str, object]] = []
    for database in databases:
        rows.extend(
            bench_database(
                database,
                args.workers,
                args.threads,
                seconds,
                args.sqlite_synchronous,
                args.access_log,
                args.slots,
            )
        )
        print_table(rows)
        print()
    print_json_line("http", rows, seconds_per_run=seconds)
    if any(r.get("oversold") or r.get("lost") or r.get("errors") for r in rows):
        raise SystemExit("FAILED: oversell or errors (see the table)")


if __name__ == "__main__":
    main()
