"""Every use case through Boxoffice, over each adapter: same answers, same errors."""

from __future__ import annotations

from datetime import timedelta

import attrs
import pytest

from boxoffice.domain.errors import (
    AlreadyCancelled,
    EmailTaken,
    InvalidCredentials,
    InvalidToken,
    NotEnoughSeats,
    NotFound,
    ShowStarted,
)
from boxoffice.domain.model import Actor, AuditAction, BookingStatus, Role, Show
from boxoffice.domain.service import Boxoffice
from tests.fakes import START, FakeClock

PASSWORD = "correct horse"


def sign_up(app: Boxoffice, email: str, role: str = "user") -> Actor:
    app.sign_up(name=email.split("@")[0], email=email, password=PASSWORD, role=role)
    return app.authenticate(app.log_in(email=email, password=PASSWORD))


@pytest.fixture
def owner(app: Boxoffice) -> Actor:
    return sign_up(app, "owner@example.com", "owner")


@pytest.fixture
def ada(app: Boxoffice) -> Actor:
    return sign_up(app, "ada@example.com")


@pytest.fixture
def show(app: Boxoffice, owner: Actor) -> Show:
    film = app.add_movie(owner, title="Metropolis", genre="drama", duration=153)
    return app.add_show(
        owner, movie_id=film.id, timing=START + timedelta(hours=2), available_seats=5
    )


def test_sign_up_log_in_and_authenticate(app: Boxoffice) -> None:
    user = app.sign_up(name="Ada", email="Ada@Example.com", password=PASSWORD)
    token = app.log_in(email="ada@example.com", password=PASSWORD)
    assert app.authenticate(token) == Actor(id=user.id, role=Role.USER)
    with pytest.raises(EmailTaken):
        app.sign_up(name="Other", email="ADA@example.com", password=PASSWORD)
    with pytest.raises(InvalidCredentials):
        app.log_in(email="ada@example.com", password="wrong password")
    with pytest.raises(InvalidCredentials):
        app.log_in(email="nobody@example.com", password=PASSWORD)
    with pytest.raises(InvalidToken):
        app.authenticate(f"token-for-{user.id}")
    # A well-formed token is read alone; the account it names is checked by each use case.
    ghost = app.authenticate(f"token-for-{user.id + 1000}-user")
    assert ghost == Actor(id=user.id + 1000, role=Role.USER)
    with pytest.raises(InvalidToken):
        app.list_bookings(ghost)


def test_actor_for_logs_in_without_a_token(app: Boxoffice, clock: FakeClock) -> None:
    owner = app.sign_up(name="O", email="owner@example.com", password=PASSWORD, role="owner")
    ada = app.sign_up(name="Ada", email="Ada@Example.com", password=PASSWORD)
    assert app.actor_for(email="ada@example.com", password=PASSWORD) == Actor(ada.id, Role.USER)
    acting_owner = app.actor_for(email="owner@example.com", password=PASSWORD, client="192.0.2.1")
    assert acting_owner == Actor(owner.id, Role.OWNER)
    # The actor works for the use cases of its stored role.
    assert app.add_movie(acting_owner, title="M", genre="g", duration=9).title == "M"
    with pytest.raises(InvalidCredentials):
        app.actor_for(email="ada@example.com", password="wrong password", client="192.0.2.2")
    with pytest.raises(InvalidCredentials):
        app.actor_for(email="nobody@example.com", password=PASSWORD)
    events = list(app.list_audit_events())
    # Audited like log_in: a success, then failures, with the client when given.
    assert [(e.action, e.actor_id, e.client) for e in events[-4:]] == [
        (AuditAction.LOGGED_IN, ada.id, None),
        (AuditAction.LOGGED_IN, owner.id, "192.0.2.1"),
        (AuditAction.LOGIN_FAILED, ada.id, "192.0.2.2"),
        (AuditAction.LOGIN_FAILED, None, None),
    ]
    assert events[-2].target == "email:ada@example.com"
    assert events[-1].target == "email:nobody@example.com"
    # The same failure through log_in is recorded the same way.
    with pytest.raises(InvalidCredentials):
        app.log_in(email="ada@example.com", password="wrong password", client="192.0.2.2")
    through_log_in = list(app.list_audit_events())[-1]
    assert through_log_in.id != events[-2].id
    assert attrs.evolve(through_log_in, id=events[-2].id) == events[-2]


def test_movies_are_added_read_and_paged(app: Boxoffice, owner: Actor) -> None:
    films = [app.add_movie(owner, title=f"Film {n}", genre="drama", duration=90) for n in range(3)]
    assert app.get_movie(films[1].id) == films[1]
    first = app.list_movies(limit=2)
    assert list(first) == films[:2]
    assert first.next_after == films[1].id
    last = app.list_movies(after=first.next_after, limit=2)
    assert list(last) == films[2:]
    assert last.next_after is None
    with pytest.raises(NotFound):
        app.get_movie(films[-1].id + 1000)


def test_shows_are_added_read_and_paged_by_movie(app: Boxoffice, owner: Actor) -> None:
    a = app.add_movie(owner, title="A", genre="drama", duration=90)
    b = app.add_movie(owner, title="B", genre="drama", duration=90)
    timing = START + timedelta(days=1)
    shows = [
        app.add_show(owner, movie_id=film.id, timing=timing, available_seats=50)
        for film in (a, b, a)
    ]
    assert app.get_show(shows[0].id) == shows[0]
    assert list(app.list_shows()) == shows
    assert list(app.list_shows(a.id)) == [shows[0], shows[2]]
    assert list(app.list_shows(a.id, after=shows[0].id)) == [shows[2]]
    with pytest.raises(NotFound):
        app.add_show(owner, movie_id=b.id + 1000, timing=timing, available_seats=5)
    with pytest.raises(NotFound):
        app.get_show(shows[-1].id + 1000)


def test_booking_takes_seats_until_they_run_out(app: Boxoffice, ada: Actor, show: Show) -> None:
    booking = app.book_seats(ada, show_id=show.id, num_seats=3)
    assert (booking.user_id, booking.show_id, booking.num_seats) == (ada.id, show.id, 3)
    assert booking.status is BookingStatus.ACTIVE
    assert app.get_show(show.id).available_seats == 2
    with pytest.raises(NotEnoughSeats) as refused:
        app.book_seats(ada, show_id=show.id, num_seats=3)
    assert (refused.value.requested, refused.value.available) == (3, 2)
    assert app.get_show(show.id).available_seats == 2
    with pytest.raises(NotFound):
        app.book_seats(ada, show_id=show.id + 1000, num_seats=1)


def test_a_started_show_can_no_longer_be_booked_or_cancelled(
    app: Boxoffice, ada: Actor, show: Show, clock: FakeClock
) -> None:
    booking = app.book_seats(ada, show_id=show.id, num_seats=2)
    clock.advance(hours=3)
    with pytest.raises(ShowStarted):
        app.book_seats(ada, show_id=show.id, num_seats=1)
    with pytest.raises(ShowStarted):
        app.cancel_booking(ada, booking.id)
    assert app.get_show(show.id).available_seats == 3
    assert app.get_booking(ada, booking.id).status is BookingStatus.ACTIVE


def test_cancelling_returns_the_seats_once(app: Boxoffice, ada: Actor, show: Show) -> None:
    booking = app.book_seats(ada, show_id=show.id, num_seats=4)
    cancelled = app.cancel_booking(ada, booking.id)
    assert cancelled.status is BookingStatus.CANCELLED
    assert cancelled.cancelled_at == START
    assert app.get_booking(ada, booking.id) == cancelled
    assert app.get_show(show.id).available_seats == 5
    with pytest.raises(AlreadyCancelled):
        app.cancel_booking(ada, booking.id)
    assert app.get_show(show.id).available_seats == 5


def test_bookings_are_private_to_their_user(app: Boxoffice, ada: Actor, show: Show) -> None:
    bob = sign_up(app, "bob@example.com")
    adas = [app.book_seats(ada, show_id=show.id, num_seats=1) for _ in range(3)]
    bobs = app.book_seats(bob, show_id=show.id, num_seats=1)
    with pytest.raises(NotFound):
        app.get_booking(ada, bobs.id)
    with pytest.raises(NotFound):
        app.cancel_booking(ada, bobs.id)
    first = app.list_bookings(ada, limit=2)
    assert list(first) == adas[:2]
    assert list(app.list_bookings(ada, after=first.next_after)) == adas[2:]
    assert list(app.list_bookings(bob)) == [bobs]
    assert app.get_show(show.id).available_seats == 1


def test_an_actor_nobody_signed_up_is_refused(app: Boxoffice, owner: Actor) -> None:
    # Only a library caller can build an Actor nobody authenticated; every use case checks the
    # account in its own transaction, and refuses it alike on every adapter.
    film = app.add_movie(owner, title="M", genre="g", duration=9)
    timing = START + timedelta(days=1)
    with pytest.raises(InvalidToken):
        app.add_show(
            Actor(owner.id + 99, Role.OWNER), movie_id=film.id, timing=timing, available_seats=5
        )
    show = app.add_show(owner, movie_id=film.id, timing=timing, available_seats=5)
    with pytest.raises(InvalidToken):
        app.book_seats(Actor(owner.id + 99, Role.USER), show_id=show.id, num_seats=1)
    assert app.get_show(show.id).available_seats == 5
    assert len(app.list_shows()) == 1


def test_an_owner_pages_through_the_bookings_of_their_show(
    app: Boxoffice, owner: Actor, ada: Actor, show: Show
) -> None:
    other_show = app.add_show(
        owner, movie_id=show.movie_id, timing=show.timing, available_seats=show.capacity
    )
    bookings = [app.book_seats(ada, show_id=show.id, num_seats=1) for _ in range(3)]
    app.book_seats(ada, show_id=other_show.id, num_seats=1)
    app.cancel_booking(ada, bookings[1].id)
    first = app.list_show_bookings(owner, show.id, limit=2)
    assert [b.id for b in first] == [b.id for b in bookings[:2]]
    assert not first[1].is_active
    rest = app.list_show_bookings(owner, show.id, after=first.next_after)
    assert [b.id for b in rest] == [bookings[2].id]
    assert rest.next_after is None
