"""A running `boxoffice serve` for benchmarks: start it, seed it over HTTP, audit its database."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

import attrs
import sqlalchemy
from sqlalchemy import func, select

from bench.common import scratch_database
from boxoffice.adapters.sqlalchemy.tables import bookings, shows
from tests.e2e.server import Server

PASSWORD = "benchmark password"


@attrs.frozen
class Audit:
    """What the database says after a run: the oversell check and the sell-out's pace."""

    oversold_shows: int
    seats_booked: int
    seats_left: int
    first_booking: datetime | None
    last_booking: datetime | None


@contextlib.contextmanager
def running_service(
    database: str,
    *,
    workers: int,
    threads: int = 32,
    bcrypt_rounds: int = 12,
    sqlite_synchronous: str = "full",
    access_log: str = "on",
    slots: int | None = None,
    extra_env: Mapping[str, str] | None = None,
) -> Iterator[Server]:
    """`boxoffice serve` over a fresh database of the kind ('sqlite' or 'postgres'); slots
    None leaves the service's default."""
    with (
        tempfile.TemporaryDirectory() as directory,
        scratch_database(database, directory) as url,
    ):
        server = Server(
            data_dir=Path(directory),
            database_url=url,
            workers=workers,
            threads=threads,
            bcrypt_rounds=bcrypt_rounds,
            extra_env={
                "BOXOFFICE_SQLITE_SYNCHRONOUS": sqlite_synchronous,
                "BOXOFFICE_ACCESS_LOG": access_log,
                **({} if slots is None else {"BOXOFFICE_SLOTS": str(slots)}),
                **(extra_env or {}),
            },
        )
        server.start()
        try:
            yield server
        finally:
            server.stop()


def token_for(server: Server, email: str, role: str) -> str:
    account = {"name": "bench", "email": email, "password": PASSWORD, "role": role}
    server.call("POST", "/signup", account)
    reply = server.call("POST", "/login", {"email": email, "password": PASSWORD})
    assert reply.status == 200, reply
    token: str = reply.body["access_token"]
    return token


def add_shows(server: Server, owner_token: str, count: int, seats: int) -> list[int]:
    movie = server.call(
        "POST", "/movies", {"title": "Bench", "genre": "Test", "duration": 100}, owner_token
    )
    timing = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    ids = []
    for _ in range(count):
        body = {"movie_id": movie.body["id"], "timing": timing, "available_seats": seats}
        reply = server.call("POST", "/shows", body, owner_token)
        assert reply.status == 201, reply
        ids.append(reply.body["id"])
    return ids


def audit(database_url: str, show_ids: list[int]) -> Audit:
    """Read straight from the database: available + active booked must equal capacity."""
    active = (
        select(
            bookings.c.show_id,
            func.sum(bookings.c.num_seats).label("booked"),
            func.min(bookings.c.created_at).label("first"),
            func.max(bookings.c.created_at).label("last"),
        )
        .where(bookings.c.status == "active", bookings.c.show_id.in_(show_ids))
        .group_by(bookings.c.show_id)
        .subquery()
    )
    query = select(
        shows.c.capacity, shows.c.available_seats, active.c.booked, active.c.first, active.c.last
    ).join_from(shows, active, shows.c.id == active.c.show_id, isouter=True)
    engine = sqlalchemy.create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(query.where(shows.c.id.in_(show_ids))).all()
    finally:
        engine.dispose()
    firsts = [r.first for r in rows if r.first is not None]
    lasts = [r.last for r in rows if r.last is not None]
    return Audit(
        oversold_shows=sum(1 for r in rows if r.available_seats + (r.booked or 0) != r.capacity),
        seats_booked=sum(r.booked or 0 for r in rows),
        seats_left=sum(r.available_seats for r in rows),
        first_booking=min(firsts, default=None),
        last_booking=max(lasts, default=None),
    )
