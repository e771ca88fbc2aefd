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
# How long sample_after waits at most for the database server's processes to stop changing.
REAPING_SECONDS = 2.0


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
    cores: int  # the cores /proc/stat counts
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


def parse_machine(text: str) -> tuple[int, int, int]:
    """(busy, total) ticks of every core from /proc/stat's first line, and how many cores."""
    lines = text.splitlines()
    values = [int(v) for v in lines[0].split()[1:]]
    # user nice system idle iowait irq softirq steal; guest time is already in user. Time the
    # hypervisor stole was nobody's here: neither busy nor idle, but part of the total.
    user, nice, system, _idle, _iowait, irq, softirq = values[:7]
    cores = sum(1 for line in lines[1:] if line.startswith("cpu"))
    return user + nice + system + irq + softirq, sum(values[:8]), cores


def sample() -> CpuSample:
    """Before a run: every process, the cores, and our children so far."""
    return CpuSample(_processes(), *_machine(), _children_seconds())


def sample_after(database_commands: frozenset[str] = frozenset()) -> CpuSample:
    """After a run: the cores' figures at once; the processes' from a scan during which none of
    the database server's was reaped. One scan of /proc is not atomic: a backend reaped between
    the reading of its parent and its own (pgbench's, as it disconnects) would be in neither,
    so scans repeat until two in a row find the same ones, for at most REAPING_SECONDS.
    """
    busy, total, cores = _machine()
    children = _children_seconds()
    deadline = time.monotonic() + REAPING_SECONDS
    processes = _processes()
    while database_commands and time.monotonic() < deadline:
        time.sleep(0.01)
        earlier, processes = processes, _processes()
        if _pids(earlier, database_commands) == _pids(processes, database_commands):
            break
    return CpuSample(processes, busy, total, cores, children)


def _pids(processes: Mapping[int, Process], commands: frozenset[str]) -> set[int]:
    return {p.pid for p in processes.values() if p.command in commands}


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


def _machine() -> tuple[int, int, int]:
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


def tree_ticks(taken: CpuSample, root: int) -> int:
    """CPU time of root and everything under it so far, ended processes included. A process
    that left the tree (orphaned, then reaped by init) takes its time with it: neither the
    service's master nor the postmaster lets its children go.
    """
    return sum(
        taken.processes[pid].ticks + taken.processes[pid].reaped_ticks
        for pid in descendants(taken.processes, root)
        if pid in taken.processes
    )


def roots(taken: CpuSample, commands: frozenset[str]) -> list[int]:
    """The processes running one of the commands whose parent does not (a server's master)."""
    processes = taken.processes
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
    the database server's processes (none for SQLite, which runs inside the service). When
    no such process runs here (a database on another host) its cost and the bound are None.
    """
    tick = os.sysconf("SC_CLK_TCK")
    service_ticks = (
        0
        if service_pid is None
        else tree_ticks(after, service_pid) - tree_ticks(before, service_pid)
    )
    database_roots = roots(after, database_commands)
    database_ticks = sum(tree_ticks(after, r) - tree_ticks(before, r) for r in database_roots)
    database_unseen = bool(database_commands) and not database_roots
    load_seconds = after.children_seconds - before.children_seconds
    total = after.machine_total - before.machine_total
    busy = (after.machine_busy - before.machine_busy) / total if total else 0.0
    per_request = 1e6 / requests if requests else 0.0
    cost = (service_ticks / tick + database_ticks / tick + load_seconds) * per_request
    return {
        "service_cpu_us": round(service_ticks / tick * per_request),
        "database_cpu_us": None if database_unseen else round(database_ticks / tick * per_request),
        "load_cpu_us": round(load_seconds * per_request),
        "cores_busy": round(busy * after.cores, 2),
        "cpu_bound_per_s": round(after.cores * 1e6 / cost)
        if cost and not database_unseen
        else None,
    }
