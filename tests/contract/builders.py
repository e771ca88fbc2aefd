"""Unsaved entities with sensible defaults, for tests that talk to repositories directly."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from boxoffice.domain.model import (
    UNSAVED,
    Booking,
    BookingStatus,
    Cinema,
    Movie,
    Role,
    Screen,
    Show,
    User,
)
from boxoffice.domain.ports import UnitOfWork
from boxoffice.domain.seating import SeatMap
from tests.fakes import START


def user(email: str = "ada@example.com", role: Role = Role.USER) -> User:
    return User(
        id=UNSAVED,
        name="Ada",
        email=email,
        password_hash="hashed:secret",
        role=role,
        created_at=START,
    )


def movie(title: str = "Metropolis") -> Movie:
    return Movie(id=UNSAVED, title=title, genre="drama", duration=153)


def show(movie_id: int, owner_id: int, seats: int = 10, timing: datetime | None = None) -> Show:
    timing = timing or START + timedelta(days=1)
    return Show(
        id=UNSAVED,
        movie_id=movie_id,
        owner_id=owner_id,
        timing=timing,
        # The builders' movie runs 153 minutes.
        ends_at=timing + timedelta(minutes=153),
        capacity=seats,
        available_seats=seats,
    )


def cinema(owner_id: int, name: str = "Babylon", gap_minutes: int = 15) -> Cinema:
    return Cinema(UNSAVED, owner_id, name, "Europe/Berlin", gap_minutes)


def screen(cinema_id: int, name: str = "Saal 1", layout: SeatMap | None = None) -> Screen:
    plan = layout or SeatMap.build([("A", 4), ("B", 4)])
    return Screen(UNSAVED, cinema_id, name, plan, plan.capacity)


def show_on(
    screen: Screen, movie: Movie, owner_id: int, timing: datetime, gap_minutes: int = 15
) -> Show:
    """A show of the movie on the screen, holding it until its end plus the gap."""
    ends_at = timing + movie.running_time
    return Show(
        id=UNSAVED,
        movie_id=movie.id,
        owner_id=owner_id,
        timing=timing,
        ends_at=ends_at,
        capacity=screen.capacity,
        available_seats=screen.capacity,
        seat_map=screen.layout,
        screen_id=screen.id,
        cinema_id=screen.cinema_id,
        occupied_until=ends_at + timedelta(minutes=gap_minutes),
    )


def seat_map(rows: Sequence[tuple[str, int]], blocked: Iterable[str] = ()) -> SeatMap:
    """A checked seat map: seat_map([("A", 6), ("B", 8)], blocked=["A1"])."""
    return SeatMap.build(rows, blocked)


def booking(user_id: int, show_id: int, seats: int = 2, booking_id: int = UNSAVED) -> Booking:
    return Booking(
        id=booking_id,
        user_id=user_id,
        show_id=show_id,
        num_seats=seats,
        status=BookingStatus.ACTIVE,
        created_at=START,
    )


def stored_show(uow: UnitOfWork, seats: int = 10) -> tuple[User, Show]:
    """An owner, a movie and a show of it, added (not committed) in uow."""
    owner = uow.users.add(user("owner@example.com", Role.OWNER))
    film = uow.movies.add(movie())
    return owner, uow.shows.add(show(film.id, owner.id, seats))


def add_booking(uow: UnitOfWork, user_id: int, show_id: int, seats: int = 2) -> Booking:
    """A booking added in uow under the id the repository gives (not committed)."""
    added = booking(user_id, show_id, seats, booking_id=uow.bookings.next_id())
    uow.bookings.add(added)
    return added
