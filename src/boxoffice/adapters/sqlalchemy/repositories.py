"""Repositories as explicit Core statements over one connection.

Statements are built once, at import, with bound parameters: SQLAlchemy compiles each a single
time per dialect and reuses it, so a call costs little more than the driver's own work.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import orjson
from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Executable,
    Select,
    Table,
    bindparam,
    delete,
    exists,
    func,
    insert,
    literal_column,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from boxoffice.adapters.sqlalchemy.errors import MissingReference, TicketTypeCodeTaken
from boxoffice.adapters.sqlalchemy.statements import Statements
from boxoffice.adapters.sqlalchemy.tables import (
    audit_events,
    bookings,
    checkins,
    cinemas,
    holds,
    idempotency_keys,
    leases,
    login_failures,
    movies,
    screens,
    shows,
    ticket_codes,
    ticket_types,
    users,
    waitlist_entries,
)
from boxoffice.adapters.sqlalchemy.views import (
    listed_show,
    prices_text,
    seat_map_of,
    seat_map_text,
    show_from_row,
)
from boxoffice.domain.errors import NotFound, StorageError, TicketTypeTaken
from boxoffice.domain.inventory import ShowInventory
from boxoffice.domain.model import (
    AuditAction,
    AuditEvent,
    Booking,
    BookingStatus,
    CancelReason,
    Cinema,
    Hold,
    HoldStatus,
    IdempotencyRecord,
    Movie,
    Role,
    Screen,
    Show,
    ShowStatus,
    Ticket,
    TicketStatus,
    TicketType,
    User,
    WaitlistEntry,
    WaitlistStatus,
)
from boxoffice.domain.queries import ShowCursor, ShowQuery
from boxoffice.domain.rules import MAX_DURATION_MINUTES
from boxoffice.domain.schedule import MAX_GAP_MINUTES
from boxoffice.domain.seating import SeatingChart
from boxoffice.domain.ticket_codes import code_of, key_and_place


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
_ROLE_BY_ID = select(users.c.role).where(users.c.id == bindparam("id"))
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

    def role_of(self, user_id: int) -> Role | None:
        row = self._sql.first(_ROLE_BY_ID, {"id": user_id})
        return None if row is None else Role(row[0])

    def get_by_email(self, email: str) -> User | None:
        row = self._sql.first(_USER_BY_EMAIL, {"email": email})
        return None if row is None else _user(row)


_MOVIES = _in_field_order(movies, Movie)
_MOVIE_BY_ID = _MOVIES.where(movies.c.id == bindparam("id"))
_MOVIE_FOR_UPDATE = _MOVIE_BY_ID.with_for_update()
_MOVIES_PAGE = _page(_MOVIES)
_INSERT_MOVIE = insert(movies)
_UPDATE_MOVIE = update(movies).where(movies.c.id == bindparam("movie_id"))


def _movie(row: Sequence[Any]) -> Movie:
    return Movie(*row)


class SqlAlchemyMovieRepository:
    def __init__(self, statements: Statements) -> None:
        self._sql = statements

    def add(self, movie: Movie) -> Movie:
        movie_id = self._sql.insert(
            _INSERT_MOVIE,
            {
                "title": movie.title,
                "genre": movie.genre,
                "duration": movie.duration,
                "owner_id": movie.owner_id,
            },
        )
        return attrs.evolve(movie, id=movie_id)

    def get(self, movie_id: int) -> Movie | None:
        row = self._sql.first(_MOVIE_BY_ID, {"id": movie_id})
        return None if row is None else _movie(row)

    def lock(self, movie_id: int) -> Movie | None:
        row = self._sql.first(_MOVIE_FOR_UPDATE, {"id": movie_id})
        return None if row is None else _movie(row)

    def save(self, movie: Movie) -> None:
        self._sql.write(
            _UPDATE_MOVIE,
            {
                "movie_id": movie.id,
                "title": movie.title,
                "genre": movie.genre,
                "duration": movie.duration,
            },
        )

    def list(self, *, after: int | None, limit: int) -> list[Movie]:
        rows = self._sql.all(_MOVIES_PAGE, {"after": after or 0, "limit": limit})
        return [_movie(row) for row in rows]


_SHOWS = _in_field_order(shows, Show)
_SHOW_BY_ID = _SHOWS.where(shows.c.id == bindparam("id"))
_INSERT_SHOW = insert(shows)
_SCHEDULED = shows.c.status == ShowStatus.SCHEDULED.value
# The longest window a show can have: a show overlapping [start, end) begins after start less
# this, which bounds the index range a search of a screen reads.
_LONGEST_WINDOW = timedelta(minutes=MAX_DURATION_MINUTES + MAX_GAP_MINUTES)
_ON_SCREEN = _SHOWS.where(
    shows.c.screen_id == bindparam("screen_id"),
    shows.c.timing >= bindparam("earliest"),
    shows.c.timing < bindparam("end"),
    shows.c.occupied_until > bindparam("start"),
    _SCHEDULED,
).order_by(shows.c.timing, shows.c.id)
_UPCOMING_OF_MOVIE = _SHOWS.where(
    shows.c.movie_id == bindparam("movie_id"), shows.c.timing > bindparam("now"), _SCHEDULED
).order_by(shows.c.id)
# The filters a listing may combine, each compared with the parameter of its name.
_SHOW_FILTERS = ("movie_id", "cinema_id", "screen_id")


@functools.cache
def _shows_listing(filters: tuple[str, ...], by_timing: bool, status: bool) -> Executable:
    """The listing for one combination of filters: compiled once, like every statement."""
    conditions = [shows.c[name] == bindparam(name) for name in filters]
    if status:
        conditions.append(shows.c.status == bindparam("status"))
    if not by_timing:
        return _page(_SHOWS, *conditions)
    conditions += [
        shows.c.timing >= bindparam("starts_from"),
        shows.c.timing < bindparam("starts_before"),
        # Keyset: after the previous page's last (timing, id).
        (shows.c.timing > bindparam("after_timing"))
        | ((shows.c.timing == bindparam("after_timing")) & (shows.c.id > bindparam("after"))),
    ]
    return _SHOWS.where(*conditions).order_by(shows.c.timing, shows.c.id).limit(bindparam("limit"))


# Bounds that admit every show: a listing by time with one bound given takes this as the other.
_EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
_LATEST = datetime(9999, 12, 30, tzinfo=UTC)
# The parameters' keys name the columns to SET.
_UPDATE_SHOW = update(shows).where(shows.c.id == bindparam("show_id"))
_INVENTORY = _SHOW_BY_ID.add_columns(shows.c.seat_codes)
# PostgreSQL locks the row until the transaction ends. SQLite renders no FOR UPDATE: its write
# transactions began with BEGIN IMMEDIATE and already hold the database's write lock.
_INVENTORY_FOR_UPDATE = _INVENTORY.with_for_update()


def _seats_text(seats: tuple[str, ...]) -> str | None:
    return ",".join(seats) if seats else None


def _seats(text: str | None) -> tuple[str, ...]:
    return tuple(text.split(",")) if text else ()


class SqlAlchemyShowRepository:
    def __init__(self, statements: Statements) -> None:
        self._sql = statements

    def add(self, show: Show) -> Show:
        plan = show.seat_map
        try:
            show_id = self._sql.insert(
                _INSERT_SHOW,
                {
                    "movie_id": show.movie_id,
                    "owner_id": show.owner_id,
                    "timing": show.timing,
                    "ends_at": show.ends_at,
                    "capacity": show.capacity,
                    "available_seats": show.available_seats,
                    "seat_map": None if plan is None else seat_map_text(plan),
                    "seat_codes": None if plan is None else SeatingChart.empty(plan).codes,
                    "held_seats": show.held_seats,
                    "status": show.status.value,
                    "screen_id": show.screen_id,
                    "cinema_id": show.cinema_id,
                    "occupied_until": show.occupied_until,
                    "currency": show.currency,
                    "prices": prices_text(show.prices),
                },
            )
        except MissingReference:
            # The use case found the movie (and screen) in this transaction, so the owner is
            # what is missing.
            raise NotFound("user", show.owner_id) from None
        return attrs.evolve(show, id=show_id)

    def get(self, show_id: int) -> Show | None:
        row = self._sql.first(_SHOW_BY_ID, {"id": show_id})
        return None if row is None else show_from_row(row)

    def on_screen(self, screen_id: int, start: datetime, end: datetime) -> list[Show]:
        parameters = {
            "screen_id": screen_id,
            "earliest": start - _LONGEST_WINDOW,
            "start": start,
            "end": end,
        }
        return [show_from_row(row) for row in self._sql.all(_ON_SCREEN, parameters)]

    def upcoming_of_movie(self, movie_id: int, now: datetime) -> list[Show]:
        rows = self._sql.all(_UPCOMING_OF_MOVIE, {"movie_id": movie_id, "now": now})
        return [show_from_row(row) for row in rows]

    def list(self, query: ShowQuery, *, after: ShowCursor | None, limit: int) -> list[Show]:
        filters = tuple(name for name in _SHOW_FILTERS if getattr(query, name) is not None)
        parameters: dict[str, Any] = {name: getattr(query, name) for name in filters}
        parameters["limit"] = limit
        if query.status is not None:
            parameters["status"] = query.status.value
        if query.by_timing:
            parameters["starts_from"] = query.starts_from or _EARLIEST
            parameters["starts_before"] = query.starts_before or _LATEST
            # Before every show: the first page.
            parameters["after_timing"] = _EARLIEST if after is None else after.timing
            parameters["after"] = 0 if after is None else after.id
        else:
            parameters["after"] = 0 if after is None else after.id
        statement = _shows_listing(filters, query.by_timing, query.status is not None)
        return self._sql.all_built(statement, parameters, listed_show)


class SqlAlchemyShowInventoryRepository:
    """A show's row (its counts and its chart's codes) and its active holds' rows."""

    def __init__(
        self,
        statements: Statements,
        holds: SqlAlchemyHoldRepository,
        waitlist: SqlAlchemyWaitlistRepository,
    ) -> None:
        self._sql = statements
        self._holds = holds
        self._waitlist = waitlist

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
        entries = self._waitlist.live_of_show(show_id) if show.waitlisted else []
        return ShowInventory(show, chart, holds, entries)

    def save(self, inventory: ShowInventory) -> None:
        show = inventory.show
        changes: dict[str, Any] = {
            "show_id": show.id,
            "available_seats": show.available_seats,
            "held_seats": show.held_seats,
        }
        if inventory.chart is not None and inventory.chart_changed:
            changes["seat_codes"] = inventory.chart.codes
        # Written only by a change of the list: a booking of a show without one never does.
        if inventory.waitlist_changed:
            changes["waitlisted"] = show.waitlisted
        # A booking changes none of these: its UPDATE writes only the seat counts and chart.
        if inventory.schedule_changed:
            changes.update(
                timing=show.timing,
                ends_at=show.ends_at,
                occupied_until=show.occupied_until,
                capacity=show.capacity,
                status=show.status.value,
                prices=prices_text(show.prices),
            )
        self._sql.write(_UPDATE_SHOW, changes)
        # Ended holds first: a user whose lapsed hold was settled may hold again in the same
        # unit of work, and one active hold per user and show is all the store accepts.
        for hold in inventory.changed_holds():
            self._holds.save(hold)
        for hold in inventory.added_holds():
            self._holds.add(hold)
        # After the holds their offers name.
        for entry in inventory.changed_entries():
            self._waitlist.save(entry)
        for entry in inventory.added_entries():
            self._waitlist.add(entry)
        inventory.saved()


_CINEMAS = _in_field_order(cinemas, Cinema)
_CINEMA_BY_ID = _CINEMAS.where(cinemas.c.id == bindparam("id"))
_CINEMA_FOR_UPDATE = _CINEMA_BY_ID.with_for_update()
_CINEMAS_PAGE = _page(_CINEMAS)
_INSERT_CINEMA = insert(cinemas)
_UPDATE_CINEMA = update(cinemas).where(cinemas.c.id == bindparam("cinema_id"))


class SqlAlchemyCinemaRepository:
    def __init__(self, statements: Statements) -> None:
        self._sql = statements

    def add(self, cinema: Cinema) -> Cinema:
        try:
            cinema_id = self._sql.insert(
                _INSERT_CINEMA,
                {
                    "owner_id": cinema.owner_id,
                    "name": cinema.name,
                    "time_zone": cinema.time_zone,
                    "gap_minutes": cinema.gap_minutes,
                    "currency": cinema.currency,
                    "cancel_until_minutes": cinema.cancel_until_minutes,
                    "cancel_fee": cinema.cancel_fee,
                },
            )
        except MissingReference:
            raise NotFound("user", cinema.owner_id) from None
        return attrs.evolve(cinema, id=cinema_id)

    def get(self, cinema_id: int) -> Cinema | None:
        row = self._sql.first(_CINEMA_BY_ID, {"id": cinema_id})
        return None if row is None else Cinema(*row)

    def lock(self, cinema_id: int) -> Cinema | None:
        row = self._sql.first(_CINEMA_FOR_UPDATE, {"id": cinema_id})
        return None if row is None else Cinema(*row)

    def save(self, cinema: Cinema) -> None:
        self._sql.write(
            _UPDATE_CINEMA,
            {
                "cinema_id": cinema.id,
                "name": cinema.name,
                "cancel_until_minutes": cinema.cancel_until_minutes,
                "cancel_fee": cinema.cancel_fee,
            },
        )

    def list(self, *, after: int | None, limit: int) -> list[Cinema]:
        rows = self._sql.all(_CINEMAS_PAGE, {"after": after or 0, "limit": limit})
        return [Cinema(*row) for row in rows]


_TICKET_TYPES = _in_field_order(ticket_types, TicketType)
_CINEMA_TICKET_TYPES = _TICKET_TYPES.where(
    ticket_types.c.cinema_id == bindparam("cinema_id")
).order_by(ticket_types.c.id)
_INSERT_TICKET_TYPE = insert(ticket_types)


class SqlAlchemyTicketTypeRepository:
    def __init__(self, statements: Statements) -> None:
        self._sql = statements

    def add(self, ticket_type: TicketType) -> TicketType:
        try:
            type_id = self._sql.insert(
                _INSERT_TICKET_TYPE,
                {
                    "cinema_id": ticket_type.cinema_id,
                    "code": ticket_type.code,
                    "name": ticket_type.name,
                },
            )
        except MissingReference:
            raise NotFound("cinema", ticket_type.cinema_id) from None
        except TicketTypeCodeTaken:
            # The unique index names no code: this insert's is the one taken.
            raise TicketTypeTaken(ticket_type.code) from None
        return attrs.evolve(ticket_type, id=type_id)

    def of_cinema(self, cinema_id: int) -> list[TicketType]:
        rows = self._sql.all(_CINEMA_TICKET_TYPES, {"cinema_id": cinema_id})
        return [TicketType(*row) for row in rows]


_SCREENS = select(
    screens.c.id, screens.c.cinema_id, screens.c.name, screens.c.layout, screens.c.capacity
)
_SCREEN_BY_ID = _SCREENS.where(screens.c.id == bindparam("id"))
# PostgreSQL locks the row until the transaction ends; SQLite's write transaction already
# holds the database's write lock.
_SCREEN_FOR_UPDATE = _SCREEN_BY_ID.with_for_update()
_CINEMA_SCREENS_PAGE = _page(_SCREENS, screens.c.cinema_id == bindparam("cinema_id"))
_INSERT_SCREEN = insert(screens)
_UPDATE_SCREEN = update(screens).where(screens.c.id == bindparam("screen_id"))


def _screen(row: Sequence[Any]) -> Screen:
    screen_id, cinema_id, name, layout, capacity = row
    plan = None if layout is None else seat_map_of(layout)
    return Screen(screen_id, cinema_id, name, plan, capacity)


def _layout_text(screen: Screen) -> str | None:
    return None if screen.layout is None else seat_map_text(screen.layout)


class SqlAlchemyScreenRepository:
    def __init__(self, statements: Statements) -> None:
        self._sql = statements

    def add(self, screen: Screen) -> Screen:
        try:
            screen_id = self._sql.insert(
                _INSERT_SCREEN,
                {
                    "cinema_id": screen.cinema_id,
                    "name": screen.name,
                    "layout": _layout_text(screen),
                    "capacity": screen.capacity,
                },
            )
        except MissingReference:
            raise NotFound("cinema", screen.cinema_id) from None
        return attrs.evolve(screen, id=screen_id)

    def get(self, screen_id: int) -> Screen | None:
        row = self._sql.first(_SCREEN_BY_ID, {"id": screen_id})
        return None if row is None else _screen(row)

    def lock(self, screen_id: int) -> Screen | None:
        row = self._sql.first(_SCREEN_FOR_UPDATE, {"id": screen_id})
        return None if row is None else _screen(row)

    def save(self, screen: Screen) -> None:
        self._sql.write(
            _UPDATE_SCREEN,
            {
                "screen_id": screen.id,
                "name": screen.name,
                "layout": _layout_text(screen),
                "capacity": screen.capacity,
            },
        )

    def list(self, cinema_id: int, *, after: int | None, limit: int) -> list[Screen]:
        rows = self._sql.all(
            _CINEMA_SCREENS_PAGE, {"cinema_id": cinema_id, "after": after or 0, "limit": limit}
        )
        return [_screen(row) for row in rows]


# A booking's columns, in its fields' order but for its tickets, then what its tickets are
# made of.
_BOOKINGS = select(
    *(bookings.c[f.name] for f in attrs.fields(Booking) if f.name != "tickets"),
    bookings.c.ticket_key,
    bookings.c.lines,
)
_BOOKING_BY_ID = _BOOKINGS.where(bookings.c.id == bindparam("id"))
_BOOKING_BY_KEY = _BOOKINGS.where(bookings.c.ticket_key == bindparam("ticket_key"))
_USER_BOOKINGS_PAGE = _page(_BOOKINGS, bookings.c.user_id == bindparam("user_id"))
_SHOW_BOOKINGS_PAGE = _page(_BOOKINGS, bookings.c.show_id == bindparam("show_id"))
_SHOW_BOOKINGS = _BOOKINGS.where(bookings.c.show_id == bindparam("show_id")).order_by(bookings.c.id)
_ACTIVE_SHOW_BOOKINGS = _BOOKINGS.where(
    bookings.c.show_id == bindparam("show_id"), bookings.c.status == BookingStatus.ACTIVE.value
).order_by(bookings.c.id)
_INSERT_BOOKING = insert(bookings)
_UPDATE_BOOKING = update(bookings).where(bookings.c.id == bindparam("booking_id"))
_REFUNDS_OF_SHOW = select(func.coalesce(func.sum(bookings.c.refund), 0)).where(
    bookings.c.show_id == bindparam("show_id"),
    bookings.c.status == BookingStatus.CANCELLED.value,
)

_CHECKINS = select(checkins.c.booking_id, checkins.c.place, checkins.c.checked_in_at)
# Through the show's bookings (their show_id index), each booking's check-ins a key range.
_SHOW_CHECKINS = _CHECKINS.join_from(
    checkins, bookings, checkins.c.booking_id == bookings.c.id
).where(bookings.c.show_id == bindparam("show_id"))
_INSERT_CHECKIN = insert(checkins)
_DELETE_CHECKIN = delete(checkins).where(
    checkins.c.booking_id == bindparam("checked_booking_id"),
    checkins.c.place == bindparam("checked_place"),
)
_CODE_PLACE = select(ticket_codes.c.booking_id, ticket_codes.c.place).where(
    ticket_codes.c.code == bindparam("code")
)
_INSERT_CODE = insert(ticket_codes)
# The most bookings whose check-ins one statement reads: a page's, at most.
_CHECKINS_AT_ONCE = 512

# Where a booking's check-ins are, by booking id and place.
CheckIns = dict[int, dict[int, datetime]]


@functools.cache
def _checkins_of_bookings(size: int) -> Select[Any]:
    """The check-ins of up to `size` bookings; sizes are powers of two, as _active_holds'."""
    ids: list[BindParameter[int]] = [bindparam(f"booking_id_{n}") for n in range(size)]
    return _CHECKINS.where(checkins.c.booking_id.in_(ids))


def _grouped(rows: Sequence[Sequence[Any]]) -> CheckIns:
    grouped: CheckIns = {}
    for booking_id, place, checked_in_at in rows:
        grouped.setdefault(booking_id, {})[place] = checked_in_at
    return grouped


def _tickets(
    booking_id: int,
    show_id: int,
    status: str,
    seats: tuple[str, ...],
    key: str | None,
    lines: str,
    checked_in: dict[int, datetime],
) -> tuple[Ticket, ...]:
    cancelled = status == BookingStatus.CANCELLED.value
    made = []
    for place, line in enumerate(orjson.loads(lines)):
        code = line[3] if key is None else code_of(key, place)
        if cancelled:
            state, at = TicketStatus.CANCELLED, None
        else:
            at = checked_in.get(place)
            state = TicketStatus.VALID if at is None else TicketStatus.CHECKED_IN
        seat = seats[place] if seats else None
        made.append(Ticket(code, booking_id, show_id, seat, line[0], line[1], line[2], state, at))
    return tuple(made)


def _booking(row: Sequence[Any], checked_in: CheckIns) -> Booking:
    (
        booking_id,
        user_id,
        show_id,
        num_seats,
        status,
        created_at,
        cancelled_at,
        seats_text,
        reason,
        currency,
        refund,
        key,
        lines,
    ) = row
    seats = _seats(seats_text)
    tickets = _tickets(
        booking_id, show_id, status, seats, key, lines, checked_in.get(booking_id, {})
    )
    return Booking(
        booking_id,
        user_id,
        show_id,
        num_seats,
        BookingStatus(status),
        created_at,
        cancelled_at,
        seats,
        None if reason is None else CancelReason(reason),
        tickets,
        currency,
        refund,
    )


def _key_of(booking: Booking) -> str | None:
    """The key every code of the booking is made of, in place order; None when its codes are
    not all made of one key (a caller's own codes), so they are stored as they are."""
    parsed = key_and_place(booking.tickets[0].code) if booking.tickets else None
    if parsed is None:
        return None
    key = parsed[0]
    made_of_key = all(
        ticket.code == code_of(key, place) for place, ticket in enumerate(booking.tickets)
    )
    return key if made_of_key else None


def _lines_text(booking: Booking, key: str | None) -> str:
    if key is None:
        lines = [[t.zone, t.ticket_type, t.amount, t.code] for t in booking.tickets]
    else:
        lines = [[t.zone, t.ticket_type, t.amount] for t in booking.tickets]
    return orjson.dumps(lines).decode()


class SqlAlchemyBookingRepository:
    def __init__(self, statements: Statements) -> None:
        self._sql = statements

    def next_id(self) -> int:
        return self._sql.next_id(bookings)

    def add(self, booking: Booking) -> None:
        # The use case holds the show locked and checked the user: the foreign keys hold.
        key = _key_of(booking)
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
                "cancel_reason": _reason(booking),
                "currency": booking.currency,
                "refund": booking.refund,
                "ticket_key": key,
                "lines": _lines_text(booking, key),
            },
        )
        if key is None:
            codes = [
                {"code": ticket.code, "booking_id": booking.id, "place": place}
                for place, ticket in enumerate(booking.tickets)
            ]
            self._sql.write_all(_INSERT_CODE, codes)

    def get(self, booking_id: int) -> Booking | None:
        row = self._sql.first(_BOOKING_BY_ID, {"id": booking_id})
        return None if row is None else self.with_checkins([row])[0]

    def save(self, booking: Booking) -> None:
        # A booking's tickets are cancelled with it, as their status is its own; check-ins are
        # saved one by one, through the ticket repository.
        self._sql.write(
            _UPDATE_BOOKING,
            {
                "booking_id": booking.id,
                "status": booking.status.value,
                "cancelled_at": booking.cancelled_at,
                "cancel_reason": _reason(booking),
                "refund": booking.refund,
            },
        )

    def list_for_user(self, user_id: int, *, after: int | None, limit: int) -> list[Booking]:
        rows = self._sql.all(
            _USER_BOOKINGS_PAGE, {"user_id": user_id, "after": after or 0, "limit": limit}
        )
        return self.with_checkins(rows)

    def list_for_show(self, show_id: int, *, after: int | None, limit: int) -> list[Booking]:
        rows = self._sql.all(
            _SHOW_BOOKINGS_PAGE, {"show_id": show_id, "after": after or 0, "limit": limit}
        )
        return self.with_checkins(rows)

    def active_for_show(self, show_id: int) -> list[Booking]:
        rows = self._sql.all(_ACTIVE_SHOW_BOOKINGS, {"show_id": show_id})
        return self.of_show_rows(show_id, rows)

    def of_show_rows(self, show_id: int, rows: Sequence[Sequence[Any]]) -> list[Booking]:
        """The show's bookings in `rows`, with the show's check-ins read in one indexed read."""
        if not rows:
            return []
        grouped = _grouped(self._sql.all(_SHOW_CHECKINS, {"show_id": show_id}))
        return [_booking(row, grouped) for row in rows]

    def refunds_of_show(self, show_id: int) -> int:
        row = self._sql.first(_REFUNDS_OF_SHOW, {"show_id": show_id})
        return 0 if row is None else int(row[0])

    def with_checkins(self, rows: Sequence[Sequence[Any]]) -> list[Booking]:
        """The bookings of a page with their check-ins: one more read per page, none when no
        booking of it is active (a cancelled booking's tickets are all cancelled)."""
        active = BookingStatus.ACTIVE.value
        ids = [row[0] for row in rows if row[4] == active]
        grouped: CheckIns = {}
        for start in range(0, len(ids), _CHECKINS_AT_ONCE):
            chunk = ids[start : start + _CHECKINS_AT_ONCE]
            size = 1 << (len(chunk) - 1).bit_length()
            padded = chunk + [chunk[-1]] * (size - len(chunk))
            parameters = {f"booking_id_{n}": booking_id for n, booking_id in enumerate(padded)}
            grouped.update(_grouped(self._sql.all(_checkins_of_bookings(size), parameters)))
        return [_booking(row, grouped) for row in rows]


class SqlAlchemyTicketRepository:
    def __init__(self, statements: Statements, booked: SqlAlchemyBookingRepository) -> None:
        self._sql = statements
        self._bookings = booked

    def get(self, code: str) -> Ticket | None:
        found = self._place_of(code)
        if found is None:
            return None
        row, place = found
        tickets = self._bookings.with_checkins([row])[0].tickets
        return tickets[place] if place < len(tickets) else None

    def save(self, ticket: Ticket) -> None:
        # Valid or cancelled is the booking's status: a ticket's own row is its check-in.
        found = self._place_of(ticket.code)
        if found is None:
            raise NotFound("ticket", ticket.code)
        place = found[1]
        if ticket.status is TicketStatus.CHECKED_IN:
            row = {"booking_id": ticket.booking_id, "place": place}
            self._sql.write(_INSERT_CHECKIN, row | {"checked_in_at": ticket.checked_in_at})
        elif ticket.status is TicketStatus.VALID:
            self._sql.write(
                _DELETE_CHECKIN, {"checked_booking_id": ticket.booking_id, "checked_place": place}
            )

    def of_show(self, show_id: int) -> list[Ticket]:
        rows = self._sql.all(_SHOW_BOOKINGS, {"show_id": show_id})
        booked = self._bookings.of_show_rows(show_id, rows)
        return [ticket for booking in booked for ticket in booking.tickets]

    def _place_of(self, code: str) -> tuple[Sequence[Any], int] | None:
        """The row of the booking the code is of, and the ticket's place among its tickets."""
        parsed = key_and_place(code)
        if parsed is not None:
            key, place = parsed
            row = self._sql.first(_BOOKING_BY_KEY, {"ticket_key": key})
            if row is not None:
                return row, place
        # A code from before keys, or a caller's own.
        kept = self._sql.first(_CODE_PLACE, {"code": code})
        if kept is None:
            return None
        row = self._sql.first(_BOOKING_BY_ID, {"id": kept[0]})
        return None if row is None else (row, kept[1])


def _reason(booking: Booking) -> str | None:
    return None if booking.cancel_reason is None else booking.cancel_reason.value


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
    (
        hold_id,
        user_id,
        show_id,
        num_seats,
        status,
        created_at,
        expires_at,
        seats,
        booking_id,
        ticket_types,
    ) = row
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
        _seats(ticket_types),
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
                "ticket_types": _seats_text(hold.ticket_types),
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


_ENTRIES = select(
    waitlist_entries.c.id,
    waitlist_entries.c.show_id,
    waitlist_entries.c.user_id,
    waitlist_entries.c.num_seats,
    waitlist_entries.c.status,
    waitlist_entries.c.created_at,
    waitlist_entries.c.hold_id,
    waitlist_entries.c.expires_at,
    waitlist_entries.c.updated_at,
)
_ENTRY_BY_ID = _ENTRIES.where(waitlist_entries.c.id == bindparam("id"))
# Literals, as in the partial indexes' conditions, so the queries can use them.
_LIVE = waitlist_entries.c.status.in_([literal_column("'waiting'"), literal_column("'offered'")])
_WAITING = waitlist_entries.c.status == literal_column("'waiting'")
_LIVE_OF_SHOW = _ENTRIES.where(waitlist_entries.c.show_id == bindparam("show_id"), _LIVE).order_by(
    waitlist_entries.c.created_at, waitlist_entries.c.id
)
_WAITING_AHEAD = select(func.count()).where(
    waitlist_entries.c.show_id == bindparam("show_id"),
    _LIVE,
    _WAITING,
    (waitlist_entries.c.created_at < bindparam("created_at"))
    | (
        (waitlist_entries.c.created_at == bindparam("created_at"))
        & (waitlist_entries.c.id < bindparam("id"))
    ),
)
_USER_ENTRIES_PAGE = _page(_ENTRIES, waitlist_entries.c.user_id == bindparam("user_id"))
_SHOW_ENTRIES_PAGE = _page(_ENTRIES, waitlist_entries.c.show_id == bindparam("show_id"))
_INSERT_ENTRY = insert(waitlist_entries)
_UPDATE_ENTRY = update(waitlist_entries).where(waitlist_entries.c.id == bindparam("entry_id"))
_LAPSED_HOLD = exists().where(
    holds.c.show_id == shows.c.id,
    holds.c.status == literal_column("'active'"),
    holds.c.expires_at <= bindparam("now"),
)
_STILL_WAITING = exists().where(waitlist_entries.c.show_id == shows.c.id, _LIVE, _WAITING)
_DUE = (
    select(shows.c.id)
    .where(
        shows.c.waitlisted > literal_column("0"),
        _LAPSED_HOLD | ((shows.c.timing <= bindparam("now")) & _STILL_WAITING),
    )
    .order_by(shows.c.id)
    .limit(bindparam("limit"))
)


def _entry(row: Sequence[Any]) -> WaitlistEntry:
    entry_id, show_id, user_id, num_seats, status, created_at, hold_id, expires_at, updated = row
    return WaitlistEntry(
        entry_id,
        show_id,
        user_id,
        num_seats,
        WaitlistStatus(status),
        created_at,
        None,
        hold_id,
        expires_at,
        updated,
    )


class SqlAlchemyWaitlistRepository:
    def __init__(self, statements: Statements) -> None:
        self._sql = statements

    def next_id(self) -> int:
        return self._sql.next_id(waitlist_entries)

    def get(self, entry_id: int) -> WaitlistEntry | None:
        row = self._sql.first(_ENTRY_BY_ID, {"id": entry_id})
        return None if row is None else _entry(row)

    def live_of_show(self, show_id: int) -> list[WaitlistEntry]:
        return [_entry(row) for row in self._sql.all(_LIVE_OF_SHOW, {"show_id": show_id})]

    def add(self, entry: WaitlistEntry) -> None:
        # The partial unique index refuses a second live entry of a user on a show.
        self._sql.write(
            _INSERT_ENTRY,
            {
                "id": entry.id,
                "show_id": entry.show_id,
                "user_id": entry.user_id,
                "num_seats": entry.num_seats,
                "status": entry.status.value,
                "created_at": entry.created_at,
                "hold_id": entry.hold_id,
                "expires_at": entry.expires_at,
                "updated_at": entry.updated_at,
            },
        )

    def save(self, entry: WaitlistEntry) -> None:
        self._sql.write(
            _UPDATE_ENTRY,
            {
                "entry_id": entry.id,
                "status": entry.status.value,
                "hold_id": entry.hold_id,
                "expires_at": entry.expires_at,
                "updated_at": entry.updated_at,
            },
        )

    def waiting_ahead(self, entry: WaitlistEntry) -> int:
        parameters = {"show_id": entry.show_id, "created_at": entry.created_at, "id": entry.id}
        row = self._sql.first(_WAITING_AHEAD, parameters)
        return 0 if row is None else int(row[0])

    def list_for_user(self, user_id: int, *, after: int | None, limit: int) -> list[WaitlistEntry]:
        parameters = {"user_id": user_id, "after": after or 0, "limit": limit}
        return [_entry(row) for row in self._sql.all(_USER_ENTRIES_PAGE, parameters)]

    def list_for_show(self, show_id: int, *, after: int | None, limit: int) -> list[WaitlistEntry]:
        parameters = {"show_id": show_id, "after": after or 0, "limit": limit}
        return [_entry(row) for row in self._sql.all(_SHOW_ENTRIES_PAGE, parameters)]

    def due(self, now: datetime, *, limit: int) -> list[int]:
        return [int(row[0]) for row in self._sql.all(_DUE, {"now": now, "limit": limit})]


# Renewed by its holder, or taken once lapsed: one statement, so two takers cannot both win.
_RENEW_LEASE = (
    update(leases)
    .where(
        leases.c.name == bindparam("lease"),
        (leases.c.expires_at <= bindparam("now")) | (leases.c.holder == bindparam("claimant")),
    )
    .returning(leases.c.name)
)


# A new lease, unless a racing taker's row is there first: then nothing is inserted.
_INSERT_LEASE = {
    "postgresql": postgresql.insert(leases).on_conflict_do_nothing().returning(leases.c.name),
    "sqlite": sqlite.insert(leases).on_conflict_do_nothing().returning(leases.c.name),
}


class SqlAlchemyLeaseRepository:
    def __init__(self, statements: Statements, dialect: str) -> None:
        self._sql = statements
        self._insert = _INSERT_LEASE[dialect]

    def take(self, name: str, holder: str, now: datetime, until: datetime) -> bool:
        renewed = self._sql.first(
            _RENEW_LEASE,
            {"lease": name, "now": now, "claimant": holder, "holder": holder, "expires_at": until},
        )
        if renewed is not None:
            return True
        # No such lease yet, or another holder's.
        taken = self._sql.first(self._insert, {"name": name, "holder": holder, "expires_at": until})
        return taken is not None


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
