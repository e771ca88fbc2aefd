"""Where the machine's CPU went during a load run, per request: the service's processes, the
database server's, the load generator's, and how busy the cores were.

Throughput on this machine swings with its speed; what a request costs in CPU says what bounds
a rate. `cpu_bound_per_s` is the rate at which the cores would be full at the measured cost:
a run near it is bound by the CPU, and a target above it needs each request to cost less, not
more clients. Read from /proc (Linux): a process tree's time is its live processes' own plus
what each has collected from the children it reaped, so workers or database backends that
come and go between the samples are counted too; the load generator's is our own children's.
"""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

PROC = Path("/proc")
# The database server's processes, by their command's name.
POSTGRES = frozenset({"postgres"})


@attrs.frozen
class Process:
    pid: int
    parent: int
    command: str
    ticks: int  # user + system, in clock ticks
    reaped_ticks: int  # the same, of its children that ended and were waited for


@attrs.frozen
class CpuSample:
    processes: Mapping[int, Process]
    machine_busy: int  # ticks over every core, from /proc/stat
    machine_total: int
    children_seconds: float  # our waited-for children's user + system time


def parse_stat(text: str) -> Process:
    """A /proc/<pid>/stat line; the command may hold spaces and parentheses."""
    pid, _, rest = text.partition(" (")
    command, _, fields = rest.rpartition(") ")
    values = fields.split()
    # After the command: state, ppid, ...; utime, stime, cutime and cstime are the line's
    # 14th to 17th fields.
    utime, stime, cutime, cstime = (int(v) for v in values[11:15])
    return Process(int(pid), int(values[1]), command, utime + stime, cutime + cstime)


def parse_machine(text: str) -> tuple[int, int]:
    """(busy, total) ticks of every core from /proc/stat's first line."""
    values = [int(v) for v in text.splitlines()[0].split()[1:]]
    # user nice system idle iowait irq softirq steal; guest time is already in user. Time the
    # hypervisor stole was nobody's here: neither busy nor idle, but part of the total.
    user, nice, system, _idle, _iowait, irq, softirq = values[:7]
    return user + nice + system + irq + softirq, sum(values[:8])


def sample() -> CpuSample:
    """Before a run."""
    return CpuSample(_processes(), *_machine(), _children_seconds())


def sample_after(settle_seconds: float = 0.3) -> CpuSample:
    """After a run: the cores' figures at once, the processes' once the database server has
    had a moment to reap the backends of the connections the run closed (an ended backend's
    time shows in its parent's only once reaped).
    """
    busy, total = _machine()
    children = _children_seconds()
    time.sleep(settle_seconds)
    return CpuSample(_processes(), busy, total, children)


def _processes() -> dict[int, Process]:
    processes = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            process = parse_stat((entry / "stat").read_text())
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile
        processes[process.pid] = process
    return processes


def _machine() -> tuple[int, int]:
    return parse_machine((PROC / "stat").read_text())


def _children_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def descendants(processes: Mapping[int, Process], root: int) -> set[int]:
    """root and every process under it."""
    found = {root}
    grew = True
    while grew:
        grew = False
        for process in processes.values():
            if process.parent in found and process.pid not in found:
                found.add(process.pid)
                grew = True
    return found


def tree_ticks(sample: CpuSample, root: int) -> int:
    """CPU time of root and everything under it so far, ended processes included."""
    return sum(
        sample.processes[pid].ticks + sample.processes[pid].reaped_ticks
        for pid in descendants(sample.processes, root)
        if pid in sample.processes
    )


def roots(sample: CpuSample, commands: frozenset[str]) -> list[int]:
    """The processes running one of the commands whose parent does not (a server's master)."""
    processes = sample.processes
    return [
        p.pid
        for p in processes.values()
        if p.command in commands
        and (p.parent not in processes or processes[p.parent].command not in commands)
    ]


def spent(
    before: CpuSample,
    after: CpuSample,
    *,
    requests: int,
    service_pid: int | None = None,
    database_commands: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """The run's CPU per request, by whom, and the rate at which the cores would be full.
    service_pid: the service's process, counted with everything under it; database_commands:
    the database server's processes (none for SQLite, which runs inside the service).
    """
    tick = os.sysconf("SC_CLK_TCK")
    cores = os.cpu_count() or 1

    service = (
        0
        if service_pid is None
        else tree_ticks(after, service_pid) - tree_ticks(before, service_pid)
    )
    database = sum(
        tree_ticks(after, root) - tree_ticks(before, root)
        for root in roots(after, database_commands)
    )
    service_seconds, database_seconds = service / tick, database / tick
    load = after.children_seconds - before.children_seconds
    total = after.machine_total - before.machine_total
    busy = (after.machine_busy - before.machine_busy) / total if total else 0.0
    per_request = 1e6 / requests if requests else 0.0
    cost = (service_seconds + database_seconds + load) * per_request
    return {
        "service_cpu_us": round(service_seconds * per_request),
        "database_cpu_us": round(database_seconds * per_request),
        "load_cpu_us": round(load * per_request),
        "cores_busy": round(busy * cores, 2),
        "cpu_bound_per_s": round(cores * 1e6 / cost) if cost else None,
    }
