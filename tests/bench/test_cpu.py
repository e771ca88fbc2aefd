"""The benchmarks' CPU accounting (bench/cpu.py): a wrong sum would misstate what bounds a rate."""

from __future__ import annotations

import os

import pytest

from bench import cpu

TICK = os.sysconf("SC_CLK_TCK")


def stat_line(pid: int, command: str, parent: int, ticks: tuple[int, int, int, int]) -> str:
    utime, stime, cutime, cstime = ticks
    # pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime ...
    return f"{pid} ({command}) S {parent} 1 1 0 -1 0 0 0 0 0 {utime} {stime} {cutime} {cstime} 20 0"


def test_a_stat_line_is_read_whatever_its_command_holds() -> None:
    process = cpu.parse_stat(stat_line(42, "tokio-rt (x) worker", 7, (10, 5, 30, 2)))
    assert process == cpu.Process(42, 7, "tokio-rt (x) worker", 15, 32)


def test_the_machine_line_counts_neither_idle_nor_stolen_time_as_busy() -> None:
    # user nice system idle iowait irq softirq steal guest guest_nice
    busy, total = cpu.parse_machine("cpu  100 1 20 300 5 2 3 40 7 0\ncpu0 ...\n")
    assert (busy, total) == (100 + 1 + 20 + 2 + 3, 100 + 1 + 20 + 300 + 5 + 2 + 3 + 40)


def sample(lines: list[str], busy: int, total: int, children: float = 0.0) -> cpu.CpuSample:
    processes = {p.pid: p for p in map(cpu.parse_stat, lines)}
    return cpu.CpuSample(processes, busy, total, children)


def test_a_tree_counts_processes_that_came_and_went_between_the_samples() -> None:
    before = sample(
        [
            stat_line(1, "systemd", 0, (0, 0, 0, 0)),
            stat_line(10, "postgres", 1, (100, 0, 500, 0)),  # the server, and what it reaped
            stat_line(11, "postgres", 10, (40, 0, 0, 0)),  # a backend that ends
            stat_line(20, "boxoffice", 1, (50, 0, 0, 0)),
            stat_line(21, "boxoffice", 20, (300, 0, 0, 0)),
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
            stat_line(30, "redis-server", 1, (2000, 0, 0, 0)),
        ],
        busy=1000 + 3 * TICK,
        total=4000 + 4 * TICK,
        children=1.5,
    )
    spent = cpu.spent(before, after, requests=1000, service_pid=20, database_commands=cpu.POSTGRES)
    database_ticks = (110 + 595 + 60) - (100 + 500 + 40)  # 125
    service_ticks = (55 + 345) - (50 + 300)  # 50
    assert spent["database_cpu_us"] == round(database_ticks / TICK * 1000)
    assert spent["service_cpu_us"] == round(service_ticks / TICK * 1000)
    assert spent["load_cpu_us"] == 500
    cores = os.cpu_count() or 1
    assert spent["cores_busy"] == pytest.approx(0.75 * cores)
    per_request_s = (database_ticks + service_ticks) / TICK / 1000 + 0.5 / 1000
    assert spent["cpu_bound_per_s"] == round(cores / per_request_s)


def test_without_a_database_server_only_the_service_counts() -> None:
    before = sample([stat_line(10, "postgres", 1, (100, 0, 0, 0))], busy=0, total=100)
    after = sample([stat_line(10, "postgres", 1, (900, 0, 0, 0))], busy=50, total=200)
    spent = cpu.spent(before, after, requests=10)
    assert spent["database_cpu_us"] == 0
    assert spent["cpu_bound_per_s"] is None
