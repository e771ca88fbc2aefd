"""The unit of work: one transaction, committed only on request, isolated until then."""

from __future__ import annotations

import pytest

from boxoffice.domain.inventory import SeatRequest
from boxoffice.domain.ports import UnitOfWorkFactory
from boxoffice.domain.queries import ShowQuery
from tests.contract import builders
from tests.fakes import START


def test_committed_writes_are_seen_by_later_units_of_work(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        film = uow.movies.add(builders.movie())
        uow.commit()
    with uow_factory(read_only=True) as uow:
        assert uow.movies.get(film.id) == film


def test_leaving_without_commit_discards_the_writes(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        film = uow.movies.add(builders.movie())
    with uow_factory() as uow:
        assert uow.movies.get(film.id) is None
        assert uow.movies.list(after=None, limit=10) == []


def test_a_unit_of_work_entered_again_is_a_new_transaction(
    uow_factory: UnitOfWorkFactory,
) -> None:
    uow = uow_factory()
    with uow:
        uow.movies.add(builders.movie("Left without commit"))
    with uow:
        uow.movies.add(builders.movie("Again without commit"))
    with uow:
        kept = uow.movies.add(builders.movie("Committed"))
        uow.commit()
    with uow_factory(read_only=True) as reader:
        assert reader.movies.list(after=None, limit=10) == [kept]


def test_an_exception_in_the_block_rolls_back_and_propagates(
    uow_factory: UnitOfWorkFactory,
) -> None:
    class Boom(Exception):
        pass

    def add_then_fail() -> None:
        with uow_factory() as uow:
            uow.movies.add(builders.movie())
            raise Boom

    with pytest.raises(Boom):
        add_then_fail()
    with uow_factory() as uow:
        assert uow.movies.list(after=None, limit=10) == []


def test_rollback_discards_only_what_came_after_the_last_commit(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        kept = uow.movies.add(builders.movie("Kept"))
        uow.commit()
        dropped = uow.movies.add(builders.movie("Dropped"))
        uow.rollback()
        after = uow.movies.add(builders.movie("After"))
        uow.commit()
    with uow_factory() as uow:
        assert uow.movies.get(kept.id) == kept
        assert uow.movies.get(after.id) == after
        assert [m.title for m in uow.movies.list(after=None, limit=10)] == ["Kept", "After"]
    assert dropped.title == "Dropped"


def test_a_unit_of_work_reads_its_own_writes(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        _, show = builders.stored_show(uow, seats=5)
        ada = uow.users.add(builders.user())
        booking_id = uow.bookings.next_id()
        inventory = uow.inventories.lock(show.id)
        assert inventory is not None
        booking = inventory.book(booking_id, ada.id, SeatRequest(2), START)
        uow.bookings.add(booking)
        uow.inventories.save(inventory)
        assert uow.shows.get(show.id) == show.reserve(2)
        assert uow.shows.list(ShowQuery(movie_id=show.movie_id), after=None, limit=10) == [
            show.reserve(2)
        ]
        again = uow.inventories.lock(show.id)
        assert again is not None
        assert again.show == show.reserve(2)
        assert uow.bookings.get(booking_id) == booking
        assert uow.bookings.list_for_user(ada.id, after=None, limit=10) == [booking]


def test_uncommitted_writes_are_invisible_to_other_units_of_work(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as writer:
        film = writer.movies.add(builders.movie())
        with uow_factory(read_only=True) as reader:
            assert reader.movies.get(film.id) is None
        writer.commit()
    with uow_factory(read_only=True) as reader:
        assert reader.movies.get(film.id) == film


def test_ids_are_assigned_in_increasing_order(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        first = uow.movies.add(builders.movie("First"))
        second = uow.movies.add(builders.movie("Second"))
        uow.commit()
    with uow_factory() as uow:
        third = uow.movies.add(builders.movie("Third"))
        uow.commit()
    assert 0 < first.id < second.id < third.id
