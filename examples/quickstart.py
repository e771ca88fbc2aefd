"""The README's library example, run as-is by CI from a freshly installed wheel."""

from datetime import UTC, date, datetime, time, timedelta

import boxoffice
from boxoffice import Price

app = boxoffice.bootstrap()  # in memory; bootstrap("sqlite:///cinema.db") persists
app.sign_up(name="Ada", email="ada@example.com", password="correct horse", role="owner")
owner = app.authenticate(app.log_in(email="ada@example.com", password="correct horse"))
rex = app.add_cinema(owner, name="Rex", time_zone="Europe/Berlin", currency="EUR", gap_minutes=20)
for code, name in [("adult", "Adult"), ("child", "Child")]:  # the first is the default
    app.add_ticket_type(owner, rex.id, code=code, name=name)
layout = boxoffice.SeatMap.build(
    [("A", 10), ("B", 10), ("C", 12)], blocked=["A1"], zones={"premium": ["C3-C10"]}
)
hall = app.add_screen(owner, rex.id, name="Hall 1", layout=layout)
movie = app.add_movie(owner, title="Alien", genre="Sci-fi", duration=117)
prices = [  # in cents
    Price("adult", "standard", 1200), Price("child", "standard", 800),
    Price("adult", "premium", 1600), Price("child", "premium", 1100),
]
monday = date.today() + timedelta(days=7 - date.today().weekday())  # next Monday
week = app.schedule_series(
    owner,
    movie_id=movie.id,
    screen_id=hall.id,
    first_day=monday,
    last_day=monday + timedelta(days=6),
    times=[time(17, 0), time(20, 30)],  # local to the cinema, whatever the season
    prices=prices,
)

app.sign_up(name="Bob", email="bob@example.com", password="popcorn please")
bob = app.authenticate(app.log_in(email="bob@example.com", password="popcorn please"))
seats = app.book_seats(bob, show_id=week[0].id, seats=["C5", "C6"])
other = app.book_seats(bob, show_id=week[2].id, num_seats=2, idempotency_key="order-2")
app.update_show(owner, week[0].id, timing=week[0].timing - timedelta(hours=1))  # keeps seats
try:
    app.update_show(owner, week[1].id, timing=week[0].timing)  # the moved show is in the way
except boxoffice.ScheduleConflict as conflict:
    print("refused:", conflict)
app.cancel_show(owner, week[2].id)  # cancels Bob's booking of it too
print(len(week), app.get_seats(week[0].id).zone("C5"), app.get_booking(bob, other.id).cancel_reason)

soon = datetime.now(UTC) + timedelta(minutes=30)  # doors open an hour before
tonight = app.add_show(owner, movie_id=movie.id, screen_id=hall.id, timing=soon, prices=prices)
pair = app.book_seats(bob, show_id=tonight.id, seats=["C5", "A4"], ticket_types=["adult", "child"])
print([(t.seat, t.ticket_type, t.amount) for t in pair.tickets], pair.total, pair.currency)
code = pair.tickets[0].code  # unguessable; GET /tickets/{code}/qr.svg draws it for the door
app.check_in(owner, code=code, show_id=tonight.id)
try:
    app.check_in(owner, code=code, show_id=tonight.id)
except boxoffice.CheckInRefused as refused:
    print("again at the door:", refused.result)
report = app.show_report(owner, tonight.id)
print(report.sold, report.checked_in, report.gross, report.net, report.currency)
# refused: the screen is taken at that time by show 1
# 14 premium show_cancelled
# [('A4', 'child', 800), ('C5', 'adult', 1600)] 2400 EUR
# again at the door: already_checked_in
# 2 1 2400 2400 EUR
