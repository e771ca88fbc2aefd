"""The README's library example, run as-is by CI from a freshly installed wheel."""

from datetime import UTC, datetime, timedelta

import boxoffice

app = boxoffice.bootstrap()  # in memory; bootstrap("sqlite:///cinema.db") persists
app.sign_up(name="Ada", email="ada@example.com", password="correct horse", role="owner")
owner = app.authenticate(app.log_in(email="ada@example.com", password="correct horse"))
movie = app.add_movie(owner, title="Alien", genre="Sci-fi", duration=117)
show = app.add_show(
    owner,
    movie_id=movie.id,
    timing=datetime.now(UTC) + timedelta(days=7),
    available_seats=120,
)

app.sign_up(name="Bob", email="bob@example.com", password="popcorn please")
bob = app.authenticate(app.log_in(email="bob@example.com", password="popcorn please"))
booking = app.book_seats(bob, show_id=show.id, num_seats=2)
print(booking.id, booking.num_seats, app.get_show(show.id).available_seats)  # 1 2 118
assert [b.id for b in app.list_bookings(bob)] == [booking.id]
