"""Repositories as explicit Core statements over one connection.

Statements are built once, at import, with bound parameters: SQLAlchemy compiles each a single
time per dialect and reuses it, so a call costs little more than the driver's own work.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import attrs
from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Executable,
    Select,
    Table,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)

from boxoffice.adapters.sqlalchemy.errors import MissingReference
from boxoffice.adapters.sqlalchemy.statements import Statements
from boxoffice.adapters.sqlalchemy.tables import (
    audit_events,
    bookings,
    holds,
    idempotency_keys,
    login_failures,
    movies,
    shows,
    users,
)
from boxoffice.adapters.sqlalchemy.views import listed_show, show_from_row
from boxoffice.domain.errors import NotFound, StorageError
from boxoffice.domain.inventory import ShowInventory
from boxoffice.domain.model import (
    AuditAction,
    AuditEvent,
    Booking,
    BookingStatus,
    Hold,
    HoldStatus,
    IdempotencyRecord,
    Movie,
    Role,
    Show,
    User,
)
from boxoffice.domain.seating import SeatingChart, SeatMap


def _in_field_order(table: Table, entity: type) -> Select[Any]:
    """SELECT the columns in the order of the entity's fields, so rows map by position:
    reading a Row by name costs several times more than building the entity itself.
    """
    # bandit takes the column's name for a password.
    column = {"password_hash": "password"}  # nosec B105
    return select(*(table.c[column.get(f.name, f.name)] for f in attrs.fields(entity)))


def _page(query: Select[Any], *conditions: ColumnElement[bool]) -> Executable:
    """A keyset page: ids after the cursor, in id order."""
    table = query.selected_columns
    return (
        query.where(table.id > bindparam("after"), *conditions)
        .order_by(table.id)
        .limit(bindparam("limit"))
    )


_USERS = _in_field_order(users, User)
_USER_BY_ID = _USERS.where(users.c.id == bindparam("id"))
# The same expression as the unique index, so the lookup uses it.
_USER_BY_EMAIL = _USERS.where(func.lower(users.c.email) == func.lower(bindparam("email")))
_INSERT_USER = insert(users)


def _user(row: Sequence[Any]) -> User:
    user_id, name, email, password_hash, role, created_at = row
    return User(user_id, name, email, password_hash, Role(role), created_at)


class SqlAlchemyUserRepository:
    def __init__(self, statements: Statements) -> None:
        self._sql = statements

    def add(self, user: User) -> User:
        # A duplicate email, racing or not, fails on the unique index and comes out as EmailTaken.
        user_id = self._sql.insert(
            _INSERT_USER,
            {
                "name": user.name,
                "email": user.email,
                "password": user.password_hash,
                "role": user.role.value,
                "created_at": user.created_at,
            },
        )
        return attrs.evolve(user, id=user_id)

    def get(self, user_id: int) -> User | None:
        row = self._sql.first(_USER_BY_ID, {"id": user_id})
        return None if row is None else _user(row)

    def get_by_email(self, email: str) -> User | None:
        row = self._sql.first(_USER_BY_EMAIL, {"email": email})
        return None if row is None else _user(row)


_MOVIES = _in_field_order(movies, Movie)
_MOVIE_BY_ID = _MOVIES.where(movies.c.id == bindparam("id"))
_MOVIES_PAGE = _page(_MOVIES)
_INSERT_MOVIE = insert(movies)


def _movie(row: Sequence[Any]) -> Movie:
    return Movie(*row)


class SqlAlchemyMovieRepository:
    def __init__(self, statements: Statements) -> None:
        self._sql = statements

    def add(self, movie: Movie) -> Movie:
        movie_id = self._sql.insert(
            _INSERT_MOVIE, {"title": movie.title, "genre": movie.genre, "duration": movie.duration}
        )
        return attrs.evolve(movie, id=movie_id)

    def get(self, movie_id: int) -> Movie | None:
        row = self._sql.first(_MOVIE_BY_ID, {"id": movie_id})
        return None if row is None else _movie(row)

    def list(self, *, after: int | None, limit: int) -> list[Movie]:
        rows = self._sql.all(_MOVIES_PAGE, {"after": after or 0, "limit": limit})
        return [_movie(row) for row in rows]


_SHOWS = _in_field_order(shows, Show)
_SHOW_BY_ID = _SHOWS.where(shows.c.id == bindparam("id"))
_SHOWS_PAGE = _page(_SHOWS)
_MOVIE_SHOWS_PAGE = _page(_SHOWS, shows.c.movie_id == bindparam("movie_id"))
_INSERT_SHOW = insert(shows)
_MOVIE_DURATION = select(movies.c.duration).where(movies.c.id == bindparam("id"))
# The parameters' keys name the columns to SET.
_UPDATE_SHOW = update(shows).where(shows.c.id == bindparam("show_id"))
_INVENTORY = _SHOW_BY_ID.add_columns(shows.c.seat_codes)
# PostgreSQL locks the row until the transaction ends. SQLite renders no FOR UPDATE: its write
# transactions began with BEGIN IMMEDIATE and already hold the database's write lock.
_INVENTORY_FOR_UPDATE = _INVENTORY.with_for_update()


def _seat_map_text(plan: SeatMap) -> str:
    rows = [{"label": row.label, "seats": row.seats} for row in plan.rows]
    blocked = sorted(plan.blocked, key=plan.positions.__getitem__)
    return json.dumps({"rows": rows, "blocked": blocked}, separators=(",", ":"))


def _seats_text(seats: tuple[str, ...]) -> str | None:
    return ",".join(seats) if seats else None


def _seats(text: str | None) -> tuple[str, ...]:
    return tuple(text.split(",")) if text else ()


class SqlAlchemyShowRepository:
    def __init__(self, statements: Statements) -> None:
        self._sql = statements

    def add(self, show: Show) -> Show:
        plan = show.seat_map
        # ends_at is timing plus the movie's running time, which Show does not carry.
        duration = self._sql.first(_MOVIE_DURATION, {"id": show.movie_id})
        if duration is None:
            raise NotFound("movie", show.movie_id)
        ends_at = show.timing + timedelta(minutes=duration[0])
        try:
            show_id = self._sql.insert(
                _INSERT_SHOW,
                {
                    "movie_id": show.movie_id,
                    "owner_id": show.owner_id,
                    "timing": show.timing,
                    "capacity": show.capacity,
                    "available_seats": show.available_seats,
                    "seat_map": None if plan is None else _seat_map_text(plan),
                    "seat_codes": None if plan is None else SeatingChart.empty(plan).codes,
                    "held_seats": show.held_seats,
                    "ends_at": ends_at,
                },
            )
        except MissingReference:
            # AddShow found the movie in this transaction, so the owner is what is missing.
            raise NotFound("user", show.owner_id) from None
        return attrs.evolve(show, id=show_id)

    def get(self, show_id: int) -> Show | None:
        row = self._sql.first(_SHOW_BY_ID, {"id": show_id})
        return None if row is None else show_from_row(row)

    def list(self, *, movie_id: int | None, after: int | None, limit: int) -> list[Show]:
        if movie_id is None:
            return self._sql.all_built(
                _SHOWS_PAGE, {"after": after or 0, "limit": limit}, listed_show
            )
        return self._sql.all_built(
            _MOVIE_SHOWS_PAGE,
            {"movie_id": movie_id, "after": after or 0, "limit": limit},
            listed_show,
        )


class SqlAlchemyShowInventoryRepository:
    """A show's row (its counts and its chart's codes) and its active holds' rows."""

    def __init__(self, statements: Statements, holds: SqlAlchemyHoldRepository) -> None:
        self._sql = statements
        self._holds = holds

    def lock(self, show_id: int) -> ShowInventory | None:
        return self._load(_INVENTORY_FOR_UPDATE, show_id)

    def get(self, show_id: int) -> ShowInventory | None:
        return self._load(_INVENTORY, show_id)

    def _load(self, statement: Select[Any], show_id: int) -> ShowInventory | None:
        row = self._sql.first(statement, {"id": show_id})
        if row is None:
            return None
        show, codes = show_from_row(row[:-1]), row[-1]
        chart = None
        if show.seat_map is not None:
            if codes is None or len(codes) != len(show.seat_map.labels):
                # Written together under the show's lock: a mismatch is corruption.
                raise StorageError(f"the seat chart of show {show_id} does not match its map")
            chart = SeatingChart(show.seat_map, codes)
        # Most shows hold nothing most of the time: then there is nothing to look up.
        holds = self._holds.active_on([show_id]) if show.held_seats else []
        return ShowInventory(show, chart, holds)

    def save(self, inventory: ShowInventory) -> None:
        show = inventory.show
        changes: dict[str, Any] = {
            "show_id": show.id,
            "available_seats": show.available_seats,
            "held_seats": show.held_seats,
        }
        if inventory.chart is not None and inventory.chart_changed:
            changes["seat_codes"] = inventory.chart.codes
        self._sql.write(_UPDATE_SHOW, changes)
        # Ended holds first: a user whose lapsed hold was settled may hold again in the same
        # unit of work, and one active hold per user and show is all the store accepts.
        for hold in inventory.changed_holds():
            self._holds.save(hold)
        for hold in inventory.added_holds():
            self._holds.add(hold)
        inventory.saved()


_BOOKINGS = _in_field_order(bookings, Booking)
_BOOKING_BY_ID = _BOOKINGS.where(bookings.c.id == bindparam("id"))
_USER_BOOKINGS_PAGE = _page(_BOOKINGS, bookings.c.user_id == bindparam("user_id"))
_SHOW_BOOKINGS_PAGE = _page(_BOOKINGS, bookings.c.show_id == bindparam("show_id"))
_INSERT_BOOKING = insert(bookings)
_UPDATE_BOOKING = update(bookings).where(bookings.c.id == bindparam("booking_id"))


def _booking(row: Sequence[Any]) -> Booking:
    booking_id, user_id, show_id, num_seats, status, created_at, cancelled_at, seats = row
    return Booking(
        booking_id,
        user_id,
        show_id,
        num_seats,
        BookingStatus(status),
        created_at,
        cancelled_at,
        _seats(seats),
    )


class SqlAlchemyBookingRepository:
    def __init__(self, statements: Statements) -> None:
        self._sql = statements

    def next_id(self) -> int:
        return self._sql.next_id(bookings)

    def add(self, booking: Booking) -> None:
        # The use case holds the show locked and checked the user: the foreign keys hold.
        self._sql.write(
            _INSERT_BOOKING,
            {
                "id": booking.id,
                "user_id": booking.user_id,
                "show_id": booking.show_id,
                "num_seats": booking.num_seats,
                "status": booking.status.value,
                "created_at": booking.created_at,
                "cancelled_at": booking.cancelled_at,
                "seats": _seats_text(booking.seats),
            },
        )

    def get(self, booking_id: int) -> Booking | None:
        row = self._sql.first(_BOOKING_BY_ID, {"id": booking_id})
        return None if row is None else _booking(row)

    def save(self, booking: Booking) -> None:
        self._sql.write(
            _UPDATE_BOOKING,
            {
                "booking_id": booking.id,
                "status": booking.status.value,
                "cancelled_at": booking.cancelled_at,
            },
        )

    def list_for_user(self, user_id: int, *, after: int | None, limit: int) -> list[Booking]:
        rows = self._sql.all(
            _USER_BOOKINGS_PAGE, {"user_id": user_id, "after": after or 0, "limit": limit}
        )
        return [_booking(row) for row in rows]

    def list_for_show(self, show_id: int, *, after: int | None, limit: int) -> list[Booking]:
        rows = self._sql.all(
            _SHOW_BOOKINGS_PAGE, {"show_id": show_id, "after": after or 0, "limit": limit}
        )
        return [_booking(row) for row in rows]


_HOLDS = _in_field_order(holds, Hold)
_HOLD_BY_ID = _HOLDS.where(holds.c.id == bindparam("id"))


@functools.cache
def _active_holds(size: int) -> Select[Any]:
    """The active holds of up to `size` shows. A plain IN list of bound ids, as statements
    are compiled once each: sizes are powers of two (the ids padded by repeating one), so a
    page of up to 500 shows needs at most ten of them. Written to match the partial index's
    predicate, so both databases use it.
    """
    ids: list[BindParameter[int]] = [bindparam(f"show_id_{n}") for n in range(size)]
    return _HOLDS.where(holds.c.show_id.in_(ids), holds.c.status == "active").order_by(holds.c.id)


_INSERT_HOLD = insert(holds)
_UPDATE_HOLD = update(holds).where(holds.c.id == bindparam("hold_id"))


def _hold(row: Sequence[Any]) -> Hold:
    hold_id, user_id, show_id, num_seats, status, created_at, expires_at, seats, booking_id = row
    return Hold(
        hold_id,
        user_id,
        show_id,
        num_seats,
        HoldStatus(status),
        created_at,
        expires_at,
        _seats(seats),
        booking_id,
    )


class SqlAlchemyHoldRepository:
    def __init__(self, statements: Statements) -> None:
        self._sql = statements

    def next_id(self) -> int:
        return self._sql.next_id(holds)

    def add(self, hold: Hold) -> None:
        # The partial unique index refuses a second active hold of a user on a show.
        self._sql.write(
            _INSERT_HOLD,
            {
                "id": hold.id,
                "user_id": hold.user_id,
                "show_id": hold.show_id,
                "num_seats": hold.num_seats,
                "status": hold.status.value,
                "created_at": hold.created_at,
                "expires_at": hold.expires_at,
                "seats": _seats_text(hold.seats),
                "booking_id": hold.booking_id,
            },
        )

    def get(self, hold_id: int) -> Hold | None:
        row = self._sql.first(_HOLD_BY_ID, {"id": hold_id})
        return None if row is None else _hold(row)

    def save(self, hold: Hold) -> None:
        self._sql.write(
            _UPDATE_HOLD,
            {"hold_id": hold.id, "status": hold.status.value, "booking_id": hold.booking_id},
        )

    def active_on(self, show_ids: Sequence[int]) -> list[Hold]:
        if not show_ids:
            return []
        size = 1 << (len(show_ids) - 1).bit_length()
        padded = list(show_ids) + [show_ids[-1]] * (size - len(show_ids))
        parameters = {f"show_id_{n}": show_id for n, show_id in enumerate(padded)}
        return [_hold(row) for row in self._sql.all(_active_holds(size), parameters)]


_IDEMPOTENCY_RECORD = _in_field_order(idempotency_keys, IdempotencyRecord).where(
    idempotency_keys.c.user_id == bindparam("user_id"),
    idempotency_keys.c.key == bindparam("key"),
)
_FORGET_KEY = delete(idempotency_keys).where(
    idempotency_keys.c.user_id == bindparam("user_id"),
    idempotency_keys.c.key == bindparam("key"),
)
_INSERT_KEY = insert(idempotency_keys)


class SqlAlchemyIdempotencyRepository:
    def __init__(self, statements: Statements) -> None:
        self._sql = statements

    def get(self, user_id: int, key: str) -> IdempotencyRecord | None:
        row: Sequence[Any] | None = self._sql.first(
            _IDEMPOTENCY_RECORD, {"user_id": user_id, "key": key}
        )
        if row is None:
            return None
        user, key, fingerprint, booking_id, created_at = row
        return IdempotencyRecord(user, key, fingerprint, booking_id, created_at)

    def put(self, record: IdempotencyRecord) -> None:
        # The domain puts only a new or expired key; a twin transaction inserting the same key
        # makes the insert fail on the primary key, which comes out as IdempotencyKeyInFlight.
        self._sql.write(_FORGET_KEY, {"user_id": record.user_id, "key": record.key})
        self._sql.write(
            _INSERT_KEY,
            {
                "user_id": record.user_id,
                "key": record.key,
                "fingerprint": record.fingerprint,
                "booking_id": record.booking_id,
                "created_at": record.created_at,
            },
        )


_FAILURES_SINCE = (
    select(login_failures.c.failed_at)
    .where(
        login_failures.c.subject == bindparam("subject"),
        login_failures.c.failed_at > bindparam("since"),
    )
    .order_by(login_failures.c.failed_at)
)
_ADD_FAILURE = insert(login_failures)
_FORGET_ALL = delete(login_failures).where(login_failures.c.subject == bindparam("subject"))
_FORGET_BEFORE = _FORGET_ALL.where(login_failures.c.failed_at < bindparam("before"))
_FORGET_EVERYONE_BEFORE = delete(login_failures).where(
    login_failures.c.failed_at < bindparam("before")
)


class SqlAlchemyLoginAttemptRepository:
    def __init__(self, statements: Statements) -> None:
        self._sql = statements

    def failures_since(self, subject: str, since: datetime) -> list[datetime]:
        rows = self._sql.all(_FAILURES_SINCE, {"subject": subject, "since": since})
        return [row[0] for row in rows]

    def add_failure(self, subject: str, at: datetime) -> None:
        self._sql.write(_ADD_FAILURE, {"subject": subject, "failed_at": at})

    def forget(self, subject: str, *, before: datetime | None = None) -> None:
        if before is None:
            self._sql.write(_FORGET_ALL, {"subject": subject})
        else:
            self._sql.write(_FORGET_BEFORE, {"subject": subject, "before": before})

    def forget_everyone_before(self, before: datetime) -> None:
        self._sql.write(_FORGET_EVERYONE_BEFORE, {"before": before})


_AUDIT_EVENTS_PAGE = _page(_in_field_order(audit_events, AuditEvent))
_INSERT_AUDIT_EVENT = insert(audit_events)


def _audit_event(row: Sequence[Any]) -> AuditEvent:
    event_id, occurred_at, action, actor_id, target, client, show_id, num_seats = row
    return AuditEvent(
        event_id, occurred_at, AuditAction(action), actor_id, target, client, show_id, num_seats
    )


class SqlAlchemyAuditLog:
    def __init__(self, statements: Statements) -> None:
        self._sql = statements

    def add(self, event: AuditEvent) -> None:
        self._sql.write(
            _INSERT_AUDIT_EVENT,
            {
                "occurred_at": event.occurred_at,
                "action": event.action.value,
                "actor_id": event.actor_id,
                "target": event.target,
                "client": event.client,
                "show_id": event.show_id,
                "num_seats": event.num_seats,
            },
        )

    def list(self, *, after: int | None, limit: int) -> list[AuditEvent]:
        rows = self._sql.all(_AUDIT_EVENTS_PAGE, {"after": after or 0, "limit": limit})
        return [_audit_event(row) for row in rows]
