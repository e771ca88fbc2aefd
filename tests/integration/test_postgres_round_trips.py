"""Round trips to PostgreSQL while a booking holds its show's lock, counted from libpq's own
protocol trace: what went over the wire, not what the adapter thinks it sent.

A round trip is a stretch of time during which the client waits for the server: it begins with
the first message the client sends while nothing is outstanding, and ends once every Sync or
simple Query sent in it has its ReadyForQuery (or, after a bare Flush, once replies arrive).
The server holds its replies until a Sync or a Flush (errors excepted), so the messages the
client pipelines without waiting fall into one round trip.
"""

from __future__ import annotations

import contextlib
import re
import tempfile
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import attrs
import pytest
from psycopg import pq
from sqlalchemy import Engine, bindparam, event, insert, select, update

from boxoffice.adapters.sqlalchemy import SqlAlchemyUnitOfWork, SqlAlchemyUnitOfWorkFactory
from boxoffice.adapters.sqlalchemy.tables import bookings, idempotency_keys, shows
from boxoffice.domain.model import Actor, Role
from boxoffice.domain.service import Boxoffice
from tests.contract import builders
from tests.databases import postgres_store, require_postgres_url
from tests.fakes import START, FakeClock, FakePasswordHasher, FakeTokenService

pytestmark = pytest.mark.postgres

LOCK = "FOR UPDATE"


@attrs.frozen
class Message:
    frontend: bool  # sent by the client (F), else by the server (B)
    kind: str  # Parse, Bind, Sync, DataRow, ReadyForQuery, ...
    text: str  # the rest of the trace line: statement text, names, values
    # What a Bind or a simple Query has run: the statement's text.
    runs: str = ""


RoundTrip = list[Message]


# A message's line; a statement's text may go on over several lines.
_MESSAGE = re.compile(r"^([FB])\t(?:\d+|NN)\t(\w+)(.*?)(?=^[FB]\t(?:\d+|NN)\t|\Z)", re.M | re.S)


_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')


def parse_trace(text: str) -> list[Message]:
    """libpq's trace: direction, length, message type, then the message's fields."""
    messages = []
    parsed: dict[str, str] = {}  # statement text by name; "" is the unnamed statement
    for direction, kind, rest in _MESSAGE.findall(text):
        fields = _QUOTED.findall(rest)
        runs = ""
        if direction == "F" and kind == "Parse":
            parsed[fields[0]] = fields[1]
        elif direction == "F" and kind == "Bind":
            # Prepared (by psycopg after a few runs) or not, the statement's Parse named it.
            runs = parsed[fields[1]]
        elif direction == "F" and kind == "Query":
            runs = fields[0]
        messages.append(Message(direction == "F", kind, rest.rstrip("\n"), runs))
    return messages


def round_trips(messages: list[Message]) -> list[RoundTrip]:
    trips: list[RoundTrip] = []
    outstanding = 0  # Syncs and Queries not yet answered by a ReadyForQuery
    flushed = False  # a Flush sent with nothing outstanding, not yet answered
    waiting = False
    for message in messages:
        if message.frontend and not waiting:
            trips.append([])
            waiting = True
        trips[-1].append(message)
        if message.frontend:
            outstanding += message.kind in ("Sync", "Query")
            flushed = flushed or (message.kind == "Flush" and not outstanding)
            continue
        outstanding -= message.kind == "ReadyForQuery"
        # Not any reply: an error comes as soon as it happens, while the client may still send.
        if (message.kind == "ReadyForQuery" or flushed) and not outstanding:
            waiting = False
        flushed = False
    return trips


def statements(trip: RoundTrip) -> list[str]:
    """The statements the client ran in a round trip, in order: a simple Query may run
    several, separated by "; " (the values written in hold none)."""
    ran = []
    for message in trip:
        if message.kind == "Query":
            ran.extend(message.runs.split("; "))
        elif message.runs:
            ran.append(message.runs)
    return ran


def under_lock(trips: list[RoundTrip]) -> list[RoundTrip]:
    """From the round trip that sends the SELECT ... FOR UPDATE to the one that brings back
    the COMMIT's reply."""
    (window,) = lock_windows(trips)
    return window


def lock_windows(trips: list[RoundTrip]) -> list[list[RoundTrip]]:
    """Each stretch from a SELECT ... FOR UPDATE to the COMMIT's reply."""
    windows: list[list[RoundTrip]] = []
    first = None
    for n, trip in enumerate(trips):
        if first is None and any(LOCK in statement for statement in statements(trip)):
            first = n
        if first is not None and any(
            m.kind == "CommandComplete" and '"COMMIT"' in m.text for m in trip
        ):
            windows.append(trips[first : n + 1])
            first = None
    return windows


def describe(trips: list[RoundTrip]) -> str:
    return "\n".join(
        f"  {n}: {' | '.join(statements(trip)) or '(no statement)'}"
        for n, trip in enumerate(trips, 1)
    )


@contextlib.contextmanager
def traced(engine: Engine) -> Iterator[list[Message]]:
    """Every message of every connection checked out of the engine's pool meanwhile, traced
    by libpq from checkout to checkin (one connection at a time: they share the file)."""
    messages: list[Message] = []
    with tempfile.TemporaryFile() as trace:

        def checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
            dbapi_connection.pgconn.trace(trace.fileno())
            dbapi_connection.pgconn.set_trace_flags(
                pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE
            )

        def checkin(dbapi_connection: Any, _record: Any) -> None:
            if dbapi_connection is not None:
                dbapi_connection.pgconn.untrace()  # flushes libpq's stream

        event.listen(engine, "checkout", checkout)
        event.listen(engine, "checkin", checkin)
        try:
            yield messages
        finally:
            event.remove(engine, "checkout", checkout)
            event.remove(engine, "checkin", checkin)
        trace.seek(0)
        messages.extend(parse_trace(trace.read().decode()))


@pytest.fixture
def store() -> Iterator[SqlAlchemyUnitOfWorkFactory]:
    with postgres_store(require_postgres_url()) as factory:
        yield factory


def a_show(app: Boxoffice) -> tuple[Actor, int]:
    app.sign_up(name="Owner", email="owner@example.com", password="password", role="owner")
    owner = app.authenticate(app.log_in(email="owner@example.com", password="password"))
    film = app.add_movie(owner, title="Metropolis", genre="drama", duration=153)
    show = app.add_show(
        owner, movie_id=film.id, timing=START + timedelta(days=1), available_seats=100
    )
    user = app.sign_up(name="Ada", email="ada@example.com", password="password")
    return Actor(user.id, Role.USER), show.id


def test_a_booking_holds_the_show_lock_for_at_most_three_round_trips(
    store: SqlAlchemyUnitOfWorkFactory, record_property: Callable[[str, object], None]
) -> None:
    app = Boxoffice.from_ports(
        uow=store, hasher=FakePasswordHasher(), tokens=FakeTokenService(), clock=FakeClock()
    )
    ada, show_id = a_show(app)
    with traced(store.engine) as messages:
        app.book_seats(ada, show_id=show_id, num_seats=2, idempotency_key="order-1")
    trips = round_trips(messages)
    locked = under_lock(trips)
    record_property("round_trips", len(trips))
    record_property("round_trips_under_lock", len(locked))
    print(f"a booking: {len(trips)} round trips, {len(locked)} under the show's lock")
    assert len(locked) <= 3, f"{len(locked)} round trips under the lock:\n{describe(locked)}"


_LOCK_SHOW = (
    select(shows.c.available_seats).where(shows.c.id == bindparam("show_id")).with_for_update()
)
_KEY = select(idempotency_keys.c.booking_id).where(
    idempotency_keys.c.user_id == bindparam("user_id"), idempotency_keys.c.key == bindparam("key")
)
_SAVE_SHOW = update(shows).where(shows.c.id == bindparam("show_id"))
_ADD_BOOKING = insert(bookings)
_ADD_KEY = insert(idempotency_keys)


def book_by_hand(
    uow: SqlAlchemyUnitOfWork, user_id: int, show_id: int, *, reserve: bool, key: str = "order-1"
) -> int:
    """A booking in its shortest order: the show's lock, the key's read, then its writes sent
    with the COMMIT."""
    sql = uow.statements
    if reserve:
        sql.reserve_ids(bookings)
    locked = sql.first(_LOCK_SHOW, {"show_id": show_id})
    assert locked is not None
    assert sql.first(_KEY, {"user_id": user_id, "key": key}) is None
    booking_id = sql.next_id(bookings)
    sql.write(_SAVE_SHOW, {"show_id": show_id, "available_seats": locked[0] - 2})
    sql.write(
        _ADD_BOOKING,
        {
            "id": booking_id,
            "user_id": user_id,
            "show_id": show_id,
            "num_seats": 2,
            "status": "active",
            "created_at": START,
        },
    )
    sql.write(
        _ADD_KEY,
        {
            "user_id": user_id,
            "key": key,
            "fingerprint": "book 2",
            "booking_id": booking_id,
            "created_at": START,
        },
    )
    uow.commit()
    return booking_id


def a_stored_show(factory: SqlAlchemyUnitOfWorkFactory, seats: int = 10) -> tuple[int, int]:
    with factory() as uow:
        owner, show = builders.stored_show(uow, seats=seats)
        uow.commit()
    return owner.id, show.id


def test_lock_read_key_read_and_writes_with_the_commit_take_three_round_trips(
    store: SqlAlchemyUnitOfWorkFactory,
) -> None:
    user_id, show_id = a_stored_show(store)
    with traced(store.engine) as messages, store() as uow:
        booking_id = book_by_hand(uow, user_id, show_id, reserve=True)
    locked = under_lock(round_trips(messages))
    assert len(locked) == 3, describe(locked)
    lock, key, commit = (statements(trip) for trip in locked)
    # The id is drawn in the lock's round trip, after the lock is taken.
    assert [LOCK in s for s in lock] == [True, False]
    assert "nextval" in lock[1]
    assert len(key) == 1
    assert [s.split()[0] for s in commit] == ["UPDATE", "INSERT", "INSERT", "COMMIT"]
    with store(read_only=True) as reader:
        stored = reader.bookings.get(booking_id)
        show = reader.shows.get(show_id)
    assert stored is not None
    assert stored.num_seats == 2
    assert show is not None
    assert show.available_seats == 8


def only_prepares(trip: RoundTrip) -> bool:
    """psycopg prepares a statement it runs outside a pipeline in a round trip of its own: a
    Parse and a Sync, once per connection and statement (on its sixth run)."""
    return [m.kind for m in trip if m.frontend] == ["Parse", "Sync"]


def test_three_again_once_psycopg_has_prepared_the_statements(
    store: SqlAlchemyUnitOfWorkFactory,
) -> None:
    user_id, show_id = a_stored_show(store, seats=100)
    # One pooled connection throughout, traced from the start: Binds name what Parses prepared.
    with traced(store.engine) as messages:
        for n in range(7):
            with store() as uow:
                book_by_hand(uow, user_id, show_id, reserve=True, key=f"order-{n}")
    windows = lock_windows(round_trips(messages))
    assert len(windows) == 7
    preparing = [trip for locked in windows for trip in locked if only_prepares(trip)]
    for locked in windows:
        assert len([trip for trip in locked if not only_prepares(trip)]) == 3, describe(locked)
    # Once, for the one statement that runs outside a pipeline here: the key's read.
    assert len(preparing) == 1
    assert "FROM idempotency_keys" in preparing[0][0].text
    assert len(windows[-1]) == 3
    assert any('"_pg3_' in m.text for m in messages if m.kind == "Bind")


def test_an_id_not_reserved_ahead_costs_a_round_trip_of_its_own(
    store: SqlAlchemyUnitOfWorkFactory,
) -> None:
    user_id, show_id = a_stored_show(store)
    with traced(store.engine) as messages, store() as uow:
        book_by_hand(uow, user_id, show_id, reserve=False)
    locked = under_lock(round_trips(messages))
    assert len(locked) == 4, describe(locked)
    assert ["nextval" in s for s in statements(locked[2])] == [True]


def test_a_unit_of_work_left_without_commit_sends_none_of_its_writes(
    store: SqlAlchemyUnitOfWorkFactory,
) -> None:
    _, show_id = a_stored_show(store)
    with traced(store.engine) as messages:
        with store() as uow:
            uow.statements.write(_SAVE_SHOW, {"show_id": show_id, "available_seats": 3})
        with store() as uow:
            uow.statements.write(_SAVE_SHOW, {"show_id": show_id, "available_seats": 4})
            uow.rollback()
            uow.commit()
    sent = [s for trip in round_trips(messages) for s in statements(trip)]
    assert not any(s.startswith("UPDATE") for s in sent), sent
    with store(read_only=True) as reader:
        show = reader.shows.get(show_id)
    assert show is not None
    assert show.available_seats == 10


def test_a_read_after_writes_sends_them_first_in_its_own_round_trip(
    store: SqlAlchemyUnitOfWorkFactory,
) -> None:
    _, show_id = a_stored_show(store)
    with traced(store.engine) as messages, store() as uow:
        uow.statements.write(_SAVE_SHOW, {"show_id": show_id, "available_seats": 7})
        uow.statements.write(_SAVE_SHOW, {"show_id": show_id, "held_seats": 1})
        row = uow.statements.first(_LOCK_SHOW, {"show_id": show_id})
    assert row == (7,)
    trips = [statements(trip) for trip in round_trips(messages)]
    # The pool's ROLLBACK comes at check-in.
    assert [[s.split()[0] for s in trip] for trip in trips] == [
        ["BEGIN"],
        ["UPDATE", "UPDATE", "SELECT"],
        ["ROLLBACK"],
    ]


TRACE = """\
F\t10\tQuery\t "BEGIN"
B\t10\tCommandComplete\t "BEGIN"
B\t5\tReadyForQuery\t T
F\t40\tParse\t "_pg3_0" "SELECT 1
FROM shows FOR UPDATE" 0
F\t14\tBind\t "" "_pg3_0" 0 0 1 0
F\t9\tExecute\t "" 0
F\t4\tSync
B\t4\tParseComplete
B\t11\tDataRow\t 1 1 '1'
B\t5\tReadyForQuery\t T
F\t14\tBind\t "" "_pg3_0" 0 0 1 0
F\t9\tExecute\t "" 0
F\t4\tFlush
B\t11\tDataRow\t 1 1 '1'
F\t20\tParse\t "" "UPDATE shows SET x = 1" 0
F\t14\tBind\t "" "" 0 0 1 0
F\t9\tExecute\t "" 0
B\tNN\tErrorResponse\t S "ERROR" C "23514" \\x00
F\t14\tParse\t "" "COMMIT" 0
F\t14\tBind\t "" "" 0 0 1 0
F\t9\tExecute\t "" 0
F\t4\tSync
F\t4\tFlush
B\t5\tReadyForQuery\t E
"""


def test_round_trips_are_the_waits_for_the_server() -> None:
    trips = round_trips(parse_trace(TRACE))
    # A bare Flush waits for its replies; an early error does not end what the client sends.
    assert [statements(trip) for trip in trips] == [
        ["BEGIN"],
        ["SELECT 1\nFROM shows FOR UPDATE"],
        ["SELECT 1\nFROM shows FOR UPDATE"],
        ["UPDATE shows SET x = 1", "COMMIT"],
    ]


def test_a_show_without_a_waiting_list_reads_and_writes_none(
    store: SqlAlchemyUnitOfWorkFactory,
) -> None:
    app = Boxoffice.from_ports(
        uow=store, hasher=FakePasswordHasher(), tokens=FakeTokenService(), clock=FakeClock()
    )
    ada, show_id = a_show(app)

    def sent(call: Callable[[], object]) -> list[str]:
        with traced(store.engine) as messages:
            call()
        return [m.runs or m.text for m in messages if m.frontend and (m.runs or m.text)]

    booked = sent(lambda: app.book_seats(ada, show_id=show_id, num_seats=2))
    booking = app.list_bookings(ada)[0]
    cancelled = sent(lambda: app.cancel_booking(ada, booking.id))
    for statements in (booked, cancelled):
        assert not [s for s in statements if "waitlist_entries" in s]
        assert not [s for s in statements if "UPDATE shows SET" in s and "waitlisted" in s]
    # The trace saw the booking's lock and writes: what is absent was not sent.
    assert [s for s in booked if LOCK in s and "shows.waitlisted" in s]
    assert [s for s in cancelled if "UPDATE shows SET" in s]
