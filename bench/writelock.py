"""Benchmark 7: SQLite's one write lock under load, timed inside the workers.

    python -m bench.writelock [--clients 32] [--seconds 10] [--slots N] [--smoke]

Every booking of every worker queues for the database file's single write lock. Against
`boxoffice serve` on a SQLite file, wrk books seats spread over 100 shows while a probe in each
worker (writelock_probe/sitecustomize.py, put on the service's PYTHONPATH) times every write
turn: how long the writer waited for it, and how long it held it, from just before BEGIN
IMMEDIATE to the end of its COMMIT. The table gives both, and how much of the run the lock was
held (lock_busy): near 1, bookings queue on the lock; well below, something else bounds them.
Another checkout's code runs with PYTHONPATH=<its src>, as for the other benchmarks.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from bench.common import Figures, print_json_line, print_table
from bench.load import require_wrk, run_wrk
from bench.service import add_shows, running_service, token_for
from bench.writelock_probe.sitecustomize import FLUSH_SECONDS

PROBE = Path(__file__).with_name("writelock_probe")
SHOWS = 100


def samples_since(folder: Path, started: float) -> list[tuple[float, float]]:
    """(wait, held) in seconds of the write turns got after `started`, from every worker."""
    found = []
    for path in folder.glob("*.txt"):
        for line in path.read_text().splitlines():
            at, wait, held = (float(x) for x in line.split())
            if at >= started:
                found.append((wait, held))
    return found


def run(clients: int, seconds: float, slots: int | None) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as folder:
        path = os.pathsep.join(p for p in (str(PROBE), os.environ.get("PYTHONPATH")) if p)
        extra = {"PYTHONPATH": path, "BENCH_WRITELOCK_DIR": folder}
        with running_service("sqlite", workers=2, slots=slots, extra_env=extra) as server:
            owner = token_for(server, "owner@example.com", "owner")
            user = token_for(server, "user@example.com", "user")
            shows = add_shows(server, owner, SHOWS, seats=100_000)
            started = time.time()
            load = run_wrk(
                server.base_url,
                *("book", user, str(shows[0]), str(SHOWS)),
                connections=clients,
                seconds=seconds,
            )
            # Each worker's probe writes its samples every FLUSH_SECONDS.
            time.sleep(4 * FLUSH_SECONDS)
        samples = samples_since(Path(folder), started)
    if not samples:
        raise SystemExit("FAILED: the probe recorded no write turn")
    waits = Figures(len(samples), load.seconds, [wait * 1000 for wait, _ in samples])
    holds = Figures(len(samples), load.seconds, [held * 1000 for _, held in samples])
    return {
        "clients": clients,
        "slots": "default" if slots is None else slots,
        "bookings_per_s": round(load.per_second, 1),
        "p99_ms": round(load.p99_ms, 2),
        "errors": load.server_errors + load.socket_errors,
        "write_turns": len(samples),
        "held_mean_ms": round(statistics.fmean(holds.latencies_ms), 3),
        "held_p50_ms": round(holds.percentile(0.50), 3),
        "held_p90_ms": round(holds.percentile(0.90), 3),
        "held_p99_ms": round(holds.percentile(0.99), 3),
        "waited_mean_ms": round(statistics.fmean(waits.latencies_ms), 3),
        "waited_p90_ms": round(waits.percentile(0.90), 3),
        "lock_busy": round(sum(holds.latencies_ms) / 1000 / load.seconds, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument(
        "--slots",
        type=int,
        help="requests running at once per worker (default: the service's, 4)",
    )
    parser.add_argument("--smoke", action="store_true", help="a few seconds in all, for CI")
    args = parser.parse_args()
    require_wrk()
    seconds = 1.0 if args.smoke else args.seconds
    row = run(args.clients, seconds, args.slots)
    print_table([row])
    print_json_line("writelock", [row], seconds_per_run=seconds)
    if row["errors"]:
        raise SystemExit("FAILED: errors (see the table)")


if __name__ == "__main__":
    main()
