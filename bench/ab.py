"""A/B: two `boxoffice serve` side by side, loaded in turn, for changes smaller than the noise.

    python -m bench.ab [--database sqlite] [--rounds 4] [--seconds 3] [--smoke]
                       A_NAME:THREADS[:SRC_DIR] B_NAME:THREADS[:SRC_DIR]

On a noisy virtual machine two runs of the same benchmark minutes apart can differ by half.
Here both services start together (idle while the other is loaded) and short wrk runs of
`GET /shows?limit=100`, `POST /bookings` (100 shows, 32 connections) and bookings of one show
by 64 connections (the sell-out's contention, on a fresh show too big to sell out in one run)
alternate between them, A then B, then B then A; the medians compare. SRC_DIR, a `src` folder
of another checkout (`git worktree add /tmp/old HEAD~1` gives /tmp/old/src), runs that code
instead of this one's. Example: `python -m bench.ab t32:32 t4:4` compares thread counts.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import tempfile
from pathlib import Path

from bench.common import print_json_line, print_table, scratch_database
from bench.load import require_wrk, run_wrk
from bench.service import add_shows, token_for
from tests.e2e.server import Server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("a", help="NAME:THREADS[:SRC_DIR]")
    parser.add_argument("b", help="NAME:THREADS[:SRC_DIR]")
    parser.add_argument("--database", default="sqlite", choices=("sqlite", "postgres"))
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=3.0, help="per wrk run")
    parser.add_argument("--smoke", action="store_true", help="one 1-second round, for CI")
    args = parser.parse_args()
    require_wrk()
    rounds, seconds = (1, 1.0) if args.smoke else (args.rounds, args.seconds)
    figures: dict[str, dict[str, list[float]]] = {}
    with contextlib.ExitStack() as stack:
        services = {}
        for spec in (args.a, args.b):
            name, threads, *source = spec.split(":")
            directory = stack.enter_context(tempfile.TemporaryDirectory())
            # Each service's own code migrates its database as it starts.
            url = stack.enter_context(scratch_database(args.database, directory, migrate=False))
            env = {"PYTHONPATH": source[0]} if source and source[0] else {}
            server = Server(
                data_dir=Path(directory),
                database_url=url,
                workers=2,
                threads=int(threads),
                extra_env=env,
            )
            server.start()
            stack.callback(server.stop)
            owner = token_for(server, "owner@example.com", "owner")
            user = token_for(server, "user@example.com", "user")
            shows = add_shows(server, owner, 100, seats=100_000)
            services[name] = (server, owner, user, shows[0])
            figures[name] = {"listing": [], "booking": [], "one_show": []}
        for round_number in range(rounds):
            order = list(services) if round_number % 2 == 0 else list(reversed(services))
            for name in order:
                server, owner, user, first_show = services[name]
                listing = run_wrk(
                    server.base_url, "get", "/shows?limit=100", connections=32, seconds=seconds
                )
                booking = run_wrk(
                    server.base_url,
                    "book",
                    user,
                    str(first_show),
                    "100",
                    connections=32,
                    seconds=seconds,
                )
                # The sell-out's contention, on a fresh show too big to sell out in one run.
                (hot_show,) = add_shows(server, owner, 1, seats=100_000)
                one_show = run_wrk(
                    server.base_url,
                    "book",
                    user,
                    str(hot_show),
                    "1",
                    connections=64,
                    seconds=seconds,
                )
                figures[name]["listing"].append(listing.per_second)
                figures[name]["booking"].append(booking.per_second)
                # Bookings made, not answers: a 5xx or a 409 is not a sale.
                figures[name]["one_show"].append(one_show.count(201) / one_show.seconds)
    rows = [
        {
            "service": name,
            "database": args.database,
            "rounds": rounds,
            "listing_median_req_per_s": round(statistics.median(runs["listing"])),
            "listing_runs": " ".join(f"{x:.0f}" for x in runs["listing"]),
            "booking_median_req_per_s": round(statistics.median(runs["booking"])),
            "booking_runs": " ".join(f"{x:.0f}" for x in runs["booking"]),
            "one_show_median_bookings_per_s": round(statistics.median(runs["one_show"])),
            "one_show_runs": " ".join(f"{x:.0f}" for x in runs["one_show"]),
        }
        for name, runs in figures.items()
    ]
    print_table(rows)
    print_json_line("ab", rows, seconds_per_run=seconds)


if __name__ == "__main__":
    main()
