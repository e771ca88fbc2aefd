from __future__ import annotations

import attrs
import pytest

from boxoffice.domain.errors import (
    AlreadyCancelled,
    Forbidden,
    NotAnActor,
    NotEnoughSeats,
    NotFound,
    ShowStarted,
    ValidationError,
)
from boxoffice.domain.model import Actor, BookingStatus
from boxoffice.domain.rules import Limits
from boxoffice.domain.service import Boxoffice
from tests.fakes import FakeClock, FakePasswordHasher, FakeTokenService
from tests.unit.conftest import MakeActor, MakeShow


def test_a_user_books_seats_and_sees_the_booking(
    app: Boxoffice, user: Actor, make_show: MakeShow, clock: FakeClock
) -> None:
    show = make_show(seats=10)
    booking = app.book_seats(user, show_id=show.id, num_seats=3)
    assert (booking.user_id, booking.show_id, booking.num_seats) == (user.id, show.id, 3)
    assert booking.status is BookingStatus.ACTIVE
    assert booking.created_at == clock.now()
    assert app.get_show(show.id).available_seats == 7
    assert list(app.list_bookings(user)) == [booking]
    assert app.get_booking(user, booking.id) == booking


def test_an_owner_cannot_book(app: Boxoffice, owner: Actor, make_show: MakeShow) -> None:
    show = make_show()
    with pytest.raises(Forbidden):
        app.book_seats(owner, show_id=show.id, num_seats=1)
    with pytest.raises(Forbidden):
        app.list_bookings(owner)
    assert app.get_show(show.id).available_seats == show.capacity


@pytest.mark.parametrize("num_seats", [0, -1, 11, True, False, "2", 2.0, None])
def test_num_seats_is_a_positive_int_up_to_the_maximum(
    app: Boxoffice, user: Actor, make_show: MakeShow, num_seats: object
) -> None:
    show = make_show(seats=50)
    with pytest.raises(ValidationError) as error:
        app.book_seats(user, show_id=show.id, num_seats=num_seats)
    assert error.value.field == "num_seats"
    assert app.get_show(show.id).available_seats == 50


def test_the_per_booking_maximum_is_configurable(
    hasher: FakePasswordHasher, tokens: FakeTokenService, clock: FakeClock
) -> None:
    from boxoffice.adapters.memory import InMemoryUnitOfWorkFactory
    from tests.unit.conftest import PASSWORD

    app = Boxoffice.from_ports(
        uow=InMemoryUnitOfWorkFactory(),
        hasher=hasher,
        tokens=tokens,
        clock=clock,
        limits=Limits(max_seats_per_booking=2),
    )
    for email, role in (("o@example.com", "owner"), ("u@example.com", "user")):
        app.sign_up(name="x", email=email, password=PASSWORD, role=role)
    owner = app.authenticate(app.log_in(email="o@example.com", password=PASSWORD))
    user = app.authenticate(app.log_in(email="u@example.com", password=PASSWORD))
    movie = app.add_movie(owner, title="Alien", genre="Sci-fi", duration=117)
    show = app.add_show(
        owner, movie_id=movie.id, timing=clock.now().replace(year=2031), available_seats=9
    )
    assert app.book_seats(user, show_id=show.id, num_seats=2).num_seats == 2
    with pytest.raises(ValidationError):
        app.book_seats(user, show_id=show.id, num_seats=3)


def test_an_unknown_show_is_not_found(app: Boxoffice, user: Actor) -> None:
    with pytest.raises(NotFound):
        app.book_seats(user, show_id=404, num_seats=1)


def test_booking_fails_only_when_seats_are_truly_short(
    app: Boxoffice, user: Actor, make_show: MakeShow
) -> None:
    show = make_show(seats=5)
    app.book_seats(user, show_id=show.id, num_seats=3)
    with pytest.raises(NotEnoughSeats) as error:
        app.book_seats(user, show_id=show.id, num_seats=3)
    assert (error.value.requested, error.value.available) == (3, 2)
    # Exactly what is left still sells.
    app.book_seats(user, show_id=show.id, num_seats=2)
    assert app.get_show(show.id).available_seats == 0
    with pytest.raises(NotEnoughSeats):
        app.book_seats(user, show_id=show.id, num_seats=1)
    assert len(app.list_bookings(user)) == 2


def test_a_show_that_has_started_cannot_be_booked(
    app: Boxoffice, user: Actor, make_show: MakeShow, clock: FakeClock
) -> None:
    show = make_show(hours_ahead=1)
    clock.advance(hours=1)
    with pytest.raises(ShowStarted):
        app.book_seats(user, show_id=show.id, num_seats=1)
    assert app.get_show(show.id).available_seats == show.capacity


def test_cancelling_returns_the_seats_once(
    app: Boxoffice, user: Actor, make_show: MakeShow, clock: FakeClock
) -> None:
    show = make_show(seats=4)
    booking = app.book_seats(user, show_id=show.id, num_seats=4)
    clock.advance(minutes=5)
    cancelled = app.cancel_booking(user, booking.id)
    assert cancelled.status is BookingStatus.CANCELLED
    assert cancelled.cancelled_at == clock.now()
    assert app.get_show(show.id).available_seats == 4
    with pytest.raises(AlreadyCancelled):
        app.cancel_booking(user, booking.id)
    assert app.get_show(show.id).available_seats == 4
    assert app.get_booking(user, booking.id) == cancelled


def test_a_cancelled_seat_sells_again(app: Boxoffice, user: Actor, make_show: MakeShow) -> None:
    show = make_show(seats=2)
    first = app.book_seats(user, show_id=show.id, num_seats=2)
    app.cancel_booking(user, first.id)
    app.book_seats(user, show_id=show.id, num_seats=2)
    assert app.get_show(show.id).available_seats == 0


def test_a_started_show_cannot_be_cancelled(
    app: Boxoffice, user: Actor, make_show: MakeShow, clock: FakeClock
) -> None:
    show = make_show(seats=4, hours_ahead=2)
    booking = app.book_seats(user, show_id=show.id, num_seats=1)
    clock.advance(hours=3)
    with pytest.raises(ShowStarted):
        app.cancel_booking(user, booking.id)
    assert app.get_booking(user, booking.id).is_active
    assert app.get_show(show.id).available_seats == 3


def test_users_see_and_cancel_only_their_own_bookings(
    app: Boxoffice, user: Actor, make_user: MakeActor, make_show: MakeShow
) -> None:
    other = make_user("other@example.com")
    show = make_show(seats=10)
    mine = app.book_seats(user, show_id=show.id, num_seats=1)
    theirs = app.book_seats(other, show_id=show.id, num_seats=2)
    assert list(app.list_bookings(user)) == [mine]
    assert list(app.list_bookings(other)) == [theirs]
    # Someone else's booking looks exactly like one that does not exist.
    for booking_id in (theirs.id, 999):
        with pytest.raises(NotFound) as error:
            app.cancel_booking(user, booking_id)
        assert str(error.value) == f"booking {booking_id} not found"
        with pytest.raises(NotFound):
            app.get_booking(user, booking_id)
    assert app.get_booking(other, theirs.id).is_active
    assert app.get_show(show.id).available_seats == 7


def test_an_owner_cannot_cancel(
    app: Boxoffice, owner: Actor, user: Actor, make_show: MakeShow
) -> None:
    show = make_show()
    booking = app.book_seats(user, show_id=show.id, num_seats=1)
    with pytest.raises(Forbidden):
        app.cancel_booking(owner, booking.id)


@pytest.mark.parametrize("forged", ["user", 1, None, {"id": 1, "role": "user"}])
def test_a_forged_actor_is_refused(
    app: Boxoffice, user: Actor, make_show: MakeShow, forged: object
) -> None:
    show = make_show()
    # A programming error of the caller, not a request the role forbids: NotAnActor, which is
    # a ValidationError naming the argument and a TypeError.
    with pytest.raises(NotAnActor) as error:
        app.book_seats(forged, show_id=show.id, num_seats=1)  # type: ignore[arg-type]
    assert isinstance(error.value, ValidationError)
    assert isinstance(error.value, TypeError)
    assert not isinstance(error.value, Forbidden)
    assert error.value.field == "actor"
    with pytest.raises(NotAnActor):
        app.list_bookings(forged)  # type: ignore[arg-type]
    assert app.get_show(show.id).available_seats == show.capacity
    assert list(app.list_bookings(user)) == []


def test_bookings_page_by_keyset(app: Boxoffice, user: Actor, make_show: MakeShow) -> None:
    show = make_show(seats=100)
    bookings = [app.book_seats(user, show_id=show.id, num_seats=1) for _ in range(5)]
    first = app.list_bookings(user, limit=2)
    assert list(first) == bookings[:2]
    rest = app.list_bookings(user, after=first.next_after)
    assert list(rest) == bookings[2:]
    assert rest.next_after is None


def test_entities_are_values(app: Boxoffice, user: Actor, make_show: MakeShow) -> None:
    show = make_show(seats=3)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        show.available_seats = 100  # type: ignore[misc]


def test_an_owner_lists_every_booking_of_their_show(
    app: Boxoffice, owner: Actor, user: Actor, make_user: MakeActor, make_show: MakeShow
) -> None:
    other = make_user("other@example.com")
    show, elsewhere = make_show(seats=10), make_show(seats=10)
    first = app.book_seats(user, show_id=show.id, num_seats=2)
    app.book_seats(user, show_id=elsewhere.id, num_seats=1)
    second = app.book_seats(other, show_id=show.id, num_seats=3)
    cancelled = app.cancel_booking(user, first.id)
    page = app.list_show_bookings(owner, show.id, limit=1)
    assert list(page) == [cancelled]
    assert list(app.list_show_bookings(owner, show.id, after=page.next_after)) == [second]


def test_only_the_owner_of_a_show_sees_its_bookings(
    app: Boxoffice, user: Actor, make_user: MakeActor, make_show: MakeShow
) -> None:
    show = make_show()
    app.book_seats(user, show_id=show.id, num_seats=1)
    rival = make_user("rival@example.com", "owner")
    # Another owner's show looks exactly like one that does not exist.
    for show_id in (show.id, 999):
        with pytest.raises(NotFound) as error:
            app.list_show_bookings(rival, show_id)
        assert str(error.value) == f"show {show_id} not found"
    with pytest.raises(Forbidden):
        app.list_show_bookings(user, show.id)
