"""Benchmark 5: reserved seating: best-seat picking in process, and the seat map over HTTP.

    python -m bench.seating [--calls 2000] [--databases sqlite,postgres] [--workers 2]
                            [--threads 32] [--seconds 10] [--smoke]

1. In process, `best_seats` on a 1,000-seat hall (25 rows of 40) for parties of 1 to 10, at
   four fill levels: empty; half full and 90 % full, with parties of 1 to 6 booked at random
   places (a seeded random, so every run sees the same hall); and "two per row", where each row
   has two free seats far apart, so every party of two or more takes the fallback (the slow
   path), over several rows from three on. Per call: p50/p99 in µs and calls/s, over --calls
   calls per cell.
2. Over HTTP, `boxoffice serve --workers N` with its durable defaults: one 500-seat show
   (20 rows of 25) with blocked, booked and held seats, and wrk reading
   GET /shows/{id}/seats with 32 connections; GET /health, which touches nothing, is measured
   alongside as the HTTP stack's floor on this machine.
--smoke: 50 calls per cell and 1-second wrk runs.
"""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter
from typing import Any

from bench.common import Figures, chosen_legs, print_json_line, print_table
from bench.load import measured, require_wrk
from bench.service import running_service, token_for
from boxoffice.domain.seat_picker import best_seats
from boxoffice.domain.seating import FREE, SeatingChart, SeatMap, SeatRow, SeatState
from tests.e2e.server import Server

HALL_ROWS, HALL_SEATS_PER_ROW = 25, 40
PARTY_SIZES = range(1, 11)
BOOKED = "B"
# The HTTP show: 500 seats; the aisle corners are blocked, two broken seats too.
SHOW_ROWS, SHOW_SEATS_PER_ROW = 20, 25
SHOW_BLOCKED = ["A1", "A25", "T1", "T25", "G13", "M7"]
SHOW_BOOKINGS = 12  # of 10 best seats each
SHOW_HOLDERS = 3  # each holding 8 best seats
CONNECTIONS = 32


def row_labels(count: int) -> list[str]:
    """A, B, ..., Z, AA, AB, ...: as many row labels as asked for."""
    letters = [chr(ord("A") + i) for i in range(26)]
    return [letters[i] if i < 26 else letters[i // 26 - 1] + letters[i % 26] for i in range(count)]


def hall(rows: int, seats_per_row: int) -> SeatMap:
    return SeatMap(tuple(SeatRow(label, seats_per_row) for label in row_labels(rows)))


def randomly_booked(plan: SeatMap, fraction: float, seed: int) -> SeatingChart:
    """Parties of 1 to 6 booked at random free places until `fraction` of the hall is taken."""
    rng = random.Random(seed)
    codes = [FREE] * len(plan.labels)
    target = int(fraction * len(codes))
    spans = plan.row_spans()
    taken = 0
    while taken < target:
        start, row = rng.choice(spans)
        size = min(rng.randint(1, 6), target - taken)
        first = start + rng.randrange(row.seats - size + 1)
        if all(code == FREE for code in codes[first : first + size]):
            codes[first : first + size] = [BOOKED] * size
            taken += size
    return SeatingChart(plan, "".join(codes))


def two_free_per_row(plan: SeatMap) -> SeatingChart:
    """Every row full but its first and last seats: no two free seats are adjacent anywhere."""
    codes = []
    for row in plan.rows:
        codes.append(FREE + BOOKED * (row.seats - 2) + FREE)
    return SeatingChart(plan, "".join(codes))


def fill_levels() -> dict[str, SeatingChart]:
    plan = hall(HALL_ROWS, HALL_SEATS_PER_ROW)
    return {
        "empty": SeatingChart.empty(plan),
        "half full": randomly_booked(plan, 0.5, seed=1),
        "90% full": randomly_booked(plan, 0.9, seed=2),
        "two per row": two_free_per_row(plan),
    }


def time_best_seats(chart: SeatingChart, party: int, calls: int) -> tuple[Figures, list[str]]:
    """Figures of `calls` calls, and the seats chosen."""
    latencies: list[float] = []
    began = time.perf_counter()
    for _ in range(calls):
        started = time.perf_counter_ns()
        seats = best_seats(chart, party)
        latencies.append((time.perf_counter_ns() - started) / 1e6)
    return Figures(calls, time.perf_counter() - began, latencies), seats


def rows_and_together(chart: SeatingChart, seats: list[str]) -> tuple[int, bool]:
    """How many rows the seats span, and whether they are one run of adjacent seats."""
    rows = {seat.rstrip("0123456789") for seat in seats}
    positions = sorted(chart.plan.positions[seat] for seat in seats)
    return len(rows), len(rows) == 1 and positions[-1] - positions[0] == len(seats) - 1


def bench_picker(calls: int) -> list[dict[str, Any]]:
    rows = []
    for level, chart in fill_levels().items():
        for party in PARTY_SIZES:
            figures, seats = time_best_seats(chart, party, calls)
            rows_used, together = rows_and_together(chart, seats)
            rows.append(
                {
                    "hall": f"{HALL_ROWS}x{HALL_SEATS_PER_ROW}",
                    "fill": level,
                    "free": chart.free_count,
                    "party": party,
                    "rows_used": rows_used,
                    "together": together,
                    "calls": calls,
                    "calls_per_s": round(figures.per_second),
                    "p50_us": round(figures.percentile(0.50) * 1000, 1),
                    "p99_us": round(figures.percentile(0.99) * 1000, 1),
                }
            )
    return rows


def seed_show(server: Server) -> int:
    """A 500-seat show with every state present: blocked, booked, held and free seats."""
    owner = token_for(server, "owner@example.com", "owner")
    buyer = token_for(server, "buyer@example.com", "user")
    movie = server.call(
        "POST", "/movies", {"title": "Bench", "genre": "Test", "duration": 100}, owner
    )
    seat_map = {
        "rows": [{"label": label, "seats": SHOW_SEATS_PER_ROW} for label in row_labels(SHOW_ROWS)],
        "blocked": SHOW_BLOCKED,
    }
    reply = server.call(
        "POST",
        "/shows",
        {"movie_id": movie.body["id"], "timing": "2099-01-01T20:00:00+00:00", "seat_map": seat_map},
        owner,
    )
    assert reply.status == 201, reply
    show_id: int = reply.body["id"]
    for _ in range(SHOW_BOOKINGS):
        booked = server.call("POST", "/bookings", {"show_id": show_id, "num_seats": 10}, buyer)
        assert booked.status == 201, booked
    # One hold per user and show, so each hold needs its own user.
    for n in range(SHOW_HOLDERS):
        holder = token_for(server, f"holder{n}@example.com", "user")
        held = server.call("POST", "/holds", {"show_id": show_id, "num_seats": 8}, holder)
        assert held.status == 201, held
    return show_id


def bench_seat_map(
    database: str, workers: int, threads: int, seconds: float
) -> list[dict[str, Any]]:
    # Nobody logs in during the measurement, so the cheapest bcrypt cost only speeds the set-up.
    with running_service(database, workers=workers, threads=threads, bcrypt_rounds=4) as server:
        show_id = seed_show(server)
        seat_map_path = f"/shows/{show_id}/seats"
        body = server.call("GET", seat_map_path).body
        states = Counter(seat["state"] for row in body["rows"] for seat in row["seats"])
        rows = []
        for scenario, path in (
            ("GET /health", "/health"),
            ("GET /shows/{id}/seats", seat_map_path),
        ):
            result, spent = measured(
                server,
                database,
                "get",
                path,
                connections=CONNECTIONS,
                seconds=seconds,
            )
            rows.append(
                {
                    "database": database,
                    "workers": workers,
                    "threads": threads,
                    "scenario": scenario,
                    "clients": CONNECTIONS,
                    **result.as_row(),
                    "non_2xx": result.requests
                    - sum(n for status, n in result.statuses.items() if 200 <= status < 300),
                    **spent,
                }
            )
        rows[-1]["seats"] = " ".join(f"{s}:{states.get(s, 0)}" for s in map(str, SeatState))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=2000, help="best_seats calls per cell")
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=32, help="Python threads per worker")
    parser.add_argument("--seconds", type=float, default=10.0, help="per wrk run")
    parser.add_argument("--smoke", action="store_true", help="a few seconds in all, for CI")
    args = parser.parse_args()
    require_wrk()
    calls = 50 if args.smoke else args.calls
    seconds = 1.0 if args.smoke else args.seconds

    picker = bench_picker(calls)
    print_table(picker)
    print()
    slowest = max(picker, key=lambda row: row["p99_us"])
    print(
        f"slowest cell: {slowest['fill']}, party of {slowest['party']}: "
        f"p99 {slowest['p99_us']} µs (target: under 1,000 µs)\n"
    )

    databases = chosen_legs(args.databases)
    served: list[dict[str, Any]] = []
    for database in databases:
        served.extend(bench_seat_map(database, args.workers, args.threads, seconds))
        print_table(served)
        print()
    print_json_line(
        "seating",
        picker + served,
        calls_per_cell=calls,
        seconds_per_run=seconds,
        slowest_pick_p99_us=slowest["p99_us"],
    )


if __name__ == "__main__":
    main()
