"""Prices, tickets, refunds and reports through Boxoffice, over each adapter: a ticket is
priced once, when it is sold, by its type and zone; a cancellation gives back the total less
the cinema's fee; and every figure of a report adds up to the bookings behind it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from boxoffice.adapters.memory import InMemoryUnitOfWorkFactory
from boxoffice.domain.errors import (
    CancellationClosed,
    CheckInRefused,
    Forbidden,
    IdempotencyKeyReused,
    NotFound,
    ShowStarted,
    TicketTypeTaken,
    ValidationError,
)
from boxoffice.domain.model import (
    Actor,
    AuditAction,
    BookingStatus,
    CancelReason,
    Cinema,
    Movie,
    Price,
    Screen,
    Show,
    TicketStatus,
)
from boxoffice.domain.ports import UnitOfWorkFactory
from boxoffice.domain.rules import Limits
from boxoffice.domain.seating import STANDARD_ZONE, SeatMap
from boxoffice.domain.service import Boxoffice
from tests.databases import postgres_store, require_postgres_url, sqlite_store
from tests.fakes import START, FakeClock, FakePasswordHasher, FakeTokenService

PASSWORD = "correct horse"
RUNNING = 100
T = START + timedelta(days=1)
# Row A is the standard zone, row B premium.
LAYOUT = SeatMap.build([("A", 4), ("B", 4)], zones={"premium": ["B1-B4"]})
FEE = 150
CUT_OFF = 60
PRICES = [
    Price("adult", STANDARD_ZONE, 1200),
    Price("child", STANDARD_ZONE, 800),
    Price("adult", "premium", 1500),
    Price("child", "premium", 1000),
]
# A booking's key, 128 random bits as 22 URL-safe characters, a dot and the ticket's place.
CODE = re.compile(r"^([A-Za-z0-9_-]{22})\.([1-9][0-9]*)$")


def sign_up(app: Boxoffice, email: str, role: str = "user") -> Actor:
    app.sign_up(name=email.split("@")[0], email=email, password=PASSWORD, role=role)
    return app.authenticate(app.log_in(email=email, password=PASSWORD))


@pytest.fixture
def owner(app: Boxoffice) -> Actor:
    return sign_up(app, "owner@example.com", "owner")


@pytest.fixture
def rival(app: Boxoffice) -> Actor:
    return sign_up(app, "rival@example.com", "owner")


@pytest.fixture
def ada(app: Boxoffice) -> Actor:
    return sign_up(app, "ada@example.com")


@pytest.fixture
def bob(app: Boxoffice) -> Actor:
    return sign_up(app, "bob@example.com")


@pytest.fixture
def cinema(app: Boxoffice, owner: Actor) -> Cinema:
    made = app.add_cinema(
        owner,
        name="Babylon",
        time_zone="Europe/Berlin",
        currency="EUR",
        cancel_until_minutes=CUT_OFF,
        cancel_fee=FEE,
    )
    app.add_ticket_type(owner, made.id, code="adult", name="Adult")
    app.add_ticket_type(owner, made.id, code="child", name="Child")
    return made


@pytest.fixture
def screen(app: Boxoffice, owner: Actor, cinema: Cinema) -> Screen:
    return app.add_screen(owner, cinema.id, name="Saal 1", layout=LAYOUT)


@pytest.fixture
def film(app: Boxoffice, owner: Actor) -> Movie:
    return app.add_movie(owner, title="Metropolis", genre="drama", duration=RUNNING)


@pytest.fixture
def show(app: Boxoffice, owner: Actor, screen: Screen, film: Movie) -> Show:
    return app.add_show(owner, movie_id=film.id, timing=T, screen_id=screen.id, prices=PRICES)


def at(clock: FakeClock, when: timedelta) -> None:
    """Set the clock to T + when (negative: before the show)."""
    clock.current = T + when


def active_total_plus_fees_kept(app: Boxoffice, owner: Actor, show_id: int) -> int:
    """What the show's bookings say was kept: active totals, and the part of each cancelled
    booking's total its refund did not give back."""
    bookings = list(app.list_show_bookings(owner, show_id, limit=500))
    return sum(b.total if b.is_active else b.total - b.refund for b in bookings)


# --- currencies, ticket types and price lists --------------------------------------------


@pytest.mark.parametrize("currency", ["EURO", "eur", "ZZZ", "", 978, None])
def test_a_cinemas_currency_is_an_iso_4217_code(
    app: Boxoffice, owner: Actor, currency: object
) -> None:
    with pytest.raises(ValidationError) as refused:
        app.add_cinema(owner, name="Bad", time_zone="UTC", currency=currency)  # type: ignore[arg-type]
    assert refused.value.field == "currency"


def test_a_cinema_keeps_its_currency_and_its_shows_take_it(
    app: Boxoffice, cinema: Cinema, show: Show
) -> None:
    assert app.get_cinema(cinema.id).currency == "EUR"
    assert show.currency == app.get_show(show.id).currency == "EUR"
    assert set(app.get_show(show.id).prices) == set(PRICES)


def test_the_first_ticket_type_is_the_default_and_a_code_is_taken_once_per_cinema(
    app: Boxoffice, owner: Actor, rival: Actor, cinema: Cinema
) -> None:
    assert [t.code for t in app.list_ticket_types(cinema.id)] == ["adult", "child"]
    with pytest.raises(TicketTypeTaken):
        app.add_ticket_type(owner, cinema.id, code="child", name="Kid")
    assert [t.code for t in app.list_ticket_types(cinema.id)] == ["adult", "child"]
    # Codes belong to a cinema: another cinema may use the same one.
    other = app.add_cinema(rival, name="Odeon", time_zone="UTC", currency="GBP")
    assert app.add_ticket_type(rival, other.id, code="child", name="Kid").code == "child"
    # Another owner's cinema does not exist for adding types.
    with pytest.raises(NotFound):
        app.add_ticket_type(rival, cinema.id, code="senior", name="Senior")


@pytest.mark.parametrize(
    "prices",
    [
        pytest.param([Price("senior", STANDARD_ZONE, 500)], id="unknown type"),
        pytest.param([Price("adult", "balcony", 500)], id="unknown zone"),
        pytest.param(
            [Price("adult", "premium", 500), Price("adult", "premium", 600)], id="duplicate"
        ),
        pytest.param([Price("adult", STANDARD_ZONE, -1)], id="negative"),
        pytest.param([Price("adult", STANDARD_ZONE, 100_000_001)], id="over a million"),
        pytest.param([Price("adult", STANDARD_ZONE, True)], id="a bool"),
        pytest.param([Price("adult", STANDARD_ZONE, 12.5)], id="a float"),  # type: ignore[arg-type]
        pytest.param([("adult", STANDARD_ZONE, 500)], id="not a Price"),
        pytest.param("adult", id="not a list"),
    ],
)
def test_a_price_list_names_the_cinemas_types_the_screens_zones_once_each_at_no_less_than_0(
    app: Boxoffice, owner: Actor, screen: Screen, film: Movie, show: Show, prices: object
) -> None:
    with pytest.raises(ValidationError) as refused:
        app.add_show(
            owner,
            movie_id=film.id,
            timing=T + timedelta(days=1),
            screen_id=screen.id,
            prices=prices,  # type: ignore[arg-type]
        )
    # A bad amount is named by its own field; anything else by the list's.
    assert refused.value.field in {"prices", "amount"}
    with pytest.raises(ValidationError):
        app.update_show(owner, show.id, prices=prices)  # type: ignore[arg-type]
    # Nothing was scheduled, nothing repriced.
    assert [s.id for s in app.list_shows(screen_id=screen.id, status=None)] == [show.id]
    assert set(app.get_show(show.id).prices) == set(PRICES)


def test_only_a_show_on_a_screen_has_prices(app: Boxoffice, owner: Actor, film: Movie) -> None:
    with pytest.raises(ValidationError) as refused:
        app.add_show(
            owner,
            movie_id=film.id,
            timing=T,
            available_seats=10,
            prices=[Price("adult", STANDARD_ZONE, 100)],
        )
    assert refused.value.field == "prices"
    loose = app.add_show(owner, movie_id=film.id, timing=T, available_seats=10)
    with pytest.raises(ValidationError):
        app.update_show(owner, loose.id, prices=[Price("adult", STANDARD_ZONE, 100)])


# --- priced bookings ---------------------------------------------------------------------


def test_an_adult_and_a_child_in_two_zones_pay_their_own_prices(
    app: Boxoffice, ada: Actor, show: Show
) -> None:
    booking = app.book_seats(
        ada, show_id=show.id, seats=["A2", "B3"], ticket_types=["adult", "child"]
    )
    lines = [(t.seat, t.zone, t.ticket_type, t.amount) for t in booking.tickets]
    assert lines == [("A2", STANDARD_ZONE, "adult", 1200), ("B3", "premium", "child", 1000)]
    assert (booking.total, booking.currency, booking.refund) == (2200, "EUR", 0)
    assert all(t.status is TicketStatus.VALID and t.show_id == show.id for t in booking.tickets)
    assert all(t.booking_id == booking.id for t in booking.tickets)
    assert app.get_booking(ada, booking.id) == booking


def test_named_seats_in_another_order_than_the_maps_get_the_types_given_beside_them(
    app: Boxoffice, ada: Actor, show: Show
) -> None:
    booking = app.book_seats(
        ada, show_id=show.id, seats=["B3", "A4", "A1"], ticket_types=["child", "adult", "child"]
    )
    assert booking.seats == ("A1", "A4", "B3")
    by_seat = {t.seat: (t.ticket_type, t.amount) for t in booking.tickets}
    assert by_seat == {"B3": ("child", 1000), "A4": ("adult", 1200), "A1": ("child", 800)}
    assert booking.total == 3000


def test_seats_chosen_for_a_count_take_the_types_in_the_order_given_and_default_to_the_first(
    app: Boxoffice, ada: Actor, bob: Actor, show: Show
) -> None:
    chosen = app.book_seats(ada, show_id=show.id, num_seats=2, ticket_types=["child", "adult"])
    assert sorted(t.ticket_type for t in chosen.tickets) == ["adult", "child"]
    assert chosen.total == sum(
        next(p.amount for p in PRICES if (p.ticket_type, p.zone) == (t.ticket_type, t.zone))
        for t in chosen.tickets
    )
    plain = app.book_seats(bob, show_id=show.id, num_seats=2)
    assert [t.ticket_type for t in plain.tickets] == ["adult", "adult"]


def test_ticket_types_name_one_known_type_for_each_seat(
    app: Boxoffice, ada: Actor, show: Show
) -> None:
    for seats, num_seats, kinds in [
        (["A1", "A2"], None, ["adult"]),
        (None, 2, ["adult", "child", "child"]),
        (None, 1, "adult"),
        (None, 1, ["Adult!"]),
        (None, 1, ["senior"]),
    ]:
        with pytest.raises(ValidationError) as refused:
            app.book_seats(
                ada, show_id=show.id, seats=seats, num_seats=num_seats, ticket_types=kinds
            )
        assert refused.value.field == "ticket_types"
        with pytest.raises(ValidationError):
            app.hold_seats(
                ada, show_id=show.id, seats=seats, num_seats=num_seats, ticket_types=kinds
            )
    # Nothing was sold or held by the refusals.
    assert app.get_show(show.id).available_seats == LAYOUT.capacity


def test_a_type_without_a_price_for_a_seat_is_refused_naming_the_seat(
    app: Boxoffice, owner: Actor, ada: Actor, screen: Screen, film: Movie
) -> None:
    # Children are priced for row A only.
    priced = app.add_show(
        owner,
        movie_id=film.id,
        timing=T,
        screen_id=screen.id,
        prices=[
            Price("adult", STANDARD_ZONE, 1200),
            Price("adult", "premium", 1500),
            Price("child", STANDARD_ZONE, 800),
        ],
    )
    with pytest.raises(ValidationError) as refused:
        app.book_seats(ada, show_id=priced.id, seats=["A1", "B2"], ticket_types=["child", "child"])
    assert "B2" in refused.value.message
    assert "A1" not in refused.value.message
    # A hold is refused at once, not when it is confirmed.
    with pytest.raises(ValidationError) as held:
        app.hold_seats(ada, show_id=priced.id, seats=["B4"], ticket_types=["child"])
    assert "B4" in held.value.message
    assert app.get_show(priced.id).available_seats == LAYOUT.capacity
    ok = app.book_seats(ada, show_id=priced.id, seats=["A1", "B2"], ticket_types=["child", "adult"])
    assert ok.total == 800 + 1500


def test_a_show_without_prices_sells_at_0_in_its_cinemas_currency(
    app: Boxoffice, owner: Actor, ada: Actor, screen: Screen, film: Movie
) -> None:
    free = app.add_show(owner, movie_id=film.id, timing=T, screen_id=screen.id)
    booking = app.book_seats(
        ada, show_id=free.id, seats=["A1", "B1"], ticket_types=["adult", "child"]
    )
    assert [t.amount for t in booking.tickets] == [0, 0]
    assert (booking.total, booking.currency) == (0, "EUR")


def test_a_general_admission_hall_prices_its_places_in_the_standard_zone(
    app: Boxoffice, owner: Actor, ada: Actor, cinema: Cinema, film: Movie
) -> None:
    hall = app.add_screen(owner, cinema.id, name="Lawn", capacity=50)
    with pytest.raises(ValidationError):
        app.add_show(
            owner,
            movie_id=film.id,
            timing=T,
            screen_id=hall.id,
            prices=[Price("adult", "premium", 900)],
        )
    lawn = app.add_show(
        owner,
        movie_id=film.id,
        timing=T,
        screen_id=hall.id,
        prices=[Price("adult", STANDARD_ZONE, 900), Price("child", STANDARD_ZONE, 400)],
    )
    booking = app.book_seats(
        ada, show_id=lawn.id, num_seats=3, ticket_types=["child", "adult", "child"]
    )
    lines = [(t.seat, t.zone, t.ticket_type, t.amount) for t in booking.tickets]
    assert lines == [
        (None, STANDARD_ZONE, "child", 400),
        (None, STANDARD_ZONE, "adult", 900),
        (None, STANDARD_ZONE, "child", 400),
    ]
    assert booking.total == 1700


def test_a_hold_is_priced_when_it_is_confirmed(
    app: Boxoffice, owner: Actor, ada: Actor, show: Show
) -> None:
    hold = app.hold_seats(ada, show_id=show.id, seats=["B2", "A3"], ticket_types=["child", "adult"])
    assert hold.seats == ("A3", "B2")
    # The types are kept with the hold, beside its seats in map order.
    assert app.get_hold(ada, hold.id).ticket_types == hold.ticket_types == ("adult", "child")
    dearer = [Price(p.ticket_type, p.zone, p.amount + 100) for p in PRICES]
    app.update_show(owner, show.id, prices=dearer)
    booking = app.confirm_hold(ada, hold.id)
    by_seat = {t.seat: (t.ticket_type, t.amount) for t in booking.tickets}
    assert by_seat == {"B2": ("child", 1100), "A3": ("adult", 1300)}
    assert (booking.total, booking.currency) == (2400, "EUR")


def test_a_new_price_list_never_changes_a_booking_made_before_it(
    app: Boxoffice, owner: Actor, ada: Actor, bob: Actor, show: Show
) -> None:
    before = app.book_seats(
        ada, show_id=show.id, seats=["A1", "B1"], ticket_types=["adult", "child"]
    )
    report = app.show_report(owner, show.id)
    app.update_show(owner, show.id, prices=[Price(p.ticket_type, p.zone, 1) for p in PRICES])
    assert app.get_booking(ada, before.id) == before
    assert app.show_report(owner, show.id).gross == report.gross == 2200
    after = app.book_seats(bob, show_id=show.id, seats=["A2"])
    assert after.total == 1
    # A cancellation refunds what was paid, not what the seats cost now.
    assert app.cancel_booking(ada, before.id).refund == 2200 - 2 * FEE
    # Free from now on: a price list of nothing sells at 0.
    app.update_show(owner, show.id, prices=[])
    assert app.book_seats(bob, show_id=show.id, seats=["A3"]).total == 0
    assert app.get_booking(bob, after.id).total == 1


# --- cancellations and refunds -----------------------------------------------------------


def test_a_user_cancelling_gets_the_total_back_less_the_fee_a_ticket(
    app: Boxoffice, owner: Actor, ada: Actor, show: Show
) -> None:
    booking = app.book_seats(
        ada, show_id=show.id, seats=["A2", "B3"], ticket_types=["adult", "child"]
    )
    cancelled = app.cancel_booking(ada, booking.id)
    assert cancelled.status is BookingStatus.CANCELLED
    assert cancelled.cancel_reason is CancelReason.BY_USER
    assert (cancelled.total, cancelled.refund) == (2200, 2200 - 2 * FEE)
    assert all(t.status is TicketStatus.CANCELLED for t in cancelled.tickets)
    assert app.get_booking(ada, booking.id) == cancelled
    assert all(
        app.get_ticket(ada, t.code).status is TicketStatus.CANCELLED for t in booking.tickets
    )
    # The seats are for sale again.
    assert app.get_show(show.id).available_seats == LAYOUT.capacity


def test_a_fee_larger_than_the_price_refunds_nothing_never_less(
    app: Boxoffice, owner: Actor, ada: Actor, cinema: Cinema, show: Show
) -> None:
    cheap = app.book_seats(ada, show_id=show.id, seats=["A1"], ticket_types=["child"])
    app.update_cinema(owner, cinema.id, cancel_fee=801)
    assert app.cancel_booking(ada, cheap.id).refund == 0
    exact = app.book_seats(ada, show_id=show.id, seats=["A2"], ticket_types=["child"])
    app.update_cinema(owner, cinema.id, cancel_fee=800)
    assert app.cancel_booking(ada, exact.id).refund == 0
    report = app.show_report(owner, show.id)
    assert (report.gross, report.refunds, report.net) == (1600, 0, 1600)


def test_users_cancel_until_the_cut_off_and_not_a_minute_after(
    app: Boxoffice, ada: Actor, show: Show, clock: FakeClock
) -> None:
    on_time = app.book_seats(ada, show_id=show.id, seats=["A1"])
    late = app.book_seats(ada, show_id=show.id, seats=["A2"])
    at(clock, -timedelta(minutes=CUT_OFF))
    assert app.cancel_booking(ada, on_time.id).refund == 1200 - FEE
    at(clock, -timedelta(minutes=CUT_OFF - 1))
    with pytest.raises(CancellationClosed) as refused:
        app.cancel_booking(ada, late.id)
    assert refused.value.minutes == CUT_OFF
    assert app.get_booking(ada, late.id).is_active
    # Once the show has begun, that is what the refusal says.
    at(clock, timedelta(0))
    with pytest.raises(ShowStarted):
        app.cancel_booking(ada, late.id)


def test_the_owner_cancelling_the_show_refunds_everything_even_after_the_cut_off(
    app: Boxoffice, owner: Actor, ada: Actor, bob: Actor, show: Show, clock: FakeClock
) -> None:
    first = app.book_seats(
        ada, show_id=show.id, seats=["A1", "B1"], ticket_types=["adult", "child"]
    )
    second = app.book_seats(bob, show_id=show.id, seats=["B2"])
    by_user = app.book_seats(bob, show_id=show.id, seats=["A4"], ticket_types=["child"])
    app.cancel_booking(bob, by_user.id)
    at(clock, -timedelta(minutes=5))
    app.cancel_show(owner, show.id)
    for user, booking in [(ada, first), (bob, second)]:
        cancelled = app.get_booking(user, booking.id)
        assert cancelled.cancel_reason is CancelReason.SHOW_CANCELLED
        assert cancelled.refund == cancelled.total == booking.total
        assert all(t.status is TicketStatus.CANCELLED for t in cancelled.tickets)
        for ticket in booking.tickets:
            assert app.get_ticket(user, ticket.code).status is TicketStatus.CANCELLED
    # The booking its user cancelled earlier keeps its fee.
    assert app.get_booking(bob, by_user.id).refund == 800 - FEE
    report = app.show_report(owner, show.id)
    assert (report.sold, report.gross) == (0, 2200 + 1500 + 800)
    assert report.refunds == 2200 + 1500 + 800 - FEE
    assert report.net == FEE == active_total_plus_fees_kept(app, owner, show.id)


# --- ticket codes ------------------------------------------------------------------------


@pytest.fixture
def second_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[UnitOfWorkFactory]:
    """Another store of the kind under contract, empty."""
    kind = request.node.callspec.params["uow_factory"]
    if kind == "memory":
        yield InMemoryUnitOfWorkFactory()
    elif kind == "sqlite":
        other = tmp_path / "second"
        other.mkdir()
        with sqlite_store(other) as factory:
            yield factory
    else:
        with postgres_store(require_postgres_url()) as factory:
            yield factory


def first_booking(app: Boxoffice) -> list[str]:
    owner = sign_up(app, "owner@example.com", "owner")
    ada = sign_up(app, "ada@example.com")
    cinema = app.add_cinema(owner, name="Babylon", time_zone="UTC", currency="EUR")
    screen = app.add_screen(owner, cinema.id, name="Saal 1", layout=LAYOUT)
    film = app.add_movie(owner, title="Metropolis", genre="drama", duration=RUNNING)
    show = app.add_show(owner, movie_id=film.id, timing=T, screen_id=screen.id)
    booking = app.book_seats(ada, show_id=show.id, seats=["A1", "A2"])
    assert booking.id == 1
    return [t.code for t in booking.tickets]


def test_ticket_codes_are_long_url_safe_unique_and_not_made_from_ids(
    app: Boxoffice, uow_factory: UnitOfWorkFactory, second_store: UnitOfWorkFactory
) -> None:
    twin = Boxoffice.from_ports(
        uow=second_store, hasher=FakePasswordHasher(), tokens=FakeTokenService(), clock=FakeClock()
    )
    here, there = first_booking(app), first_booking(twin)
    # The same booking, show and seats in two stores: codes come from no id or seat.
    assert not set(here) & set(there)
    owner = app.authenticate(app.log_in(email="owner@example.com", password=PASSWORD))
    ada = app.authenticate(app.log_in(email="ada@example.com", password=PASSWORD))
    codes = list(here)
    for _ in range(3):
        booking = app.book_seats(ada, show_id=1, num_seats=2)
        codes += [t.code for t in booking.tickets]
    app.cancel_booking(ada, 1)
    codes += [t.code for t in app.book_seats(ada, show_id=1, seats=["A1", "A2"]).tickets]
    assert len(set(codes)) == len(codes) == 10
    parts = [CODE.fullmatch(code) for code in codes + there]
    assert None not in parts, codes + there
    made_of = [(part[1], part[2]) for part in parts if part is not None]
    # Each booking draws a key of its own; its tickets are its places, from 1.
    keys = [key for key, _ in made_of]
    assert len(set(keys)) == 6
    assert [place for _, place in made_of] == ["1", "2"] * 6
    assert app.show_report(owner, 1).sold == 8


def test_a_ticket_is_read_only_by_its_bookings_user(
    app: Boxoffice, ada: Actor, bob: Actor, show: Show
) -> None:
    booking = app.book_seats(
        ada, show_id=show.id, seats=["A1", "B1"], ticket_types=["adult", "child"]
    )
    for ticket in booking.tickets:
        assert app.get_ticket(ada, ticket.code) == ticket
        with pytest.raises(NotFound) as theirs:
            app.get_ticket(bob, ticket.code)
        with pytest.raises(NotFound) as nobodys:
            app.get_ticket(bob, ticket.code[::-1] + "x")
        # Someone else's ticket and no ticket are the same answer.
        assert theirs.value.kind == nobodys.value.kind == "ticket"
    with pytest.raises(ValidationError):
        app.get_ticket(ada, "")


# --- the door ----------------------------------------------------------------------------


@pytest.fixture
def sold(app: Boxoffice, ada: Actor, show: Show) -> list[str]:
    """Two tickets of the show, an adult's in A2 and a child's in B3."""
    booking = app.book_seats(
        ada, show_id=show.id, seats=["A2", "B3"], ticket_types=["adult", "child"]
    )
    return [t.code for t in booking.tickets]


def test_a_ticket_is_let_in_once_then_refused_as_already_checked_in(
    app: Boxoffice, owner: Actor, ada: Actor, show: Show, sold: list[str], clock: FakeClock
) -> None:
    at(clock, -timedelta(minutes=20))
    admitted = app.check_in(owner, code=sold[0], show_id=show.id)
    assert (admitted.code, admitted.status, admitted.checked_in_at) == (
        sold[0],
        TicketStatus.CHECKED_IN,
        clock.now(),
    )
    assert (admitted.seat, admitted.ticket_type) == ("A2", "adult")
    first_time = clock.now()
    clock.advance(minutes=3)
    with pytest.raises(CheckInRefused) as again:
        app.check_in(owner, code=sold[0], show_id=show.id)
    assert (again.value.result, again.value.checked_in_at) == ("already_checked_in", first_time)
    assert app.get_ticket(ada, sold[0]) == admitted
    # The other ticket of the booking is still to come.
    assert app.get_ticket(ada, sold[1]).status is TicketStatus.VALID
    assert app.show_report(owner, show.id).checked_in == 1


def test_a_ticket_at_another_show_of_the_owner_is_the_wrong_show_and_stays_valid(
    app: Boxoffice,
    owner: Actor,
    ada: Actor,
    screen: Screen,
    film: Movie,
    show: Show,
    sold: list[str],
    clock: FakeClock,
) -> None:
    later = app.add_show(
        owner, movie_id=film.id, timing=T + timedelta(hours=3), screen_id=screen.id, prices=PRICES
    )
    at(clock, -timedelta(minutes=20))
    with pytest.raises(CheckInRefused) as refused:
        app.check_in(owner, code=sold[0], show_id=later.id)
    assert refused.value.result == "wrong_show"
    assert app.get_ticket(ada, sold[0]).status is TicketStatus.VALID
    assert app.check_in(owner, code=sold[0], show_id=show.id).status is TicketStatus.CHECKED_IN


def test_an_unknown_code_and_another_owners_ticket_are_the_same_not_found(
    app: Boxoffice,
    owner: Actor,
    rival: Actor,
    ada: Actor,
    film: Movie,
    show: Show,
    sold: list[str],
    clock: FakeClock,
) -> None:
    theirs = app.add_cinema(rival, name="Odeon", time_zone="UTC", currency="EUR")
    their_screen = app.add_screen(rival, theirs.id, name="One", layout=LAYOUT)
    their_film = app.add_movie(rival, title="Nosferatu", genre="horror", duration=RUNNING)
    their_show = app.add_show(rival, movie_id=their_film.id, timing=T, screen_id=their_screen.id)
    their_code = app.book_seats(ada, show_id=their_show.id, seats=["A1"]).tickets[0].code
    at(clock, -timedelta(minutes=20))
    unknown = "x" * 22
    refusals = []
    for actor, code, show_id in [
        (owner, unknown, show.id),  # no such code
        (owner, their_code, show.id),  # another owner's ticket at my door
        (rival, sold[0], their_show.id),  # my ticket at another owner's door
        (rival, sold[0], show.id),  # another owner's door
        (owner, sold[0], 10_000),  # no such show
    ]:
        with pytest.raises(NotFound) as refused:
            app.check_in(actor, code=code, show_id=show_id)
        assert (refused.value.kind, refused.value.ident) == ("ticket", code)
        refusals.append(refused.value.message.replace(code, "<code>"))
    # One shape of answer, whichever it was: the door tells nobody which codes exist.
    assert set(refusals) == {"ticket <code> not found"}
    assert app.get_ticket(ada, sold[0]).status is TicketStatus.VALID
    assert app.get_ticket(ada, their_code).status is TicketStatus.VALID


def test_a_cancelled_booking_or_show_is_not_let_in(
    app: Boxoffice,
    owner: Actor,
    ada: Actor,
    bob: Actor,
    show: Show,
    sold: list[str],
    clock: FakeClock,
) -> None:
    bobs = app.book_seats(bob, show_id=show.id, seats=["A1"])
    app.cancel_booking(bob, bobs.id)
    at(clock, -timedelta(minutes=20))
    with pytest.raises(CheckInRefused) as refused:
        app.check_in(owner, code=bobs.tickets[0].code, show_id=show.id)
    assert refused.value.result == "cancelled"
    app.check_in(owner, code=sold[0], show_id=show.id)
    app.cancel_show(owner, show.id)
    for code in sold:
        with pytest.raises(CheckInRefused) as after_show:
            app.check_in(owner, code=code, show_id=show.id)
        assert after_show.value.result == "cancelled"


def test_doors_open_an_hour_before_the_show_and_close_when_it_ends(
    app: Boxoffice, owner: Actor, show: Show, sold: list[str], clock: FakeClock
) -> None:
    at(clock, -timedelta(minutes=60, seconds=1))
    with pytest.raises(CheckInRefused) as early:
        app.check_in(owner, code=sold[0], show_id=show.id)
    assert early.value.result == "too_early"
    at(clock, -timedelta(minutes=60))
    assert app.check_in(owner, code=sold[0], show_id=show.id).checked_in_at == clock.now()
    # Late-comers are let in while the film runs.
    at(clock, timedelta(minutes=RUNNING) - timedelta(seconds=1))
    app.check_in(owner, code=sold[1], show_id=show.id)
    app.undo_check_in(owner, sold[1])
    at(clock, timedelta(minutes=RUNNING))
    with pytest.raises(CheckInRefused) as ended:
        app.check_in(owner, code=sold[1], show_id=show.id)
    assert ended.value.result == "show_ended"


def test_the_doors_window_is_the_limits(
    app: Boxoffice,
    uow_factory: UnitOfWorkFactory,
    owner: Actor,
    show: Show,
    sold: list[str],
    clock: FakeClock,
) -> None:
    strict = Boxoffice.from_ports(
        uow=uow_factory,
        hasher=FakePasswordHasher(),
        tokens=FakeTokenService(),
        clock=clock,
        limits=Limits(doors_open_minutes=15),
    )
    at(clock, -timedelta(minutes=20))
    with pytest.raises(CheckInRefused) as early:
        strict.check_in(owner, code=sold[0], show_id=show.id)
    assert early.value.result == "too_early"
    at(clock, -timedelta(minutes=15))
    assert strict.check_in(owner, code=sold[0], show_id=show.id).status is TicketStatus.CHECKED_IN


def test_a_check_in_undone_makes_the_ticket_valid_to_be_let_in_again(
    app: Boxoffice,
    owner: Actor,
    rival: Actor,
    ada: Actor,
    show: Show,
    sold: list[str],
    clock: FakeClock,
) -> None:
    at(clock, -timedelta(minutes=20))
    with pytest.raises(CheckInRefused) as not_yet:
        app.undo_check_in(owner, sold[0])
    assert not_yet.value.result == "not_checked_in"
    app.check_in(owner, code=sold[0], show_id=show.id)
    with pytest.raises(NotFound):
        app.undo_check_in(rival, sold[0])
    undone = app.undo_check_in(owner, sold[0])
    assert (undone.status, undone.checked_in_at) == (TicketStatus.VALID, None)
    assert app.get_ticket(ada, sold[0]) == undone
    assert app.show_report(owner, show.id).checked_in == 0
    clock.advance(minutes=1)
    again = app.check_in(owner, code=sold[0], show_id=show.id)
    assert (again.status, again.checked_in_at) == (TicketStatus.CHECKED_IN, clock.now())
    with pytest.raises(NotFound):
        app.undo_check_in(owner, "y" * 22)


def test_check_ins_are_audited_by_booking_and_seat_never_by_code(
    app: Boxoffice, owner: Actor, show: Show, sold: list[str], clock: FakeClock
) -> None:
    at(clock, -timedelta(minutes=20))
    mark = max((e.id for e in app.list_audit_events(limit=500)), default=0)
    app.check_in(owner, code=sold[0], show_id=show.id, client="10.0.0.7")
    app.undo_check_in(owner, sold[0], client="10.0.0.7")
    app.check_in(owner, code=sold[1], show_id=show.id)
    events = list(app.list_audit_events(after=mark, limit=500))
    seen = [(e.action, e.actor_id, e.show_id, e.num_seats, e.client) for e in events]
    assert seen == [
        (AuditAction.CHECKED_IN, owner.id, show.id, 1, "10.0.0.7"),
        (AuditAction.CHECK_IN_UNDONE, owner.id, show.id, 1, "10.0.0.7"),
        (AuditAction.CHECKED_IN, owner.id, show.id, 1, None),
    ]
    assert events[0].target.endswith("/A2")
    assert events[2].target.endswith("/B3")
    # The trail is for operators: a code read there must not let anyone in.
    trail = repr(list(app.list_audit_events(limit=500)))
    assert not any(code in trail for code in sold)


# --- reports -----------------------------------------------------------------------------


def test_a_show_report_adds_up_seats_money_and_admissions(
    app: Boxoffice, owner: Actor, ada: Actor, bob: Actor, show: Show, clock: FakeClock
) -> None:
    kept = app.book_seats(ada, show_id=show.id, seats=["A1", "B1"], ticket_types=["adult", "child"])
    gone = app.book_seats(bob, show_id=show.id, seats=["A2", "A3"], ticket_types=["child", "child"])
    app.cancel_booking(bob, gone.id)
    app.update_show(owner, show.id, prices=[Price(p.ticket_type, p.zone, 5) for p in PRICES])
    cheap = app.book_seats(bob, show_id=show.id, seats=["B2"])
    at(clock, -timedelta(minutes=30))
    # Held seats are neither sold nor free, and bring in nothing until confirmed.
    app.hold_seats(bob, show_id=show.id, seats=["B4"], ticket_types=["adult"])
    app.check_in(owner, code=kept.tickets[1].code, show_id=show.id)

    report = app.show_report(owner, show.id)
    assert (report.show_id, report.currency, report.capacity) == (show.id, "EUR", 8)
    assert (report.sold, report.held, report.free) == (3, 1, 4)
    assert report.sold + report.held + report.free == report.capacity
    assert report.checked_in == 1
    assert report.gross == 2200 + 1600 + 5
    assert report.refunds == 1600 - 2 * FEE
    assert report.net == report.gross - report.refunds == 2200 + 5 + 2 * FEE
    assert report.net == active_total_plus_fees_kept(app, owner, show.id)
    assert kept.total + cheap.total + 2 * FEE == report.net
    by_type = {row.key: (row.sold, row.gross) for row in report.by_ticket_type}
    assert by_type == {"adult": (2, 1205), "child": (1, 1000 + 1600)}
    by_zone = {row.key: (row.sold, row.gross) for row in report.by_zone}
    assert by_zone == {STANDARD_ZONE: (1, 1200 + 1600), "premium": (2, 1005)}
    for rows in (report.by_ticket_type, report.by_zone):
        assert sum(r.sold for r in rows) == report.sold
        assert sum(r.gross for r in rows) == report.gross
    # The hold lapses: its seat is free again in the figures.
    clock.advance(seconds=app.limits.hold_ttl_seconds)
    lapsed = app.show_report(owner, show.id)
    assert (lapsed.sold, lapsed.held, lapsed.free) == (3, 0, 5)


def test_a_report_is_its_owners_alone(
    app: Boxoffice, rival: Actor, ada: Actor, cinema: Cinema, show: Show
) -> None:
    with pytest.raises(NotFound):
        app.show_report(rival, show.id)
    with pytest.raises(NotFound):
        app.cinema_report(rival, cinema.id, starts_from=START, starts_before=T + timedelta(days=1))
    with pytest.raises(Forbidden):
        app.show_report(ada, show.id)


def test_a_cinema_report_has_a_row_per_show_in_the_window_cancelled_ones_too(
    app: Boxoffice,
    owner: Actor,
    ada: Actor,
    bob: Actor,
    cinema: Cinema,
    screen: Screen,
    film: Movie,
    show: Show,
) -> None:
    window = timedelta(hours=3)
    second = app.add_show(
        owner, movie_id=film.id, timing=T + window, screen_id=screen.id, prices=PRICES
    )
    outside = app.add_show(
        owner, movie_id=film.id, timing=T + 2 * window, screen_id=screen.id, prices=PRICES
    )
    app.book_seats(ada, show_id=show.id, seats=["A1", "B1"], ticket_types=["adult", "child"])
    dropped = app.book_seats(bob, show_id=show.id, seats=["A2"])
    app.cancel_booking(bob, dropped.id)
    app.book_seats(ada, show_id=second.id, seats=["B2"])
    app.book_seats(ada, show_id=outside.id, seats=["B2"])
    app.cancel_show(owner, second.id)

    report = app.cinema_report(owner, cinema.id, starts_from=T, starts_before=T + 2 * window)
    assert (report.cinema_id, report.currency) == (cinema.id, "EUR")
    assert [row.show_id for row in report.shows] == [show.id, second.id]
    assert report.shows[0] == app.show_report(owner, show.id)
    assert report.shows[1] == app.show_report(owner, second.id)
    assert (report.shows[1].sold, report.shows[1].gross, report.shows[1].refunds) == (0, 1500, 1500)
    assert report.gross == 2200 + 1200 + 1500
    assert report.refunds == 1200 - FEE + 1500
    assert report.net == report.gross - report.refunds == 2200 + FEE
    assert report.net == sum(
        active_total_plus_fees_kept(app, owner, s) for s in (show.id, second.id)
    )
    assert report.sold == 2
    assert (report.gross, report.sold) == (
        sum(r.gross for r in report.shows),
        sum(r.sold for r in report.shows),
    )
    # The window is half-open: a show starting at its end is the next window's.
    assert [
        r.show_id
        for r in app.cinema_report(
            owner, cinema.id, starts_from=T + 2 * window, starts_before=T + 3 * window
        ).shows
    ] == [outside.id]
    with pytest.raises(ValidationError):
        app.cinema_report(owner, cinema.id, starts_from=T, starts_before=T)


def test_a_retried_booking_returns_the_same_tickets_and_other_types_are_another_request(
    app: Boxoffice, ada: Actor, show: Show
) -> None:
    first = app.book_seats(
        ada,
        show_id=show.id,
        seats=["A1", "B1"],
        ticket_types=["adult", "child"],
        idempotency_key="k1",
    )
    again = app.book_seats(
        ada,
        show_id=show.id,
        seats=["A1", "B1"],
        ticket_types=["adult", "child"],
        idempotency_key="k1",
    )
    # A retry mints no new codes: the first ones are the tickets.
    assert again == first
    with pytest.raises(IdempotencyKeyReused):
        app.book_seats(
            ada,
            show_id=show.id,
            seats=["A1", "B1"],
            ticket_types=["child", "child"],
            idempotency_key="k1",
        )
    assert app.get_show(show.id).available_seats == LAYOUT.capacity - 2
