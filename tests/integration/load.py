"""Run the booking load in several OS processes, then judge it from the logs and the database."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import attrs
from sqlalchemy import select

from boxoffice.adapters.sqlalchemy import SqlAlchemyUnitOfWorkFactory
from boxoffice.adapters.sqlalchemy.tables import bookings, shows
from boxoffice.domain.model import Actor, Role
from boxoffice.domain.service import Boxoffice
from tests.fakes import START, FakeClock, FakePasswordHasher, FakeTokenService

REPOSITORY = Path(__file__).resolve().parents[2]
PROCESSES = 4
THREADS = 8
OPERATIONS = 30
CAPACITY = 100


@attrs.frozen
class Call:
    """One use-case call as the logs tell it; end is inf when it was never acknowledged."""

    key: str
    op: str
    start: float
    end: float
    outcome: str | None
    seats: int = 0
    booking: int | None = None
    available: int | None = None
    error: str | None = None


@attrs.define
class Load:
    calls: list[Call]
    wall_seconds: float
    killed: int | None  # index of the process killed with SIGKILL, if any
    in_flight_at_kill: int = 0

    def outcomes(self, op: str, outcome: str | None) -> list[Call]:
        return [c for c in self.calls if c.op == op and c.outcome == outcome]

    def figures(self) -> str:
        attempted = len([c for c in self.calls if c.op == "book"])
        return (
            f"{PROCESSES} processes x {THREADS} threads: {attempted} bookings attempted, "
            f"{len(self.outcomes('book', 'booked'))} succeeded, "
            f"{len(self.outcomes('book', 'rejected'))} rejected (not enough seats), "
            f"{len(self.outcomes('cancel', 'cancelled'))} cancellations, "
            f"{len([c for c in self.calls if c.outcome == 'failed'])} errors, "
            f"{len([c for c in self.calls if c.outcome is None])} unacknowledged, "
            f"wall time {self.wall_seconds:.2f} s"
        )


def prepare(factory: SqlAlchemyUnitOfWorkFactory) -> tuple[int, list[int]]:
    """A show of CAPACITY seats and one user per thread; returns the show id and user ids."""
    app = Boxoffice.from_ports(
        uow=factory, hasher=FakePasswordHasher(), tokens=FakeTokenService(), clock=FakeClock()
    )
    owner = app.sign_up(name="Owner", email="owner@example.com", password="password", role="owner")
    actor = Actor(owner.id, Role.OWNER)
    film = app.add_movie(actor, title="Metropolis", genre="drama", duration=153)
    show = app.add_show(
        actor, movie_id=film.id, timing=START + timedelta(days=1), available_seats=CAPACITY
    )
    users = [
        app.sign_up(name=f"User {n}", email=f"user{n}@example.com", password="password").id
        for n in range(PROCESSES * THREADS)
    ]
    return show.id, users


def run(url: str, show_id: int, users: list[int], logs: Path, *, kill: bool = False) -> Load:
    """Start the processes together; with kill, SIGKILL the first one a third into its work."""
    workers = []
    for n in range(PROCESSES):
        mine = ",".join(str(u) for u in users[n * THREADS : (n + 1) * THREADS])
        command = [sys.executable, "-m", "tests.integration.load_worker", url, str(show_id)]
        command += [mine, str(OPERATIONS), str(n), str(logs / f"worker-{n}.jsonl")]
        workers.append(
            subprocess.Popen(
                command, cwd=REPOSITORY, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
            )
        )
    for worker in workers:
        assert worker.stdout is not None
        assert worker.stdout.readline().strip() == "ready"
    started = time.monotonic()
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.write("go\n")
        worker.stdin.flush()
    killed, in_flight = None, 0
    if kill:
        killed = 0
        victim_log = logs / "worker-0.jsonl"
        while _outcome_count(victim_log) < THREADS * OPERATIONS // 3:
            time.sleep(0.002)
        os.kill(workers[0].pid, signal.SIGKILL)
    for worker in workers:
        worker.wait(timeout=120)
    wall = time.monotonic() - started
    calls = [call for n in range(PROCESSES) for call in _calls(logs / f"worker-{n}.jsonl")]
    if kill:
        in_flight = len([c for c in _calls(logs / "worker-0.jsonl") if c.outcome is None])
    return Load(calls, wall, killed, in_flight)


def _outcome_count(log: Path) -> int:
    try:
        return sum(1 for line in log.read_text().splitlines() if '"event": "start"' not in line)
    except FileNotFoundError:
        return 0


def _events(log: Path) -> Iterator[dict[str, Any]]:
    for line in log.read_text().splitlines():
        yield json.loads(line)


def _calls(log: Path) -> list[Call]:
    starts: dict[str, dict[str, Any]] = {}
    ends: dict[str, dict[str, Any]] = {}
    for event in _events(log):
        (starts if event["event"] == "start" else ends)[event["key"]] = event
    calls = []
    for key, start in starts.items():
        end = ends.get(key, {})
        calls.append(
            Call(
                key=key,
                op=start["op"],
                start=start["t"],
                end=end.get("t", math.inf),
                outcome=end.get("event"),
                seats=start.get("seats", 0),
                booking=end.get("booking", start.get("booking")),
                available=end.get("available"),
                error=end.get("error"),
            )
        )
    return calls


@attrs.frozen
class Stored:
    available: int
    # booking id -> (num_seats, status)
    bookings: dict[int, tuple[int, str]]


def stored(factory: SqlAlchemyUnitOfWorkFactory, show_id: int) -> Stored:
    with factory.engine.connect() as connection:
        available = connection.execute(
            select(shows.c.available_seats).where(shows.c.id == show_id)
        ).scalar_one()
        rows = connection.execute(
            select(bookings.c.id, bookings.c.num_seats, bookings.c.status).where(
                bookings.c.show_id == show_id
            )
        ).all()
    return Stored(available, {row.id: (row.num_seats, row.status) for row in rows})


def problems(load: Load, state: Stored) -> list[str]:
    """Everything wrong with the outcome; empty when the load was served correctly."""
    found = []
    active = sum(seats for seats, status in state.bookings.values() if status == "active")
    if state.available < 0 or state.available + active != CAPACITY:
        found.append(f"{state.available} available + {active} booked != {CAPACITY}")
    found += [f"{c.key} {c.op} failed: {c.error}" for c in load.calls if c.outcome == "failed"]
    found += _lost_or_phantom(load, state)
    found += _unjustified_rejections(load)
    return found


def _lost_or_phantom(load: Load, state: Stored) -> list[str]:
    """Every acknowledged booking and cancellation is stored; nothing else is, but what was in
    flight when a process died.
    """
    found = []
    booked = {c.booking: c for c in load.outcomes("book", "booked")}
    cancelled = {c.booking for c in load.outcomes("cancel", "cancelled")}
    cancel_in_flight = {c.booking for c in load.outcomes("cancel", None)}
    for booking_id, call in booked.items():
        assert booking_id is not None
        row = state.bookings.get(booking_id)
        if row is None:
            found.append(f"acknowledged booking {booking_id} is missing")
            continue
        seats, status = row
        expected = "cancelled" if booking_id in cancelled else "active"
        if seats != call.seats:
            found.append(f"booking {booking_id} has {seats} seats, {call.seats} were booked")
        if status != expected and booking_id not in cancel_in_flight:
            found.append(f"booking {booking_id} is {status}, acknowledged {expected}")
    phantoms = set(state.bookings) - set(booked)
    if len(phantoms) > len(load.outcomes("book", None)):
        found.append(f"bookings nobody asked for: {sorted(phantoms)}")
    return found


def _unjustified_rejections(load: Load) -> list[str]:
    """A rejection must have seen the true seat count of some instant during its call.

    Logs give each call an interval [start, end] that contains its commit. A booking's seats
    were surely held through a rejection's whole interval if it was acknowledged before the
    rejection started and its cancellation (if any) started after the rejection ended; they were
    possibly held if the booking started before the rejection ended and was not acknowledged
    cancelled before it started. The count the rejection saw must lie between those bounds.
    """
    cancels = {c.booking: c for c in load.calls if c.op == "cancel"}
    bookings = [c for c in load.calls if c.op == "book" and c.outcome in ("booked", None)]
    found = []
    for refused in load.outcomes("book", "rejected"):
        assert refused.available is not None
        surely = possibly = 0
        for booking in bookings:
            cancel = cancels.get(booking.booking) if booking.booking is not None else None
            if booking.end <= refused.start and (cancel is None or cancel.start >= refused.end):
                surely += booking.seats
            if booking.start < refused.end and (cancel is None or cancel.end > refused.start):
                possibly += booking.seats
        low, high = CAPACITY - possibly, CAPACITY - surely
        if not low <= refused.available <= high or refused.available >= refused.seats:
            found.append(
                f"{refused.key} refused {refused.seats} seats seeing {refused.available} "
                f"available; the truth was between {low} and {high}"
            )
    return found
