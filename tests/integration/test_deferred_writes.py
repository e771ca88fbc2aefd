"""Writes deferred to the next statement sent (PostgreSQL) behave as writes run at once (SQLite):
the same errors, the same reads of a unit of work's own writes, nothing sent without a commit;
and ids handed out ahead by next_id never meet the ones the tables' defaults assign.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import attrs
import pytest
import sqlalchemy.exc
from sqlalchemy import bindparam, insert, select, update

from boxoffice.adapters.sqlalchemy import SqlAlchemyUnitOfWorkFactory, StorageError
from boxoffice.adapters.sqlalchemy.tables import idempotency_keys, movies, shows
from boxoffice.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from boxoffice.domain.errors import BoxofficeError, IdempotencyKeyInFlight
from boxoffice.domain.model import Booking, IdempotencyRecord, Show
from boxoffice.domain.queries import ShowQuery
from tests.contract import builders
from tests.databases import postgres_store, require_postgres_url
from tests.fakes import START

_ADD_KEY = insert(idempotency_keys)
_ADD_MOVIE = insert(movies)
_MOVIE_IDS = select(movies.c.id).order_by(movies.c.id)


_SAVE_SHOW = update(shows).where(shows.c.id == bindparam("show_id"))


def save_show(uow: SqlAlchemyUnitOfWork, show: Show) -> None:
    """The show's counts written as the inventory repository writes them."""
    uow.statements.write(
        _SAVE_SHOW,
        {
            "show_id": show.id,
            "available_seats": show.available_seats,
            "held_seats": show.held_seats,
        },
    )


def deferred(factory: SqlAlchemyUnitOfWorkFactory) -> bool:
    return factory.engine.dialect.name == "postgresql"


def a_booking(factory: SqlAlchemyUnitOfWorkFactory) -> tuple[Show, Booking]:
    with factory() as uow:
        owner, show = builders.stored_show(uow, seats=5)
        booking = attrs.evolve(builders.booking(owner.id, show.id), id=uow.bookings.next_id())
        uow.bookings.add(booking)
        uow.commit()
    return show, booking


def fails_where_sent(
    factory: SqlAlchemyUnitOfWorkFactory, write: Callable[[], None], send: Callable[[], object]
) -> pytest.ExceptionInfo[BoxofficeError]:
    """The error of a write: at the statement that sends it where writes are deferred, at the
    write itself where they are not."""
    if deferred(factory):
        write()
        with pytest.raises(BoxofficeError) as raised:
            send()
    else:
        with pytest.raises(BoxofficeError) as raised:
            write()
    return raised


def test_a_key_stored_twice_fails_as_in_flight_where_it_is_sent(
    factory: SqlAlchemyUnitOfWorkFactory,
) -> None:
    _, booking = a_booking(factory)
    key = {
        "user_id": booking.user_id,
        "key": "order-1",
        "fingerprint": "f",
        "booking_id": booking.id,
        "created_at": START,
    }
    with factory() as uow:
        uow.statements.write(_ADD_KEY, key)
        uow.commit()
    with factory() as uow:
        raised = fails_where_sent(factory, lambda: uow.statements.write(_ADD_KEY, key), uow.commit)
        assert raised.type is IdempotencyKeyInFlight
        # After a failed commit the unit of work goes on, in a new transaction.
        film = uow.movies.add(builders.movie("Afterwards"))
        uow.commit()
    with factory(read_only=True) as reader:
        assert reader.movies.get(film.id) == film
        assert reader.idempotency_keys.get(booking.user_id, "order-1") is not None


def test_a_row_the_schema_refuses_fails_where_it_is_sent(
    factory: SqlAlchemyUnitOfWorkFactory,
) -> None:
    show, _ = a_booking(factory)
    too_many = attrs.evolve(show, available_seats=show.capacity + 1)
    with factory() as uow:
        raised = fails_where_sent(factory, lambda: save_show(uow, too_many), uow.commit)
        assert "refused" in raised.value.message
        assert isinstance(raised.value.__cause__, sqlalchemy.exc.IntegrityError)
    with factory() as uow:
        raised = fails_where_sent(
            factory, lambda: save_show(uow, too_many), lambda: uow.shows.get(show.id)
        )
        assert "refused" in raised.value.message
    with factory(read_only=True) as reader:
        assert reader.shows.get(show.id) == show


def test_writes_left_without_commit_or_rolled_back_are_not_stored(
    factory: SqlAlchemyUnitOfWorkFactory,
) -> None:
    show, booking = a_booking(factory)
    with factory() as uow:
        save_show(uow, show.reserve(1))
    with factory() as uow:
        save_show(uow, show.reserve(2))
        uow.rollback()
        uow.bookings.save(booking.cancel(START))
        uow.commit()
    with factory(read_only=True) as reader:
        assert reader.shows.get(show.id) == show
        stored = reader.bookings.get(booking.id)
    assert stored is not None
    assert not stored.is_active


def test_a_write_after_the_block_is_refused(factory: SqlAlchemyUnitOfWorkFactory) -> None:
    show, _ = a_booking(factory)
    with factory() as uow:
        pass
    with pytest.raises(StorageError, match="closed"):
        save_show(uow, show.reserve(1))


def test_a_unit_of_work_reads_its_deferred_writes(factory: SqlAlchemyUnitOfWorkFactory) -> None:
    show, booking = a_booking(factory)
    record = IdempotencyRecord(booking.user_id, "order-1", "f", booking.id, START)
    with factory() as uow:
        save_show(uow, show.reserve(2))
        uow.idempotency_keys.put(record)
        uow.bookings.save(booking.cancel(START))
        assert uow.shows.get(show.id) == show.reserve(2)
        assert uow.idempotency_keys.get(booking.user_id, "order-1") == record
        assert uow.bookings.list_for_show(show.id, after=None, limit=10) == [booking.cancel(START)]
        uow.commit()
    with factory(read_only=True) as reader:
        assert reader.shows.get(show.id) == show.reserve(2)


def movie_row(movie_id: int) -> dict[str, object]:
    return {"id": movie_id, "title": f"Movie {movie_id}", "genre": "drama", "duration": 90}


def test_ids_from_next_id_never_meet_the_ones_the_default_assigns(
    factory: SqlAlchemyUnitOfWorkFactory,
) -> None:
    with factory() as uow:
        before = uow.movies.add(builders.movie("Default"))
        uow.statements.reserve_ids(movies, 2)
        first, second = uow.statements.next_id(movies), uow.statements.next_id(movies)
        assert before.id < first < second
        uow.statements.write(_ADD_MOVIE, movie_row(second))
        uow.statements.write(_ADD_MOVIE, movie_row(first))
        after = uow.movies.add(builders.movie("Default again"))
        third = uow.statements.next_id(movies)
        uow.statements.write(_ADD_MOVIE, movie_row(third))
        uow.commit()
    assert second < after.id < third
    with factory() as uow:
        later = uow.movies.add(builders.movie("In a later unit of work"))
        uow.commit()
    with factory(read_only=True) as reader:
        ids = [row[0] for row in reader.statements.all(_MOVIE_IDS, {})]
    assert ids == [before.id, first, second, after.id, third, later.id]


def test_an_id_handed_out_in_a_rolled_back_unit_of_work_is_not_handed_out_twice_in_it(
    factory: SqlAlchemyUnitOfWorkFactory,
) -> None:
    with factory() as uow:
        dropped = uow.statements.next_id(movies)
        uow.rollback()
        kept = uow.statements.next_id(movies)
        uow.statements.write(_ADD_MOVIE, movie_row(kept))
        uow.commit()
    assert kept != dropped
    with factory() as uow:
        assert uow.movies.add(builders.movie()).id > kept


@pytest.mark.postgres
def test_a_twin_storing_the_same_key_meanwhile_fails_its_commit_as_in_flight() -> None:
    with postgres_store(require_postgres_url()) as factory:
        _, booking = a_booking(factory)
        record = IdempotencyRecord(booking.user_id, "order-1", "f", booking.id, START)
        outcome: list[BaseException | None] = []
        with factory() as first:
            first.idempotency_keys.put(record)
            first.shows.list(ShowQuery(), after=None, limit=1)  # sends the put
            twin = threading.Thread(target=lambda: outcome.append(commit_put(factory, record)))
            twin.start()
            wait_until_blocked(factory)
            first.commit()
        twin.join(timeout=30)
    assert len(outcome) == 1
    assert isinstance(outcome[0], IdempotencyKeyInFlight)


def commit_put(
    factory: SqlAlchemyUnitOfWorkFactory, record: IdempotencyRecord
) -> BaseException | None:
    try:
        with factory() as uow:
            uow.idempotency_keys.put(record)
            uow.commit()
    except IdempotencyKeyInFlight as error:
        return error
    return None


def wait_until_blocked(factory: SqlAlchemyUnitOfWorkFactory) -> None:
    """Until a session waits for a lock: the twin's INSERT, on the first one's key."""
    deadline = time.monotonic() + 30
    with factory.engine.connect() as observer:
        while time.monotonic() < deadline:
            waiting = observer.exec_driver_sql(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            ).scalar_one()
            observer.rollback()
            if waiting:
                return
            time.sleep(0.01)
    raise AssertionError("the twin never waited for the first one's key")
