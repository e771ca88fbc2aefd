"""Driving load with wrk (a separate, C, event-loop process that uses a fraction of a core, so
the 2-core machine's CPU goes to the server), reading its results, and what its requests cost
in CPU (measured, with bench/cpu.py).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import attrs

from bench import cpu
from tests.e2e.server import Server

SCRIPT = Path(__file__).with_name("wrk") / "boxoffice.lua"


@attrs.frozen
class LoadResult:
    requests: int
    seconds: float
    statuses: dict[int, int]
    socket_errors: int
    p50_ms: float
    p99_ms: float

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def count(self, status: int) -> int:
        return self.statuses.get(status, 0)

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    def as_row(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "req_per_s": round(self.per_second, 1),
            "p50_ms": round(self.p50_ms, 2),
            "p99_ms": round(self.p99_ms, 2),
            "statuses": " ".join(f"{s}:{n}" for s, n in sorted(self.statuses.items())),
            "errors": self.server_errors + self.socket_errors,
        }


def require_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise SystemExit("wrk is needed for the HTTP benchmarks: apt-get install wrk")
    return path


def run_wrk(
    base_url: str, *script_args: str, connections: int, seconds: float, threads: int = 2
) -> LoadResult:
    command = [
        require_wrk(),
        f"--threads={threads}",
        f"--connections={connections}",
        f"--duration={max(1, round(seconds))}s",
        "--timeout=10s",
        f"--script={SCRIPT}",
        base_url,
        "--",
        *script_args,
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(x for x in output.splitlines() if x.startswith("BOXOFFICE "))
    data = json.loads(line.removeprefix("BOXOFFICE "))
    return LoadResult(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        statuses={int(k): v for k, v in data["statuses"].items()},
        socket_errors=data["socket_errors"],
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
    )


def measured(
    server: Server, database: str, *script_args: str, connections: int, seconds: float
) -> tuple[LoadResult, dict[str, Any]]:
    """A wrk run against the server, and what its requests cost in CPU (bench/cpu.py)."""
    before = cpu.sample()
    result = run_wrk(server.base_url, *script_args, connections=connections, seconds=seconds)
    database_commands = cpu.POSTGRES if database == "postgres" else frozenset()
    after = cpu.sample_after(database_commands)
    spent = cpu.spent(
        before,
        after,
        requests=result.requests,
        service_pid=server.pid,
        database_commands=database_commands,
    )
    return result, spent
