"""Benchmark: scheduling a season in process, over memory, a SQLite file and PostgreSQL.

    python -m bench.schedule [--days 90] [--repeats 5] [--adapters memory,sqlite,postgres]
                             [--smoke]

Per adapter, `schedule_series` of --days days at 4 local times a day (360 shows for 90 days) on
a fresh 300-seat screen with a premium zone, in a cinema in Europe/Berlin, --repeats times
(each on a screen of its own, so the screen's schedule starts empty but the tables grow).
Prints the best and the median seconds per series, and shows scheduled per second. The target:
a 90-day series under 1 s on SQLite.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import tempfile
import time
from datetime import date, timedelta
from datetime import time as clock_time

import boxoffice
from bench.common import chosen_legs, print_json_line, print_table, scratch_database

PASSWORD = "benchmark password"
TIMES = [clock_time(11, 0), clock_time(14, 0), clock_time(17, 30), clock_time(21, 0)]
LAYOUT = boxoffice.SeatMap.build(
    [(row, 20) for row in "ABCDEFGHIJKLMNO"], zones={"premium": ["G3-G18", "H3-H18"]}
)


def bench_adapter(adapter: str, days: int, repeats: int, directory: str) -> dict[str, object]:
    with _database(adapter, directory) as url:
        app = boxoffice.bootstrap(url, bcrypt_rounds=4)
        app.sign_up(name="Owner", email="owner@example.com", password=PASSWORD, role="owner")
        owner = app.actor_for(email="owner@example.com", password=PASSWORD)
        cinema = app.add_cinema(owner, name="Bench", time_zone="Europe/Berlin", currency="EUR")
        movie = app.add_movie(owner, title="Bench", genre="Test", duration=120)
        first = date.today() + timedelta(days=2)
        seconds = []
        shows = 0
        for n in range(repeats):
            screen = app.add_screen(owner, cinema.id, name=f"Screen {n}", layout=LAYOUT)
            started = time.perf_counter()
            series = app.schedule_series(
                owner,
                movie_id=movie.id,
                screen_id=screen.id,
                first_day=first,
                last_day=first + timedelta(days=days - 1),
                times=TIMES,
            )
            seconds.append(time.perf_counter() - started)
            shows = len(series)
    best, median = min(seconds), statistics.median(seconds)
    return {
        "adapter": adapter,
        "days": days,
        "shows": shows,
        "best_s": round(best, 3),
        "median_s": round(median, 3),
        "shows_per_s": round(shows / median),
    }


def _database(adapter: str, directory: str) -> contextlib.AbstractContextManager[str | None]:
    if adapter == "memory":
        return contextlib.nullcontext(None)
    return scratch_database(adapter, directory)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--adapters", default="memory,sqlite,postgres")
    parser.add_argument("--smoke", action="store_true", help="a few seconds in all, for CI")
    args = parser.parse_args()
    days, repeats = (7, 1) if args.smoke else (args.days, args.repeats)
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as directory:
        for adapter in chosen_legs(args.adapters):
            rows.append(bench_adapter(adapter, days, repeats, directory))
            print_table(rows)
            print()
    print_json_line("schedule", rows, repeats=repeats)


if __name__ == "__main__":
    main()
