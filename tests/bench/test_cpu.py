"""The benchmarks' CPU accounting (bench/cpu.py): a wrong sum would misstate what bounds a rate."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench import cpu

TICK = os.sysconf("SC_CLK_TCK")
# A child that spends this much CPU, then ends.
BURN_SECONDS = 0.3
BURN = (
    "import time\n"
    f"end = time.process_time() + {BURN_SECONDS!r}\n"
    "while time.process_time() < end:\n"
    "    pass\n"
)


def stat_line(pid: int, command: str, parent: int, ticks: tuple[int, int, int, int]) -> str:
    utime, stime, cutime, cstime = ticks
    # pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime ...
    return f"{pid} ({command}) S {parent} 1 1 0 -1 0 0 0 0 0 {utime} {stime} {cutime} {cstime} 20 0"


def stat_of(pid: int | str) -> cpu.Process:
    return cpu.parse_stat(Path(f"/proc/{pid}/stat").read_text())


def test_a_stat_line_is_read_whatever_its_command_holds() -> None:
    process = cpu.parse_stat(stat_line(42, "tokio-rt (x) worker", 7, (10, 5, 30, 2)))
    assert process == cpu.Process(42, 7, "tokio-rt (x) worker", 15, 32)


def test_our_own_stat_line_reads_as_the_kernel_counts_it() -> None:
    own = stat_of("self")
    times = os.times()
    assert (own.pid, own.parent) == (os.getpid(), os.getppid())
    assert abs(own.ticks / TICK - (times.user + times.system)) <= 3 / TICK
    assert abs(own.reaped_ticks / TICK - (times.children_user + times.children_system)) <= 3 / TICK


def test_the_machine_line_counts_neither_idle_nor_stolen_time_as_busy() -> None:
    # user nice system idle iowait irq softirq steal guest guest_nice
    text = "cpu  100 1 20 300 5 2 3 40 7 0\ncpu0 50 0 10 150 2 1 1 20 3 0\ncpu1 ...\nintr 1\n"
    assert cpu.parse_machine(text) == (100 + 1 + 20 + 2 + 3, 100 + 1 + 20 + 300 + 5 + 2 + 3 + 40, 2)


def sample(lines: list[str], busy: int, total: int, children: float = 0.0) -> cpu.CpuSample:
    processes = {p.pid: p for p in map(cpu.parse_stat, lines)}
    return cpu.CpuSample(processes, busy, total, 4, children)


def test_a_tree_counts_processes_that_came_and_went_between_the_samples() -> None:
    before = sample(
        [
            stat_line(1, "systemd", 0, (0, 0, 0, 0)),
            stat_line(10, "postgres", 1, (100, 0, 500, 0)),  # the server, and what it reaped
            stat_line(11, "postgres", 10, (40, 0, 0, 0)),  # a backend that ends
            stat_line(20, "boxoffice", 1, (50, 0, 0, 0)),
            stat_line(21, "boxoffice", 20, (300, 0, 0, 0)),
            stat_line(22, "boxoffice", 21, (7, 0, 0, 0)),  # a grandchild
            stat_line(30, "redis-server", 1, (999, 0, 0, 0)),
        ],
        busy=1000,
        total=4000,
        children=1.0,
    )
    after = sample(
        [
            stat_line(1, "systemd", 0, (0, 0, 0, 0)),
            # Backend 11 ended at 70 ticks and a backend born meanwhile at 25: both reaped.
            stat_line(10, "postgres", 1, (110, 0, 500 + 70 + 25, 0)),
            stat_line(12, "postgres", 10, (60, 0, 0, 0)),  # born meanwhile, still running
            stat_line(20, "boxoffice", 1, (55, 0, 0, 0)),
            stat_line(21, "boxoffice", 20, (340, 5, 0, 0)),
            stat_line(22, "boxoffice", 21, (9, 1, 0, 0)),
            stat_line(30, "redis-server", 1, (2000, 0, 0, 0)),
        ],
        busy=1000 + 3 * TICK,
        total=4000 + 4 * TICK,
        children=1.5,
    )
    spent = cpu.spent(before, after, requests=1000, service_pid=20, database_commands=cpu.POSTGRES)
    database_ticks = (110 + 595 + 60) - (100 + 500 + 40)  # 125
    service_ticks = (55 + 345 + 10) - (50 + 300 + 7)  # 53
    assert spent["database_cpu_us"] == round(database_ticks / TICK * 1000)
    assert spent["service_cpu_us"] == round(service_ticks / TICK * 1000)
    assert spent["load_cpu_us"] == 500
    assert spent["cores_busy"] == pytest.approx(0.75 * 4)
    per_request_s = (database_ticks + service_ticks) / TICK / 1000 + 0.5 / 1000
    assert spent["cpu_bound_per_s"] == round(4 / per_request_s)


def test_a_database_that_runs_elsewhere_has_no_cost_here_and_bounds_nothing() -> None:
    before = sample([stat_line(20, "boxoffice", 1, (50, 0, 0, 0))], busy=0, total=100)
    after = sample([stat_line(20, "boxoffice", 1, (50 + TICK, 0, 0, 0))], busy=50, total=200)
    spent = cpu.spent(before, after, requests=10, service_pid=20, database_commands=cpu.POSTGRES)
    assert spent["service_cpu_us"] == 100_000
    assert spent["database_cpu_us"] is None
    assert spent["cpu_bound_per_s"] is None


def test_a_child_that_ran_between_the_samples_counts_as_the_load() -> None:
    before = cpu.sample()
    subprocess.run([sys.executable, "-c", BURN], check=True)
    spent = cpu.spent(before, cpu.sample_after(), requests=1)
    # Its burn, and Python's start and exit.
    assert BURN_SECONDS * 1e6 <= spent["load_cpu_us"] <= (BURN_SECONDS + 0.5) * 1e6


def test_a_grandchild_reaped_between_the_samples_counts_for_its_tree() -> None:
    root = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import subprocess, sys, time\n"
            "time.sleep(0.5)\n"
            f"subprocess.run([sys.executable, '-c', {BURN!r}], check=True)\n"
            "time.sleep(60)\n",
        ]
    )
    try:
        before = cpu.sample()
        deadline = time.monotonic() + 30
        # Until the grandchild has ended and been reaped by the root.
        while stat_of(root.pid).reaped_ticks / TICK < BURN_SECONDS:
            assert time.monotonic() < deadline, "the grandchild did not finish"
            time.sleep(0.05)
        spent = cpu.spent(before, cpu.sample_after(), requests=1, service_pid=root.pid)
    finally:
        root.kill()
        root.wait()
    assert BURN_SECONDS * 1e6 <= spent["service_cpu_us"] <= (BURN_SECONDS + 0.5) * 1e6
