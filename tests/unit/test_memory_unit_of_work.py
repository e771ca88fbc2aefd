from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from boxoffice.adapters.memory import InMemoryUnitOfWorkFactory
from boxoffice.domain.errors import EmailTaken, NotEnoughSeats
from boxoffice.domain.model import UNSAVED, Actor, Movie, Role, User
from boxoffice.domain.service import Boxoffice
from tests.unit.conftest import MakeActor, MakeShow

NOW = datetime(2030, 1, 1, tzinfo=UTC)


def a_user(email: str) -> User:
    return User(UNSAVED, "n", email, "h", Role.USER, NOW)


def test_leaving_without_commit_discards_every_write() -> None:
    uow = InMemoryUnitOfWorkFactory()
    with uow() as tx:
        tx.users.add(a_user("a@example.com"))
        tx.movies.add(Movie(UNSAVED, "t", "g", 90))
    with uow(read_only=True) as tx:
        assert tx.users.get_by_email("a@example.com") is None
        assert tx.movies.list(after=None, limit=10) == []
    with uow() as tx:  # the email is still free
        tx.users.add(a_user("A@example.com"))
        tx.commit()
    with uow() as tx, pytest.raises(EmailTaken):
        tx.users.add(a_user("a@EXAMPLE.com"))


def test_a_unit_of_work_reads_its_own_writes() -> None:
    uow = InMemoryUnitOfWorkFactory()
    with uow() as tx:
        stored = tx.movies.add(Movie(UNSAVED, "t", "g", 90))
        assert tx.movies.get(stored.id) == stored
        assert tx.movies.list(after=None, limit=10) == [stored]
        assert tx.movies.list(after=stored.id, limit=10) == []


def test_ids_are_never_reused_after_a_rollback() -> None:
    uow = InMemoryUnitOfWorkFactory()
    with uow() as tx:
        first = tx.movies.add(Movie(UNSAVED, "t", "g", 90))
    with uow() as tx:
        second = tx.movies.add(Movie(UNSAVED, "t", "g", 90))
        tx.commit()
    assert second.id > first.id


def test_fifty_threads_never_oversell_and_never_refuse_a_fitting_booking(
    app: Boxoffice, make_user: MakeActor, make_show: MakeShow
) -> None:
    capacity, threads = 100, 50
    show = make_show(seats=capacity)
    users = [make_user(f"u{i}@example.com") for i in range(threads)]
    start = threading.Barrier(threads)
    booked: list[int] = []
    refused: list[NotEnoughSeats] = []

    def book(index: int) -> None:
        start.wait()
        # 50 threads x 3 seats = 150 asked of 100: some must be refused, none wrongly.
        try:
            booked.append(app.book_seats(users[index], show_id=show.id, num_seats=3).num_seats)
        except NotEnoughSeats as error:
            refused.append(error)

    workers = [threading.Thread(target=book, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert sum(booked) == 99
    assert len(booked) + len(refused) == threads
    # Every refusal happened when fewer than 3 seats were truly left.
    assert all(error.available < 3 for error in refused)
    left = app.get_show(show.id).available_seats
    assert left == capacity - sum(booked) == 1
    active = sum(b.num_seats for u in users for b in app.list_bookings(u) if b.is_active)
    assert active + left == capacity


def test_concurrent_cancels_of_one_booking_return_the_seats_once(
    app: Boxoffice, user: Actor, make_show: MakeShow
) -> None:
    show = make_show(seats=10)
    booking = app.book_seats(user, show_id=show.id, num_seats=4)
    start = threading.Barrier(8)
    outcomes: list[str] = []

    def cancel() -> None:
        start.wait()
        try:
            app.cancel_booking(user, booking.id)
            outcomes.append("cancelled")
        except Exception as error:
            outcomes.append(type(error).__name__)

    workers = [threading.Thread(target=cancel) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(outcomes) == ["AlreadyCancelled"] * 7 + ["cancelled"]
    assert app.get_show(show.id).available_seats == 10


def test_bootstrap_wires_real_bcrypt_and_jwt_in_memory() -> None:
    import boxoffice

    app = boxoffice.bootstrap(bcrypt_rounds=4)
    app.sign_up(name="Ada", email="ada@example.com", password="correct horse", role="owner")
    token = app.log_in(email="ada@example.com", password="correct horse")
    assert token.count(".") == 2  # a JWT
    actor = app.authenticate(token)
    movie = app.add_movie(actor, title="Alien", genre="Sci-fi", duration=117)
    show = app.add_show(
        actor,
        movie_id=movie.id,
        timing=datetime.now(UTC) + timedelta(days=1),
        available_seats=120,
    )
    assert app.list_shows(movie_id=movie.id)[0] == show


def test_separate_bootstraps_share_nothing() -> None:
    import boxoffice

    first, second = boxoffice.bootstrap(bcrypt_rounds=4), boxoffice.bootstrap(bcrypt_rounds=4)
    first.sign_up(name="Ada", email="ada@example.com", password="correct horse")
    second.sign_up(name="Ada", email="ada@example.com", password="correct horse")
    token = first.log_in(email="ada@example.com", password="correct horse")
    # Each has its own random secret: a token of one is nothing to the other.
    from boxoffice.domain.errors import InvalidToken

    with pytest.raises(InvalidToken):
        second.authenticate(token)
