"""Booking throughput with a webhook registered against without, over `boxoffice serve`.

    python -m bench.webhooks [--databases sqlite,postgres] [--workers 2] [--rounds 4]
                             [--seconds 5] [--smoke]

Per database, one `boxoffice serve --workers N` whose shows (100, on a screen of one cinema)
are booked by 32 wrk connections, one seat each, in rounds: with a webhook on the cinema that
subscribes to every event (bench/sink.py, a receiver process that accepts each POST), and without
(the webhook deleted, so no event is written), after an unmeasured second of warming up. The
rounds alternate, with then without, then
without then with, as in bench/ab.py, and the medians compare. After each round with the
webhook, the receiver's count of bookings is waited for: every booking made is delivered,
and how long delivery trailed the load is reported (drain_s), with the share of a core the
receiver took meanwhile (receiver_cores: it runs on the service's machine, where a cinema's
own would run on another). With --dispatcher
off the service delivers nothing (BOXOFFICE_WEBHOOKS_POLL_SECONDS=0): the events are only
written, which is the outbox's own cost.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime, timedelta

from bench.common import chosen_legs, print_json_line, print_table
from bench.load import require_wrk, run_wrk
from bench.service import running_service, token_for
from bench.sink import running_sink
from tests.e2e.server import Server

CONNECTIONS = 32
SHOWS = 100
SEATS = 100_000
DRAIN_SECONDS = 300.0
# The receiver is on 127.0.0.1; the dispatcher runs with the service's defaults.
DISPATCHER_ENV = {
    "BOXOFFICE_WEBHOOKS_ALLOW_PRIVATE": "1",
}


def cinema_shows(server: Server, owner: str, count: int, seats: int) -> tuple[int, list[int]]:
    """A cinema with one general-admission screen and `count` shows on it, a day apart."""
    cinema = server.call(
        "POST", "/cinemas", {"name": "Bench", "time_zone": "UTC", "currency": "EUR"}, owner
    )
    assert cinema.status == 201, cinema
    cinema_id = cinema.body["id"]
    screen = server.call(
        "POST", f"/cinemas/{cinema_id}/screens", {"name": "One", "capacity": seats}, owner
    )
    assert screen.status == 201, screen
    movie = server.call(
        "POST", "/movies", {"title": "Bench", "genre": "Test", "duration": 100}, owner
    )
    assert movie.status == 201, movie
    first = datetime.now(UTC) + timedelta(days=30)
    ids = []
    for day in range(count):
        body = {
            "movie_id": movie.body["id"],
            "screen_id": screen.body["id"],
            "timing": (first + timedelta(days=day)).isoformat(),
        }
        show = server.call("POST", "/shows", body, owner)
        assert show.status == 201, show
        ids.append(show.body["id"])
    return cinema_id, ids


def register(server: Server, owner: str, cinema_id: int, url: str) -> int:
    reply = server.call(
        "POST", f"/cinemas/{cinema_id}/webhooks", {"url": url, "events": ["*"]}, owner
    )
    assert reply.status == 201, reply
    webhook_id: int = reply.body["id"]
    return webhook_id


def delete(server: Server, owner: str, webhook_id: int) -> None:
    """Delete the webhook; a 503 is retried after its Retry-After, as a client would, and
    reported, so that it shows in the output."""
    for _ in range(5):
        reply = server.call("DELETE", f"/webhooks/{webhook_id}", token=owner)
        if reply.status != 503:
            break
        print(f"DELETE /webhooks/{webhook_id} answered 503: {_warnings(server)[-1:]}")
        time.sleep(float(reply.headers.get("retry-after", "1")))
    if reply.status != 200:
        lines = "\n".join(_warnings(server)[-20:])
        raise SystemExit(f"DELETE /webhooks/{webhook_id}: {reply}\n{lines}")


def _warnings(server: Server) -> list[str]:
    return [line for line in server.log().splitlines() if "WARNING" in line or "ERROR" in line]


def bench_database(
    database: str, workers: int, rounds: int, seconds: float, dispatch: bool = True
) -> dict[str, object]:
    runs: dict[str, list[float]] = {"with": [], "without": []}
    drains: list[float] = []
    receiver_cpu: list[float] = []
    env = DISPATCHER_ENV if dispatch else {**DISPATCHER_ENV, "BOXOFFICE_WEBHOOKS_POLL_SECONDS": "0"}
    with (
        running_sink() as receiver,
        running_service(database, workers=workers, bcrypt_rounds=4, extra_env=env) as server,
    ):
        owner = token_for(server, "owner@example.com", "owner")
        user = token_for(server, "user@example.com", "user")
        cinema_id, shows = cinema_shows(server, owner, SHOWS, SEATS)
        # Unmeasured: the first run on a fresh service warms its caches and connections.
        run_wrk(server.base_url, "book", user, str(shows[0]), str(SHOWS), connections=32, seconds=1)
        for round_number in range(rounds):
            order = ("with", "without") if round_number % 2 == 0 else ("without", "with")
            for leg in order:
                webhook = (
                    register(server, owner, cinema_id, receiver.url) if leg == "with" else None
                )
                before = receiver.count("booking.created")
                cpu_before = receiver.cpu_seconds()
                result = run_wrk(
                    server.base_url,
                    "book",
                    user,
                    str(shows[0]),
                    str(SHOWS),
                    connections=CONNECTIONS,
                    seconds=seconds,
                )
                runs[leg].append(result.count(201) / result.seconds)
                if webhook is not None:
                    receiver_cpu.append((receiver.cpu_seconds() - cpu_before) / result.seconds)
                if webhook is not None and dispatch:
                    want = before + result.count(201)
                    loaded = time.monotonic()
                    receiver.wait_for("booking.created", want, timeout=DRAIN_SECONDS)
                    drains.append(time.monotonic() - loaded)
                if webhook is not None:
                    delete(server, owner, webhook)
    with_median, without_median = (statistics.median(runs[leg]) for leg in ("with", "without"))
    return {
        "database": database,
        "workers": workers,
        "dispatcher": "on" if dispatch else "off",
        "clients": CONNECTIONS,
        "rounds": rounds,
        "without_bookings_per_s": round(without_median),
        "without_runs": " ".join(f"{x:.0f}" for x in runs["without"]),
        "with_bookings_per_s": round(with_median),
        "with_runs": " ".join(f"{x:.0f}" for x in runs["with"]),
        "change_pct": round(100 * (with_median - without_median) / without_median, 1)
        if without_median
        else None,
        "drain_s": " ".join(f"{x:.1f}" for x in drains),
        "receiver_cores": round(statistics.median(receiver_cpu), 2) if receiver_cpu else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=5.0, help="per wrk run")
    parser.add_argument(
        "--dispatcher",
        choices=("on", "off"),
        default="on",
        help="off: events are written but nothing delivers them (the outbox's cost alone)",
    )
    parser.add_argument("--smoke", action="store_true", help="one 1-second round, for CI")
    args = parser.parse_args()
    require_wrk()
    rounds, seconds = (1, 1.0) if args.smoke else (args.rounds, args.seconds)
    rows = [
        bench_database(database, args.workers, rounds, seconds, args.dispatcher == "on")
        for database in chosen_legs(args.databases)
    ]
    print_table(rows)
    print_json_line("webhooks", rows, seconds_per_run=seconds)


if __name__ == "__main__":
    main()
