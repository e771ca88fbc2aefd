"""One booking's whole life over each adapter: priced, refunded, checked in and reported."""

from __future__ import annotations

from datetime import timedelta

from boxoffice.domain.model import Actor, Price, TicketStatus
from boxoffice.domain.seating import SeatMap
from boxoffice.domain.service import Boxoffice
from tests.fakes import START, FakeClock

PASSWORD = "correct horse"
T = START + timedelta(days=1)
LAYOUT = SeatMap.build([("A", 4), ("B", 4)], zones={"vip": ["B1-B4"]})


def sign_up(app: Boxoffice, email: str, role: str = "user") -> Actor:
    app.sign_up(name=email.split("@")[0], email=email, password=PASSWORD, role=role)
    return app.authenticate(app.log_in(email=email, password=PASSWORD))


def test_tickets_are_priced_refunded_checked_in_and_reported(
    app: Boxoffice, clock: FakeClock
) -> None:
    owner, ada = sign_up(app, "owner@example.com", "owner"), sign_up(app, "ada@example.com")
    cinema = app.add_cinema(
        owner,
        name="Babylon",
        time_zone="Europe/Berlin",
        currency="EUR",
        cancel_until_minutes=60,
        cancel_fee=100,
    )
    app.add_ticket_type(owner, cinema.id, code="adult", name="Adult")
    app.add_ticket_type(owner, cinema.id, code="child", name="Child")
    screen = app.add_screen(owner, cinema.id, name="Saal 1", layout=LAYOUT)
    film = app.add_movie(owner, title="Metropolis", genre="drama", duration=100)
    prices = [
        Price(kind, zone, amount)
        for kind, zone, amount in [
            ("adult", "standard", 900),
            ("child", "standard", 500),
            ("adult", "vip", 1500),
            ("child", "vip", 1000),
        ]
    ]
    show = app.add_show(owner, movie_id=film.id, timing=T, screen_id=screen.id, prices=prices)
    assert app.get_show(show.id) == show

    booked = app.book_seats(
        ada, show_id=show.id, seats=["A2", "B2"], ticket_types=["child", "adult"]
    )
    assert [(t.seat, t.zone, t.ticket_type, t.amount) for t in booked.tickets] == [
        ("A2", "standard", "child", 500),
        ("B2", "vip", "adult", 1500),
    ]
    assert (booked.total, booked.currency) == (2000, "EUR")
    assert app.get_booking(ada, booked.id) == booked
    assert app.get_ticket(ada, booked.tickets[1].code) == booked.tickets[1]

    held = app.hold_seats(ada, show_id=show.id, seats=["A3"], ticket_types=["child"])
    confirmed = app.confirm_hold(ada, held.id)
    assert [(t.ticket_type, t.amount) for t in confirmed.tickets] == [("child", 500)]

    cancelled = app.cancel_booking(ada, confirmed.id)
    assert cancelled.refund == 400
    assert app.get_booking(ada, confirmed.id) == cancelled

    clock.current = T - timedelta(minutes=30)
    admitted = app.check_in(owner, code=booked.tickets[0].code, show_id=show.id)
    assert admitted.status is TicketStatus.CHECKED_IN
    assert app.get_ticket(ada, admitted.code) == admitted

    report = app.show_report(owner, show.id)
    assert (report.sold, report.checked_in, report.gross, report.refunds) == (2, 1, 2500, 400)
    assert report.currency == "EUR"
