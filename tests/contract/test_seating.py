"""Seat maps, chosen seats and holds: the same behaviour over every adapter, time driven by the
fake clock.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from boxoffice.domain.errors import (
    AlreadyHolding,
    Forbidden,
    HoldNotActive,
    IdempotencyKeyReused,
    NotEnoughSeats,
    NotFound,
    SeatsUnavailable,
    ShowStarted,
    ValidationError,
)
from boxoffice.domain.model import Actor, BookingStatus, HoldStatus, Role, Show
from boxoffice.domain.ports import UnitOfWorkFactory
from boxoffice.domain.rules import Limits
from boxoffice.domain.seating import SeatMap, SeatState
from boxoffice.domain.service import Boxoffice
from tests.contract.builders import seat_map
from tests.contract.test_concurrency import race
from tests.fakes import START, FakeClock, FakePasswordHasher, FakeTokenService

HALL = seat_map([("A", 6), ("B", 8), ("C", 6)], blocked=["A1", "A6"])
TTL = timedelta(seconds=600)


@pytest.fixture
def owner(app: Boxoffice) -> Actor:
    app.sign_up(name="Owner", email="owner@example.com", password="password", role="owner")
    return app.authenticate(app.log_in(email="owner@example.com", password="password"))


def make_user(app: Boxoffice, name: str) -> Actor:
    user = app.sign_up(name=name, email=f"{name}@example.com", password="password")
    return Actor(user.id, Role.USER)


@pytest.fixture
def ada(app: Boxoffice) -> Actor:
    return make_user(app, "ada")


@pytest.fixture
def bob(app: Boxoffice) -> Actor:
    return make_user(app, "bob")


def add_show(app: Boxoffice, owner: Actor, **seating: Any) -> Show:
    film = app.add_movie(owner, title="Metropolis", genre="drama", duration=153)
    return app.add_show(owner, movie_id=film.id, timing=START + timedelta(days=1), **seating)


@pytest.fixture
def seated(app: Boxoffice, owner: Actor) -> Show:
    return add_show(app, owner, seat_map=HALL)


def states(app: Boxoffice, show: Show) -> dict[str, SeatState]:
    return dict(app.get_seats(show.id).chart.states())


def test_a_seated_show_sells_its_unblocked_seats(app: Boxoffice, seated: Show) -> None:
    assert (seated.capacity, seated.available_seats) == (18, 18)
    assert app.get_show(seated.id).seat_map == seated.seat_map
    seats = states(app, seated)
    assert len(seats) == 20
    assert seats["A1"] is SeatState.BLOCKED
    assert sum(state is SeatState.FREE for state in seats.values()) == 18


def test_available_seats_must_agree_with_the_map(app: Boxoffice, owner: Actor) -> None:
    with pytest.raises(ValidationError) as error:
        add_show(app, owner, seat_map=HALL, available_seats=20)
    assert error.value.field == "available_seats"
    assert add_show(app, owner, seat_map=HALL, available_seats=18).capacity == 18


def test_a_seat_map_must_be_a_seat_map(app: Boxoffice, owner: Actor) -> None:
    as_json = {
        "rows": [
            {"label": "A", "seats": 6},
            {"label": "B", "seats": 8},
            {"label": "C", "seats": 6},
        ],
        "blocked": ["A1", "A6"],
    }
    # JSON-like maps are read at the edge that received them, never by add_show.
    with pytest.raises(ValidationError) as error:
        add_show(app, owner, seat_map=as_json)
    assert error.value.field == "seat_map"
    assert list(app.list_shows()) == []
    built = SeatMap.build([("A", 6), ("B", 8), ("C", 6)], blocked=["A1", "A6"])
    assert add_show(app, owner, seat_map=built).seat_map == HALL


def test_a_seat_map_over_the_show_capacity_limit_is_refused(
    uow_factory: UnitOfWorkFactory,
    hasher: FakePasswordHasher,
    tokens: FakeTokenService,
    clock: FakeClock,
) -> None:
    app = Boxoffice.from_ports(
        uow=uow_factory,
        hasher=hasher,
        tokens=tokens,
        clock=clock,
        limits=Limits(max_show_capacity=10),
    )
    app.sign_up(name="Owner", email="owner@example.com", password="password", role="owner")
    owner = app.actor_for(email="owner@example.com", password="password")
    with pytest.raises(ValidationError) as error:
        add_show(app, owner, seat_map=seat_map([("A", 6), ("B", 6)], blocked=["A1"]))
    assert error.value.field == "seat_map"
    # Blocked seats are not sold, so they do not count.
    plan = seat_map([("A", 6), ("B", 6)], blocked=["A1", "A6"])
    assert add_show(app, owner, seat_map=plan).capacity == 10


def test_show_seats_read_as_plain_data(
    app: Boxoffice, seated: Show, ada: Actor, bob: Actor
) -> None:
    app.book_seats(ada, show_id=seated.id, seats=["B4", "B5"])
    app.hold_seats(bob, show_id=seated.id, seats=["C1"])
    seats = app.get_seats(seated.id)
    assert seats.show == app.get_show(seated.id)
    assert list(seats.seats) == list(HALL.labels)
    assert dict(seats.seats) == states(app, seated)
    assert (seats.seats["A1"], seats.seats["A2"], seats.seats["A6"]) == (
        SeatState.BLOCKED,
        SeatState.FREE,
        SeatState.BLOCKED,
    )
    assert (seats.seats["B4"], seats.seats["B5"], seats.seats["C1"]) == (
        SeatState.BOOKED,
        SeatState.BOOKED,
        SeatState.HELD,
    )
    assert [label for label, _ in seats.rows] == ["A", "B", "C"]
    row_a, row_b, row_c = (dict(row) for _, row in seats.rows)
    assert list(row_a) == ["A1", "A2", "A3", "A4", "A5", "A6"]
    assert list(row_b) == [f"B{n}" for n in range(1, 9)]
    assert (row_b["B4"], row_c["C1"], row_c["C2"]) == (
        SeatState.BOOKED,
        SeatState.HELD,
        SeatState.FREE,
    )
    free = seats.free()
    assert len(free) == 15 == seats.show.available_seats
    assert free[:4] == ["A2", "A3", "A4", "A5"]
    assert not {"A1", "A6", "B4", "B5", "C1"} & set(free)
    assert free == [name for name, state in seats.seats.items() if state is SeatState.FREE]


def test_booking_named_seats_takes_exactly_those(app: Boxoffice, seated: Show, ada: Actor) -> None:
    booking = app.book_seats(ada, show_id=seated.id, seats=["b5", "B4"])
    assert booking.seats == ("B4", "B5")
    assert booking.num_seats == 2
    assert app.get_booking(ada, booking.id).seats == ("B4", "B5")
    seats = states(app, seated)
    assert (seats["B4"], seats["B5"], seats["B3"]) == (SeatState.BOOKED,) * 2 + (SeatState.FREE,)
    assert app.get_show(seated.id).available_seats == 16


def test_a_taken_seat_fails_the_whole_booking_and_names_it(
    app: Boxoffice, seated: Show, ada: Actor, bob: Actor
) -> None:
    app.book_seats(ada, show_id=seated.id, seats=["B4"])
    with pytest.raises(SeatsUnavailable) as error:
        app.book_seats(bob, show_id=seated.id, seats=["B3", "B4", "A1"])
    assert error.value.seats == ["B4", "A1"]
    assert states(app, seated)["B3"] is SeatState.FREE
    assert app.get_show(seated.id).available_seats == 17
    assert list(app.list_bookings(bob)) == []


@pytest.mark.parametrize(
    ("seats", "num_seats", "field"),
    [
        (["Z1"], None, "seats"),
        (["B4", "B4"], None, "seats"),
        (["B4"], 2, "num_seats"),
        ([], None, "seats"),
        ("B4", None, "seats"),
        (None, None, "num_seats"),
        ([f"B{n}" for n in range(1, 9)] + ["C1", "C2", "C3"], None, "seats"),
    ],
)
def test_bad_seat_requests_change_nothing(
    app: Boxoffice, seated: Show, ada: Actor, seats: Any, num_seats: Any, field: str
) -> None:
    with pytest.raises(ValidationError) as error:
        app.book_seats(ada, show_id=seated.id, seats=seats, num_seats=num_seats)
    assert error.value.field == field
    assert app.get_show(seated.id).available_seats == 18


def test_num_seats_on_a_seated_show_gets_the_best_seats_together(
    app: Boxoffice, seated: Show, ada: Actor
) -> None:
    booking = app.book_seats(ada, show_id=seated.id, num_seats=2)
    # Row B is the middle row; B4-B5 are the middle of its 8 seats.
    assert booking.seats == ("B4", "B5")


def test_named_seats_on_a_general_admission_show_are_refused(
    app: Boxoffice, owner: Actor, ada: Actor
) -> None:
    show = add_show(app, owner, available_seats=10)
    with pytest.raises(ValidationError):
        app.book_seats(ada, show_id=show.id, seats=["A1"])
    with pytest.raises(NotFound):
        app.get_seats(show.id)
    assert app.book_seats(ada, show_id=show.id, num_seats=2).seats == ()


def test_a_full_seated_show_is_not_enough_seats(app: Boxoffice, owner: Actor, ada: Actor) -> None:
    show = add_show(app, owner, seat_map=seat_map([("A", 3)]))
    pair = app.book_seats(ada, show_id=show.id, num_seats=2).seats
    with pytest.raises(NotEnoughSeats):
        app.book_seats(ada, show_id=show.id, num_seats=2)
    last = app.book_seats(ada, show_id=show.id, num_seats=1).seats
    assert sorted(pair + last) == ["A1", "A2", "A3"]


def test_cancelling_frees_the_booked_seats(app: Boxoffice, seated: Show, ada: Actor) -> None:
    booking = app.book_seats(ada, show_id=seated.id, seats=["C2", "C3"])
    cancelled = app.cancel_booking(ada, booking.id)
    assert cancelled.seats == ("C2", "C3")
    assert cancelled.status is BookingStatus.CANCELLED
    assert states(app, seated)["C2"] is SeatState.FREE
    assert app.get_show(seated.id).available_seats == 18
    assert app.book_seats(ada, show_id=seated.id, seats=["C2"]).seats == ("C2",)


def test_a_hold_keeps_seats_from_others_until_confirmed(
    app: Boxoffice, seated: Show, ada: Actor, bob: Actor, clock: FakeClock
) -> None:
    hold = app.hold_seats(ada, show_id=seated.id, seats=["B4", "B5"])
    assert (hold.seats, hold.status, hold.expires_at) == (
        ("B4", "B5"),
        HoldStatus.ACTIVE,
        clock.now() + TTL,
    )
    assert states(app, seated)["B4"] is SeatState.HELD
    assert app.get_show(seated.id).available_seats == 16
    with pytest.raises(SeatsUnavailable):
        app.book_seats(bob, show_id=seated.id, seats=["B5", "B6"])

    booking = app.confirm_hold(ada, hold.id, client="203.0.113.9")
    assert (booking.seats, booking.num_seats, booking.user_id) == (("B4", "B5"), 2, ada.id)
    last = list(app.list_audit_events())[-1]
    assert (last.action, last.actor_id, last.target, last.client) == (
        "booked",
        ada.id,
        f"booking:{booking.id}",
        "203.0.113.9",
    )
    assert states(app, seated)["B4"] is SeatState.BOOKED
    assert app.get_show(seated.id).available_seats == 16
    confirmed = app.get_hold(ada, hold.id)
    assert (confirmed.status, confirmed.booking_id) == (HoldStatus.CONFIRMED, booking.id)
    with pytest.raises(HoldNotActive):
        app.confirm_hold(ada, hold.id)


def test_a_released_hold_frees_its_seats(app: Boxoffice, seated: Show, ada: Actor) -> None:
    hold = app.hold_seats(ada, show_id=seated.id, num_seats=3)
    assert len(hold.seats) == 3
    released = app.release_hold(ada, hold.id)
    assert released.status is HoldStatus.RELEASED
    assert app.get_show(seated.id).available_seats == 18
    assert all(states(app, seated)[seat] is SeatState.FREE for seat in hold.seats)
    with pytest.raises(HoldNotActive):
        app.release_hold(ada, hold.id)
    with pytest.raises(HoldNotActive):
        app.confirm_hold(ada, hold.id)


def test_an_expired_hold_never_blocks_a_booking(
    app: Boxoffice, seated: Show, ada: Actor, bob: Actor, clock: FakeClock
) -> None:
    hold = app.hold_seats(ada, show_id=seated.id, seats=["B4", "B5"])
    clock.advance(seconds=TTL.total_seconds() - 1)
    assert app.get_show(seated.id).available_seats == 16
    clock.advance(seconds=1)
    # Readers see the seats free at once, before any write sweeps the hold.
    assert app.get_show(seated.id).available_seats == 18
    assert next(iter(app.list_shows())).available_seats == 18
    assert states(app, seated)["B4"] is SeatState.FREE
    assert app.get_hold(ada, hold.id).status is HoldStatus.EXPIRED

    booking = app.book_seats(bob, show_id=seated.id, seats=["B4"])
    assert booking.seats == ("B4",)
    assert app.get_show(seated.id).available_seats == 17
    with pytest.raises(HoldNotActive) as error:
        app.confirm_hold(ada, hold.id)
    assert error.value.status == "expired"
    assert app.get_hold(ada, hold.id).status is HoldStatus.EXPIRED
    assert app.get_show(seated.id).available_seats == 17


def test_confirming_after_expiry_fails_cleanly_even_with_no_sweep_before(
    app: Boxoffice, seated: Show, ada: Actor, clock: FakeClock
) -> None:
    hold = app.hold_seats(ada, show_id=seated.id, seats=["C1"])
    clock.advance(seconds=TTL.total_seconds())
    with pytest.raises(HoldNotActive):
        app.confirm_hold(ada, hold.id)
    assert list(app.list_bookings(ada)) == []
    assert app.get_show(seated.id).available_seats == 18


def test_one_live_hold_per_user_and_show(
    app: Boxoffice, seated: Show, ada: Actor, clock: FakeClock
) -> None:
    first = app.hold_seats(ada, show_id=seated.id, num_seats=1)
    with pytest.raises(AlreadyHolding) as error:
        app.hold_seats(ada, show_id=seated.id, num_seats=1)
    assert error.value.hold_id == first.id
    clock.advance(seconds=TTL.total_seconds())
    second = app.hold_seats(ada, show_id=seated.id, num_seats=1)
    assert app.get_hold(ada, first.id).status is HoldStatus.EXPIRED
    app.release_hold(ada, second.id)
    app.hold_seats(ada, show_id=seated.id, num_seats=1)


def test_general_admission_holds_count_seats(
    app: Boxoffice, owner: Actor, ada: Actor, clock: FakeClock
) -> None:
    show = add_show(app, owner, available_seats=5)
    hold = app.hold_seats(ada, show_id=show.id, num_seats=3)
    assert (hold.seats, hold.num_seats) == ((), 3)
    assert app.get_show(show.id).available_seats == 2
    with pytest.raises(NotEnoughSeats):
        app.book_seats(ada, show_id=show.id, num_seats=3)
    booking = app.confirm_hold(ada, hold.id)
    assert (booking.num_seats, booking.seats) == (3, ())
    assert app.get_show(show.id).available_seats == 2
    other = app.hold_seats(ada, show_id=show.id, num_seats=2)
    clock.advance(seconds=TTL.total_seconds())
    assert app.get_show(show.id).available_seats == 2
    assert app.get_hold(ada, other.id).status is HoldStatus.EXPIRED


def test_holds_are_for_users_and_private(
    app: Boxoffice, seated: Show, owner: Actor, ada: Actor, bob: Actor
) -> None:
    with pytest.raises(Forbidden):
        app.hold_seats(owner, show_id=seated.id, num_seats=1)
    hold = app.hold_seats(ada, show_id=seated.id, num_seats=1)
    for act in (app.get_hold, app.release_hold, app.confirm_hold):
        with pytest.raises(NotFound):
            act(bob, hold.id)
    with pytest.raises(Forbidden):
        app.get_hold(owner, hold.id)
    assert app.get_hold(ada, hold.id).status is HoldStatus.ACTIVE


def test_a_started_show_cannot_be_held_or_confirmed(
    app: Boxoffice, seated: Show, ada: Actor, clock: FakeClock
) -> None:
    hold = app.hold_seats(ada, show_id=seated.id, num_seats=1)
    clock.advance(days=2)
    with pytest.raises(ShowStarted):
        app.hold_seats(ada, show_id=seated.id, num_seats=1)
    with pytest.raises(ShowStarted):
        app.confirm_hold(ada, hold.id)


def test_once_the_show_has_begun_confirming_is_refused_as_started_whatever_the_hold(
    app: Boxoffice, seated: Show, ada: Actor, bob: Actor, clock: FakeClock
) -> None:
    confirmed = app.hold_seats(ada, show_id=seated.id, num_seats=1)
    app.confirm_hold(ada, confirmed.id)
    released = app.hold_seats(bob, show_id=seated.id, num_seats=1)
    app.release_hold(bob, released.id)
    clock.advance(days=2)
    # The show's state decides before the hold's, as when booking directly.
    with pytest.raises(ShowStarted):
        app.confirm_hold(ada, confirmed.id)
    with pytest.raises(ShowStarted):
        app.confirm_hold(bob, released.id)


def test_confirm_honours_idempotency_keys(app: Boxoffice, seated: Show, ada: Actor) -> None:
    hold = app.hold_seats(ada, show_id=seated.id, num_seats=2)
    booking = app.confirm_hold(ada, hold.id, idempotency_key="pay-1")
    assert app.confirm_hold(ada, hold.id, idempotency_key="pay-1") == booking
    assert len(app.list_bookings(ada)) == 1
    other = app.hold_seats(ada, show_id=seated.id, num_seats=1)
    with pytest.raises(IdempotencyKeyReused):
        app.confirm_hold(ada, other.id, idempotency_key="pay-1")


def test_retrying_a_seat_booking_with_its_key_books_once(
    app: Boxoffice, seated: Show, ada: Actor
) -> None:
    first = app.book_seats(ada, show_id=seated.id, seats=["C4"], idempotency_key="k")
    assert app.book_seats(ada, show_id=seated.id, seats=["C4"], idempotency_key="k") == first
    with pytest.raises(IdempotencyKeyReused):
        app.book_seats(ada, show_id=seated.id, seats=["C5"], idempotency_key="k")


def test_racing_for_the_same_two_seats_one_wins(app: Boxoffice, seated: Show) -> None:
    racers = [make_user(app, f"racer{n}") for n in range(12)]
    outcomes = race(
        [lambda r=r: app.book_seats(r, show_id=seated.id, seats=["B4", "B5"]) for r in racers]
    )
    assert outcomes == {"ok": 1, SeatsUnavailable.__name__: 11}
    assert app.get_show(seated.id).available_seats == 16


def test_racing_holds_and_bookings_never_share_a_seat(app: Boxoffice, seated: Show) -> None:
    racers = [make_user(app, f"racer{n}") for n in range(12)]
    calls = [
        (lambda r=r: app.hold_seats(r, show_id=seated.id, num_seats=3))
        if n % 2
        else (lambda r=r: app.book_seats(r, show_id=seated.id, num_seats=3))
        for n, r in enumerate(racers)
    ]
    outcomes = race(calls)
    assert outcomes["ok"] == 6
    seats = states(app, seated)
    taken = [s for s, state in seats.items() if state in (SeatState.HELD, SeatState.BOOKED)]
    assert len(taken) == 18
    assert app.get_show(seated.id).available_seats == 0
