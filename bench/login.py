"""Benchmark 4: log-in's cost at the configured bcrypt cost, and whether hashing stalls bookings.

    python -m bench.login [--databases sqlite,postgres] [--workers 2] [--threads 32]
                          [--bcrypt-rounds 12] [--booking-clients 4] [--login-clients 20]
                          [--seconds 8] [--smoke]

Per database, against `boxoffice serve --workers N` with BOXOFFICE_BCRYPT_ROUNDS at the given
cost (default 12, the service's own default), three wrk runs:
  1. POST /bookings alone: 1 seat, spread over 100 shows, by a few clients;
  2. POST /login alone: 20 clients logging in continuously (logins/s at this cost);
  3. the two at once: the login storm starts, one second later the same booking load runs for
     the same time, and the storm outlasts it by a second. Each wrk is its own process; both run
     concurrently (one Python thread waits on each).
After each login run the benchmark waits for the server to finish the log-ins wrk left queued,
and reports how long that took after the storm. The last table compares bookings/s and booking
p99 with and without the storm. Hashing is CPU work, and a thread waiting on it is a thread not
booking; the machine has 2 cores for the server, the load generators and the database. The
figures say how much. --login-clients beyond the threads a worker leaves to log-ins shows the
503s that keep bookings going.
--smoke: 1-second runs at bcrypt cost 4 (unless --bcrypt-rounds says otherwise).
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bench.common import chosen_legs, print_json_line, print_table
from bench.load import LoadResult, require_wrk, run_wrk
from bench.service import PASSWORD, add_shows, running_service, token_for
from tests.e2e.server import Server

SPREAD_SHOWS = 100
LOGIN_EMAIL = "login@example.com"
# The storm is under way this long before the bookings start, and outlasts them by as much.
LEAD_SECONDS = 1


def bench_database(
    database: str,
    *,
    workers: int,
    threads: int,
    rounds: int,
    booking_clients: int,
    login_clients: int,
    seconds: float,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    with running_service(
        database, workers=workers, threads=threads, bcrypt_rounds=rounds
    ) as server:
        owner = token_for(server, "owner@example.com", "owner")
        user = token_for(server, "user@example.com", "user")
        token_for(server, LOGIN_EMAIL, "user")
        spread = add_shows(server, owner, SPREAD_SHOWS, seats=100_000)
        book = ("book", user, str(spread[0]), str(SPREAD_SHOWS))
        login = ("login", LOGIN_EMAIL, PASSWORD)

        def row(scenario: str, clients: int, result: LoadResult) -> dict[str, Any]:
            rows.append(
                {
                    "database": database,
                    "workers": workers,
                    "threads": threads,
                    "bcrypt_rounds": rounds,
                    "scenario": scenario,
                    "clients": clients,
                    **result.as_row(),
                }
            )
            return rows[-1]

        alone = row(
            "POST /bookings alone",
            booking_clients,
            run_wrk(server.base_url, *book, connections=booking_clients, seconds=seconds),
        )
        logins = row(
            "POST /login alone",
            login_clients,
            run_wrk(server.base_url, *login, connections=login_clients, seconds=seconds),
        )
        drain(server)
        with ThreadPoolExecutor(max_workers=2) as pool:
            storm = pool.submit(
                run_wrk,
                server.base_url,
                *login,
                connections=login_clients,
                seconds=seconds + 2 * LEAD_SECONDS,
            )
            time.sleep(LEAD_SECONDS)
            during = run_wrk(server.base_url, *book, connections=booking_clients, seconds=seconds)
            storm_result = storm.result()
        backlog = drain(server)
        stormed = row("POST /bookings during storm", booking_clients, during)
        row("POST /login storm", login_clients, storm_result)
    summary = {
        "database": database,
        "bcrypt_rounds": rounds,
        "logins_per_s": logins["req_per_s"],
        "logins_per_s_in_storm": round(storm_result.per_second, 1),
        "bookings_per_s_alone": alone["req_per_s"],
        "bookings_per_s_in_storm": stormed["req_per_s"],
        "throughput_kept": _ratio(stormed["req_per_s"], alone["req_per_s"]),
        "booking_p99_alone_ms": alone["p99_ms"],
        "booking_p99_in_storm_ms": stormed["p99_ms"],
        "p99_growth": _ratio(stormed["p99_ms"], alone["p99_ms"]),
        "backlog_after_storm_s": round(backlog, 1),
    }
    return rows, summary


def drain(server: Server) -> float:
    """Waits until the server has worked through the log-ins wrk left queued when it stopped
    (requests already taken are hashed for clients long gone);
    returns how long that took.
    """
    started = time.perf_counter()
    assert server.call("GET", "/health").status == 200
    return time.perf_counter() - started


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 2) if b else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=32, help="Python threads per worker")
    parser.add_argument(
        "--bcrypt-rounds", type=int, help="default: 12, the service's default (smoke: 4)"
    )
    parser.add_argument("--booking-clients", type=int, default=4)
    parser.add_argument("--login-clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=8.0, help="per load run")
    parser.add_argument("--smoke", action="store_true", help="a few seconds in all, for CI")
    args = parser.parse_args()
    require_wrk()
    seconds = 1.0 if args.smoke else args.seconds
    rounds = args.bcrypt_rounds or (4 if args.smoke else 12)
    databases = chosen_legs(args.databases)
    rows: list[dict[str, Any]] = []
    summaries: list[dict[str, Any]] = []
    for database in databases:
        more_rows, summary = bench_database(
            database,
            workers=args.workers,
            threads=args.threads,
            rounds=rounds,
            booking_clients=args.booking_clients,
            login_clients=args.login_clients,
            seconds=seconds,
        )
        rows.extend(more_rows)
        summaries.append(summary)
        print_table(rows)
        print()
    print_table(summaries)
    print()
    print_json_line("login", rows, seconds_per_run=seconds, summary=summaries)
    if any(r["errors"] for r in rows):
        raise SystemExit("FAILED: server or socket errors (see the table)")


if __name__ == "__main__":
    main()
