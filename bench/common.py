"""What every benchmark shares: timing figures, tables, the final JSON line, scratch databases."""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs

POSTGRES_URL_VARIABLES = ("BOXOFFICE_BENCH_POSTGRES_URL", "BOXOFFICE_TEST_POSTGRES_URL")


@attrs.frozen
class Figures:
    """Throughput and latency of one measured run."""

    operations: int
    seconds: float
    latencies_ms: Sequence[float] = attrs.field(repr=False)

    @property
    def per_second(self) -> float:
        return self.operations / self.seconds if self.seconds else 0.0

    def percentile(self, fraction: float) -> float:
        if not self.latencies_ms:
            return 0.0
        if len(self.latencies_ms) == 1:
            return self.latencies_ms[0]
        cuts = statistics.quantiles(self.latencies_ms, n=1000, method="inclusive")
        return cuts[min(len(cuts) - 1, int(fraction * 1000) - 1)]

    def as_row(self) -> dict[str, Any]:
        return {
            "ops": self.operations,
            "ops_per_s": round(self.per_second, 1),
            "p50_ms": round(self.percentile(0.50), 3),
            "p99_ms": round(self.percentile(0.99), 3),
        }


def print_table(rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    columns = list(dict.fromkeys(c for row in rows for c in row))
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns}
    print("  ".join(c.ljust(widths[c]) for c in columns))
    print("  ".join("-" * widths[c] for c in columns))
    for row in rows:
        print("  ".join(str(row.get(c, "")).ljust(widths[c]) for c in columns))
    sys.stdout.flush()


def print_json_line(benchmark: str, rows: Sequence[dict[str, Any]], **extra: Any) -> None:
    print(json.dumps({"benchmark": benchmark, **extra, "rows": list(rows)}))


def postgres_url() -> str | None:
    for name in POSTGRES_URL_VARIABLES:
        if os.environ.get(name):
            return os.environ[name]
    return None


def chosen_legs(names: str) -> list[str]:
    """The comma-separated legs asked for, without PostgreSQL when no URL names a database."""
    legs = names.split(",")
    if "postgres" in legs and postgres_url() is None:
        print("PostgreSQL leg skipped: set BOXOFFICE_BENCH_POSTGRES_URL")
        legs.remove("postgres")
    return legs


@contextlib.contextmanager
def scratch_database(kind: str, directory: str, *, migrate: bool = True) -> Iterator[str]:
    """A fresh database URL of the kind ('sqlite' or 'postgres'), removed after; migrated by
    this code unless migrate is False (a service of other code migrates it on start)."""
    from tests.databases import postgres_database, sqlite_database

    if kind == "sqlite":
        with sqlite_database(Path(directory), migrate=migrate) as url:
            yield url
    elif kind == "postgres":
        base = postgres_url()
        if base is None:
            raise SystemExit(f"set one of {POSTGRES_URL_VARIABLES} for the PostgreSQL leg")
        with postgres_database(base, migrate=migrate) as scratch:
            yield scratch
    else:
        raise ValueError(kind)
