"""The schedule through Boxoffice, over each adapter: shows on screens never overlap, series
keep local wall-clock times across daylight-saving changes, and moves, resizes, cancellations
and movie changes keep every seat and booking accounted for."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from boxoffice.domain.errors import (
    CapacityBelowSold,
    Clash,
    NotFound,
    ScheduleConflict,
    ShowCancelled,
    ShowEnded,
    ShowStarted,
    ValidationError,
)
from boxoffice.domain.model import (
    Actor,
    AuditAction,
    BookingStatus,
    CancelReason,
    Cinema,
    HoldStatus,
    Movie,
    Screen,
    Show,
    ShowStatus,
)
from boxoffice.domain.seating import SeatMap
from boxoffice.domain.service import Boxoffice
from tests.fakes import START, FakeClock

PASSWORD = "correct horse"
# 100 minutes of film and a 15-minute gap: each show holds its screen for 115 minutes.
RUNNING = 100
GAP = 15
WINDOW = timedelta(minutes=RUNNING + GAP)
# A day after the clock's start, at 13:00 Berlin time (UTC+1 in winter).
T = START + timedelta(days=1)
LAYOUT = SeatMap.build([("A", 4), ("B", 4)], blocked=["A1"], zones={"premium": ["B1-B4"]})


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
def cinema(app: Boxoffice, owner: Actor) -> Cinema:
    return app.add_cinema(
        owner, name="Babylon", time_zone="Europe/Berlin", currency="EUR", gap_minutes=GAP
    )


@pytest.fixture
def screen(app: Boxoffice, owner: Actor, cinema: Cinema) -> Screen:
    return app.add_screen(owner, cinema.id, name="Saal 1", layout=LAYOUT)


@pytest.fixture
def film(app: Boxoffice, owner: Actor) -> Movie:
    return app.add_movie(owner, title="Metropolis", genre="drama", duration=RUNNING)


def on(app: Boxoffice, owner: Actor, screen: Screen, film: Movie, timing: datetime) -> Show:
    return app.add_show(owner, movie_id=film.id, timing=timing, screen_id=screen.id)


def everything_on(app: Boxoffice, screen: Screen) -> list[Show]:
    return list(app.list_shows(screen_id=screen.id, status=None, limit=100))


def berlin(day: date, at: time) -> datetime:
    """A UTC instant written as Berlin wall-clock time, for reading the expectations."""
    return datetime.combine(day, at, tzinfo=ZoneInfo("Europe/Berlin")).astimezone(UTC)


# --- one show on a screen --------------------------------------------------------------


def test_a_show_on_a_screen_takes_its_layout_and_holds_it_until_the_gap_ends(
    app: Boxoffice, owner: Actor, cinema: Cinema, screen: Screen, film: Movie
) -> None:
    show = on(app, owner, screen, film, T)
    assert (show.screen_id, show.cinema_id) == (screen.id, cinema.id)
    assert show.seat_map == LAYOUT
    assert show.capacity == show.available_seats == 7
    assert show.ends_at == T + timedelta(minutes=RUNNING)
    assert show.occupied_until == T + WINDOW
    assert app.get_show(show.id) == show
    # The layout comes with the screen: a show on one names no seats of its own.
    with pytest.raises(ValidationError):
        app.add_show(owner, movie_id=film.id, timing=T, screen_id=screen.id, available_seats=7)
    with pytest.raises(ValidationError):
        app.add_show(owner, movie_id=film.id, timing=T, screen_id=screen.id, seat_map=LAYOUT)


def test_back_to_back_shows_fit_exactly_at_the_gaps_end_and_a_minute_less_clashes(
    app: Boxoffice, owner: Actor, screen: Screen, film: Movie
) -> None:
    middle = on(app, owner, screen, film, T)
    after = on(app, owner, screen, film, T + WINDOW)
    before = on(app, owner, screen, film, T - WINDOW)
    minute = timedelta(minutes=1)
    # One minute into the gap after `middle`, or ending one minute into `middle`.
    for timing, in_the_way in [
        (T + WINDOW - minute, sorted([middle.id, after.id])),
        (T - WINDOW + minute, sorted([before.id, middle.id])),
        (T + timedelta(minutes=30), sorted([middle.id, after.id])),
    ]:
        with pytest.raises(ScheduleConflict) as refused:
            on(app, owner, screen, film, timing)
        assert sorted(c.in_the_way for c in refused.value.conflicts) == in_the_way
        assert all(c.day is None and c.show_id is None for c in refused.value.conflicts)
    assert everything_on(app, screen) == [middle, after, before]


def test_another_screen_is_free_at_the_same_time(
    app: Boxoffice, owner: Actor, cinema: Cinema, screen: Screen, film: Movie
) -> None:
    other = app.add_screen(owner, cinema.id, name="Saal 2", layout=LAYOUT)
    first = on(app, owner, screen, film, T)
    second = on(app, owner, other, film, T)
    assert everything_on(app, screen) == [first]
    assert everything_on(app, other) == [second]


def test_a_cancelled_show_frees_its_window(
    app: Boxoffice, owner: Actor, screen: Screen, film: Movie
) -> None:
    first = on(app, owner, screen, film, T)
    app.cancel_show(owner, first.id)
    again = on(app, owner, screen, film, T + timedelta(minutes=10))
    listed = everything_on(app, screen)
    assert [(s.id, s.status) for s in listed] == [
        (first.id, ShowStatus.CANCELLED),
        (again.id, ShowStatus.SCHEDULED),
    ]


def test_other_owners_cinemas_screens_shows_and_movies_are_not_found_for_writing(
    app: Boxoffice,
    owner: Actor,
    rival: Actor,
    cinema: Cinema,
    screen: Screen,
    film: Movie,
) -> None:
    show = on(app, owner, screen, film, T)
    theirs = app.add_movie(rival, title="Theirs", genre="drama", duration=RUNNING)
    refused = [
        lambda: app.add_screen(rival, cinema.id, name="Mine now", layout=LAYOUT),
        lambda: app.update_screen(rival, screen.id, name="Mine now"),
        lambda: app.add_show(rival, movie_id=theirs.id, timing=T + WINDOW, screen_id=screen.id),
        lambda: app.schedule_series(
            rival,
            movie_id=theirs.id,
            screen_id=screen.id,
            first_day=date(2030, 2, 1),
            last_day=date(2030, 2, 2),
            times=[time(20, 30)],
        ),
        lambda: app.update_show(rival, show.id, timing=T + 2 * WINDOW),
        lambda: app.cancel_show(rival, show.id),
        lambda: app.update_movie(rival, film.id, duration=RUNNING + 1),
    ]
    for call in refused:
        with pytest.raises(NotFound):
            call()
    # Nothing changed, and everyone may still read it all.
    assert app.get_show(show.id) == show
    assert app.get_screen(screen.id) == screen
    assert app.get_movie(film.id) == film
    assert list(app.list_screens(cinema.id)) == [screen]
    assert everything_on(app, screen) == [show]


# --- cinemas and screens ----------------------------------------------------------------


def test_cinemas_and_screens_are_checked_read_and_paged(
    app: Boxoffice, owner: Actor, ada: Actor, cinema: Cinema
) -> None:
    assert (cinema.owner_id, cinema.time_zone, cinema.gap_minutes) == (
        owner.id,
        "Europe/Berlin",
        GAP,
    )
    assert app.get_cinema(cinema.id) == cinema
    for zone, gap in [("Mars/Olympus", 15), ("CET ", 15), ("Europe/Berlin", -1)]:
        with pytest.raises(ValidationError):
            app.add_cinema(owner, name="Bad", time_zone=zone, currency="EUR", gap_minutes=gap)
    with pytest.raises(ValidationError):
        app.add_cinema(owner, name="Bad", time_zone="UTC", currency="EUR", gap_minutes=241)
    other = app.add_cinema(owner, name="Odeon", time_zone="UTC", currency="EUR", gap_minutes=0)
    assert list(app.list_cinemas()) == [cinema, other]
    assert list(app.list_cinemas(after=cinema.id)) == [other]
    screens = [app.add_screen(owner, cinema.id, name=f"Saal {n}", layout=LAYOUT) for n in range(3)]
    first = app.list_screens(cinema.id, limit=2)
    assert list(first) == screens[:2]
    assert list(app.list_screens(cinema.id, after=first.next_after)) == screens[2:]
    assert list(app.list_screens(other.id)) == []
    with pytest.raises(NotFound):
        app.list_screens(other.id + 1000)
    with pytest.raises(NotFound):
        app.get_cinema(other.id + 1000)
    with pytest.raises(NotFound):
        app.get_screen(screens[-1].id + 1000)


def test_a_new_layout_applies_only_to_shows_scheduled_afterwards(
    app: Boxoffice, owner: Actor, screen: Screen, film: Movie
) -> None:
    before = on(app, owner, screen, film, T)
    bigger = SeatMap.build([("A", 6), ("B", 6), ("C", 6)], zones={"vip": ["C1-C6"]})
    renamed = app.update_screen(owner, screen.id, name="Saal Eins", layout=bigger)
    assert (renamed.name, renamed.layout) == ("Saal Eins", bigger)
    assert app.get_screen(screen.id) == renamed
    after = on(app, owner, screen, film, T + WINDOW)
    assert app.get_show(before.id) == before
    assert (before.seat_map, before.capacity) == (LAYOUT, 7)
    assert (after.seat_map, after.capacity, after.available_seats) == (bigger, 18, 18)
    assert app.get_seats(after.id).zone("C3") == "vip"
    assert app.get_seats(before.id).zone("B3") == "premium"
    # The old show's seats are still the old map's.
    assert set(app.get_seats(before.id).seats) == {f"{r}{n}" for r in "AB" for n in range(1, 5)}


def test_seat_zones_are_reported_per_seat(
    app: Boxoffice, owner: Actor, ada: Actor, screen: Screen, film: Movie
) -> None:
    show = on(app, owner, screen, film, T)
    seats = app.get_seats(show.id)
    assert {label: seats.zone(label) for label in seats.seats} == {
        "A1": "standard",
        "A2": "standard",
        "A3": "standard",
        "A4": "standard",
        "B1": "premium",
        "B2": "premium",
        "B3": "premium",
        "B4": "premium",
    }
    assert str(seats.seats["A1"]) == "blocked"
    booking = app.book_seats(ada, show_id=show.id, seats=["B2", "B3"])
    assert booking.seats == ("B2", "B3")
    assert app.get_seats(show.id).zone("B2") == "premium"


# --- series -----------------------------------------------------------------------------


def test_a_series_keeps_local_time_across_the_spring_change(
    app: Boxoffice, owner: Actor, screen: Screen, film: Movie
) -> None:
    shows = app.schedule_series(
        owner,
        movie_id=film.id,
        screen_id=screen.id,
        first_day=date(2030, 3, 29),
        last_day=date(2030, 4, 1),
        times=[time(20, 30)],
    )
    # 20:30 is 19:30 UTC under CET and 18:30 UTC under CEST, from 31 March.
    assert [s.timing for s in shows] == [
        datetime(2030, 3, 29, 19, 30, tzinfo=UTC),
        datetime(2030, 3, 30, 19, 30, tzinfo=UTC),
        datetime(2030, 3, 31, 18, 30, tzinfo=UTC),
        datetime(2030, 4, 1, 18, 30, tzinfo=UTC),
    ]
    assert all(s.occupied_until == s.timing + WINDOW for s in shows)
    assert everything_on(app, screen) == shows


def test_a_series_keeps_local_time_across_the_autumn_change(
    app: Boxoffice, owner: Actor, screen: Screen, film: Movie
) -> None:
    shows = app.schedule_series(
        owner,
        movie_id=film.id,
        screen_id=screen.id,
        first_day=date(2030, 10, 25),
        last_day=date(2030, 10, 28),
        times=[time(20, 30), time(10, 0)],
        weekdays=[5, 7, 1],
    )
    # Friday, Sunday and Monday only; the clocks go back on Sunday 27 October.
    assert [s.timing for s in shows] == [
        datetime(2030, 10, 25, 8, 0, tzinfo=UTC),
        datetime(2030, 10, 25, 18, 30, tzinfo=UTC),
        datetime(2030, 10, 27, 9, 0, tzinfo=UTC),
        datetime(2030, 10, 27, 19, 30, tzinfo=UTC),
        datetime(2030, 10, 28, 9, 0, tzinfo=UTC),
        datetime(2030, 10, 28, 19, 30, tzinfo=UTC),
    ]


def test_a_time_the_clocks_skip_is_refused_naming_the_day(
    app: Boxoffice, owner: Actor, screen: Screen, film: Movie
) -> None:
    with pytest.raises(ValidationError) as refused:
        app.schedule_series(
            owner,
            movie_id=film.id,
            screen_id=screen.id,
            first_day=date(2030, 3, 30),
            last_day=date(2030, 4, 1),
            times=[time(2, 30)],
        )
    assert refused.value.field == "times"
    assert "2030-03-31" in refused.value.message
    # All or nothing: the days around it are not scheduled either.
    assert everything_on(app, screen) == []


def test_a_series_in_the_way_of_one_show_lists_the_clash_and_schedules_nothing(
    app: Boxoffice, owner: Actor, screen: Screen, film: Movie
) -> None:
    existing = on(app, owner, screen, film, berlin(date(2030, 3, 31), time(19, 0)))
    before = everything_on(app, screen)
    with pytest.raises(ScheduleConflict) as refused:
        app.schedule_series(
            owner,
            movie_id=film.id,
            screen_id=screen.id,
            first_day=date(2030, 3, 29),
            last_day=date(2030, 4, 2),
            times=[time(14, 0), time(20, 30)],
        )
    assert refused.value.conflicts == (Clash(existing.id, date(2030, 3, 31), time(20, 30)),)
    assert everything_on(app, screen) == before == [existing]
    # Around it, the same series fits.
    shows = app.schedule_series(
        owner,
        movie_id=film.id,
        screen_id=screen.id,
        first_day=date(2030, 3, 29),
        last_day=date(2030, 4, 2),
        times=[time(14, 0), time(21, 15)],
    )
    assert len(shows) == 10
    assert len(everything_on(app, screen)) == 11


def test_a_series_overlapping_itself_is_refused(
    app: Boxoffice, owner: Actor, screen: Screen, film: Movie
) -> None:
    # 20:00 + 115 minutes reaches past 21:00; 23:30 reaches past 00:30 of the next day.
    for times, days in [
        ([time(20, 0), time(21, 0)], 1),
        ([time(0, 30), time(23, 30)], 2),
    ]:
        with pytest.raises(ValidationError) as refused:
            app.schedule_series(
                owner,
                movie_id=film.id,
                screen_id=screen.id,
                first_day=date(2030, 2, 1),
                last_day=date(2030, 2, days),
                times=times,
            )
        assert refused.value.field == "times"
    # Just apart, both fit: 20:00 + 115 minutes is 21:55.
    shows = app.schedule_series(
        owner,
        movie_id=film.id,
        screen_id=screen.id,
        first_day=date(2030, 2, 1),
        last_day=date(2030, 2, 1),
        times=[time(21, 55), time(20, 0)],
    )
    assert [s.timing for s in shows] == [
        datetime(2030, 2, 1, 19, 0, tzinfo=UTC),
        datetime(2030, 2, 1, 20, 55, tzinfo=UTC),
    ]


def test_a_series_schedules_at_most_a_thousand_shows(
    app: Boxoffice, owner: Actor, screen: Screen
) -> None:
    short = app.add_movie(owner, title="Short", genre="doc", duration=10)
    first = date(2030, 2, 1)

    def series(last: date) -> list[Show]:
        return app.schedule_series(
            owner,
            movie_id=short.id,
            screen_id=screen.id,
            first_day=first,
            last_day=last,
            times=[time(10, 0), time(20, 0)],
        )

    # 501 days of two shows.
    with pytest.raises(ValidationError):
        series(first + timedelta(days=500))
    assert everything_on(app, screen) == []
    shows = series(first + timedelta(days=499))
    assert len(shows) == 1000
    assert len({s.id for s in shows}) == 1000


def test_a_series_is_checked_before_anything_is_scheduled(
    app: Boxoffice, owner: Actor, screen: Screen, film: Movie
) -> None:
    def series(**changes: object) -> list[Show]:
        asked: dict[str, object] = {
            "movie_id": film.id,
            "screen_id": screen.id,
            "first_day": date(2030, 2, 1),
            "last_day": date(2030, 2, 3),
            "times": [time(20, 30)],
        }
        return app.schedule_series(owner, **{**asked, **changes})  # type: ignore[arg-type]

    for changes in [
        {"last_day": date(2030, 1, 31)},
        {"times": []},
        {"times": [time(20, 30), time(20, 30)]},
        {"weekdays": [0]},
        {"weekdays": [1, 1]},
        # 1-3 February 2030 is Friday to Sunday.
        {"weekdays": [1, 2]},
        # The first show would be in the past: the clock reads 1 January 2030, 13:00 in Berlin.
        {"first_day": date(2030, 1, 1), "times": [time(12, 0)]},
        {"first_day": datetime(2030, 2, 1, tzinfo=UTC)},
    ]:
        with pytest.raises(ValidationError):
            series(**changes)
    with pytest.raises(NotFound):
        series(movie_id=film.id + 1000)
    with pytest.raises(NotFound):
        series(screen_id=screen.id + 1000)
    assert everything_on(app, screen) == []
    # A minute after the clock, on Tuesday 1 January 2030, is not too early.
    soon = series(first_day=date(2030, 1, 1), last_day=date(2030, 1, 7), times=[time(13, 1)])
    assert [s.timing for s in soon] == [
        START + timedelta(minutes=1) + timedelta(days=n) for n in range(7)
    ]


# --- moving and resizing ----------------------------------------------------------------


def test_moving_into_a_taken_window_changes_nothing(
    app: Boxoffice, owner: Actor, screen: Screen, film: Movie
) -> None:
    first = on(app, owner, screen, film, T)
    second = on(app, owner, screen, film, T + 2 * WINDOW)
    with pytest.raises(ScheduleConflict) as refused:
        app.update_show(owner, second.id, timing=T + timedelta(minutes=30))
    assert [c.in_the_way for c in refused.value.conflicts] == [first.id]
    assert everything_on(app, screen) == [first, second]
    # Moving within its own window, or right up to the gap's end, is free.
    nudged = app.update_show(owner, second.id, timing=T + 2 * WINDOW - timedelta(minutes=5))
    assert nudged.occupied_until == nudged.timing + WINDOW
    moved = app.update_show(owner, second.id, timing=T + WINDOW)
    assert (moved.timing, moved.ends_at, moved.occupied_until) == (
        T + WINDOW,
        T + WINDOW + timedelta(minutes=RUNNING),
        T + 2 * WINDOW,
    )
    assert app.get_show(second.id) == moved


def test_a_moved_show_keeps_its_bookings_and_frees_its_old_window(
    app: Boxoffice, owner: Actor, ada: Actor, screen: Screen, film: Movie, clock: FakeClock
) -> None:
    show = on(app, owner, screen, film, T)
    booking = app.book_seats(ada, show_id=show.id, seats=["B1", "B2"])
    hold = app.hold_seats(ada, show_id=show.id, seats=["A2"])
    later = T + timedelta(days=2)
    moved = app.update_show(owner, show.id, timing=later)
    assert (moved.timing, moved.available_seats, moved.held_seats) == (later, 4, 1)
    assert app.get_booking(ada, booking.id) == booking
    seats = app.get_seats(show.id).seats
    assert [str(seats[s]) for s in ("B1", "B2", "A2", "A3")] == ["booked", "booked", "held", "free"]
    assert app.confirm_hold(ada, hold.id).seats == ("A2",)
    # Its old window is free again.
    assert on(app, owner, screen, film, T).timing == T
    # The move is refused once the show has begun, and it stays where it is.
    clock.current = later
    with pytest.raises(ShowStarted):
        app.update_show(owner, show.id, timing=later + timedelta(days=1))


def test_a_show_in_the_past_or_not_given_anything_is_not_moved(
    app: Boxoffice, owner: Actor, screen: Screen, film: Movie
) -> None:
    show = on(app, owner, screen, film, T)
    with pytest.raises(ValidationError):
        app.update_show(owner, show.id, timing=START - timedelta(minutes=1))
    with pytest.raises(ValidationError):
        app.update_show(owner, show.id)
    with pytest.raises(NotFound):
        app.update_show(owner, show.id + 1000, timing=T + WINDOW)
    assert app.get_show(show.id) == show


def test_general_admission_capacity_grows_and_shrinks_down_to_what_is_sold(
    app: Boxoffice, owner: Actor, ada: Actor, screen: Screen, film: Movie, clock: FakeClock
) -> None:
    show = app.add_show(owner, movie_id=film.id, timing=T, available_seats=10)
    app.book_seats(ada, show_id=show.id, num_seats=3)
    app.hold_seats(ada, show_id=show.id, num_seats=1)
    with pytest.raises(CapacityBelowSold) as refused:
        app.update_show(owner, show.id, capacity=3)
    assert refused.value.taken == 4
    assert app.get_show(show.id).capacity == 10
    exact = app.update_show(owner, show.id, capacity=4)
    assert (exact.capacity, exact.available_seats, exact.held_seats) == (4, 0, 1)
    grown = app.update_show(owner, show.id, capacity=20)
    assert (grown.capacity, grown.available_seats) == (20, 16)
    assert app.get_show(show.id) == grown
    for capacity in (0, -1):
        with pytest.raises(ValidationError):
            app.update_show(owner, show.id, capacity=capacity)
    # Seats of a hold that lapsed are not taken any more.
    clock.advance(minutes=11)
    lapsed = app.update_show(owner, show.id, capacity=3)
    assert (lapsed.capacity, lapsed.available_seats, lapsed.held_seats) == (3, 0, 0)
    # A seated show's capacity is its map's.
    seated = on(app, owner, screen, film, T)
    with pytest.raises(ValidationError):
        app.update_show(owner, seated.id, capacity=3)
    assert app.get_show(seated.id) == seated


# --- cancelling a show ------------------------------------------------------------------


def test_cancelling_a_show_cancels_its_bookings_and_releases_its_holds(
    app: Boxoffice, owner: Actor, ada: Actor, screen: Screen, film: Movie, clock: FakeClock
) -> None:
    bob = sign_up(app, "bob@example.com")
    carl = sign_up(app, "carl@example.com")
    show = on(app, owner, screen, film, T)
    other = on(app, owner, screen, film, T + WINDOW)
    adas = app.book_seats(ada, show_id=show.id, seats=["B1", "B2"])
    bobs = app.book_seats(bob, show_id=show.id, num_seats=1)
    gone = app.cancel_booking(bob, app.book_seats(bob, show_id=show.id, num_seats=1).id)
    held = app.hold_seats(carl, show_id=show.id, seats=["A4"])
    unrelated = app.book_seats(ada, show_id=other.id, num_seats=2)
    clock.advance(minutes=1)
    events_before = len(app.list_audit_events(limit=500))

    cancelled = app.cancel_show(owner, show.id, client="192.0.2.9")

    assert cancelled.status is ShowStatus.CANCELLED
    assert (cancelled.available_seats, cancelled.held_seats) == (cancelled.capacity, 0)
    assert app.get_show(show.id) == cancelled
    assert set(map(str, app.get_seats(show.id).seats.values())) == {"free", "blocked"}
    for user, booking in [(ada, adas), (bob, bobs)]:
        now = app.get_booking(user, booking.id)
        assert (now.status, now.cancel_reason) == (
            BookingStatus.CANCELLED,
            CancelReason.SHOW_CANCELLED,
        )
        assert now.cancelled_at == clock.now()
    # Cancelled before by its user: it stays so, for its own reason.
    assert app.get_booking(bob, gone.id) == gone
    assert gone.cancel_reason is CancelReason.BY_USER
    assert app.get_hold(carl, held.id).status is HoldStatus.RELEASED
    # The other show is untouched.
    assert app.get_booking(ada, unrelated.id).is_active
    assert app.get_show(other.id).available_seats == 5
    events = list(app.list_audit_events(after=events_before, limit=500))
    assert sorted(
        (e.action, e.target, e.show_id, e.num_seats, e.actor_id, e.client) for e in events
    ) == sorted(
        [
            (
                AuditAction.BOOKING_CANCELLED,
                f"booking:{adas.id}",
                show.id,
                2,
                owner.id,
                "192.0.2.9",
            ),
            (
                AuditAction.BOOKING_CANCELLED,
                f"booking:{bobs.id}",
                show.id,
                1,
                owner.id,
                "192.0.2.9",
            ),
            (AuditAction.SHOW_CANCELLED, f"show:{show.id}", show.id, None, owner.id, "192.0.2.9"),
        ]
    )

    # Nothing more is sold, held or changed; cancelling again returns it and records nothing.
    with pytest.raises(ShowCancelled):
        app.book_seats(ada, show_id=show.id, num_seats=1)
    with pytest.raises(ShowCancelled):
        app.hold_seats(ada, show_id=show.id, seats=["A2"])
    with pytest.raises(ShowCancelled):
        app.update_show(owner, show.id, timing=T + timedelta(days=3))
    assert app.cancel_show(owner, show.id) == cancelled
    assert len(app.list_audit_events(after=events_before, limit=500)) == 3
    assert list(app.list_shows(screen_id=screen.id)) == [app.get_show(other.id)]
    assert list(app.list_shows(screen_id=screen.id, status=ShowStatus.CANCELLED)) == [cancelled]


def test_a_show_can_be_cancelled_until_it_ends(
    app: Boxoffice, owner: Actor, ada: Actor, screen: Screen, film: Movie, clock: FakeClock
) -> None:
    running = on(app, owner, screen, film, T)
    ended = on(app, owner, screen, film, T + WINDOW)
    booking = app.book_seats(ada, show_id=running.id, num_seats=2)
    clock.current = T + WINDOW + timedelta(minutes=RUNNING)
    with pytest.raises(ShowEnded):
        app.cancel_show(owner, ended.id)
    assert app.get_show(ended.id).status is ShowStatus.SCHEDULED
    with pytest.raises(ShowEnded):
        app.cancel_show(owner, running.id)
    clock.current = T + timedelta(minutes=RUNNING - 1)
    cancelled = app.cancel_show(owner, running.id)
    assert cancelled.available_seats == cancelled.capacity
    assert app.get_booking(ada, booking.id).cancel_reason is CancelReason.SHOW_CANCELLED


def test_a_general_admission_show_without_a_screen_is_cancelled_too(
    app: Boxoffice, owner: Actor, ada: Actor, film: Movie
) -> None:
    show = app.add_show(owner, movie_id=film.id, timing=T, available_seats=10)
    app.book_seats(ada, show_id=show.id, num_seats=3)
    app.hold_seats(ada, show_id=show.id, num_seats=2)
    cancelled = app.cancel_show(owner, show.id)
    assert (cancelled.available_seats, cancelled.held_seats, cancelled.capacity) == (10, 0, 10)
    assert [b.status for b in app.list_bookings(ada)] == [BookingStatus.CANCELLED]


# --- a movie's running time -------------------------------------------------------------


def test_a_longer_movie_lengthens_its_upcoming_shows_unless_one_would_overlap(
    app: Boxoffice, owner: Actor, screen: Screen, film: Movie, clock: FakeClock
) -> None:
    begun = on(app, owner, screen, film, START + timedelta(minutes=30))
    first = on(app, owner, screen, film, T)
    other_film = app.add_movie(owner, title="Nosferatu", genre="horror", duration=RUNNING)
    # 30 minutes of slack after `first`.
    next_one = on(app, owner, screen, other_film, T + WINDOW + timedelta(minutes=30))
    clock.advance(hours=1)

    longer = app.update_movie(owner, film.id, duration=RUNNING + 30)
    assert longer.duration == RUNNING + 30
    assert app.get_movie(film.id) == longer
    lengthened = app.get_show(first.id)
    assert lengthened.ends_at == T + timedelta(minutes=RUNNING + 30)
    assert lengthened.occupied_until == next_one.timing
    # A show that has begun keeps its running time; another movie's shows are not touched.
    assert app.get_show(begun.id) == begun
    assert app.get_show(next_one.id) == next_one

    with pytest.raises(ScheduleConflict) as refused:
        app.update_movie(owner, film.id, duration=RUNNING + 31, title="Metropolis (restored)")
    assert refused.value.conflicts == (Clash(next_one.id, show_id=first.id),)
    assert app.get_movie(film.id) == longer
    assert app.get_show(first.id) == lengthened

    # Shorter always fits; a title alone leaves the shows be.
    shorter = app.update_movie(owner, film.id, duration=60, title="Metropolis (cut)")
    assert (shorter.title, shorter.genre, shorter.duration) == ("Metropolis (cut)", "drama", 60)
    assert app.get_show(first.id).ends_at == T + timedelta(minutes=60)
    assert app.get_show(first.id).occupied_until == T + timedelta(minutes=60 + GAP)
    renamed = app.update_movie(owner, film.id, genre="silent")
    assert (renamed.title, renamed.genre, renamed.duration) == ("Metropolis (cut)", "silent", 60)
    assert app.get_show(first.id).ends_at == T + timedelta(minutes=60)


def test_a_new_running_time_applies_to_shows_on_no_screen_too(
    app: Boxoffice, owner: Actor, film: Movie
) -> None:
    show = app.add_show(owner, movie_id=film.id, timing=T, available_seats=10)
    # Shows on no screen have no window: any length fits.
    other = app.add_show(
        owner, movie_id=film.id, timing=T + timedelta(minutes=5), available_seats=3
    )
    app.update_movie(owner, film.id, duration=RUNNING * 3)
    for before in (show, other):
        after = app.get_show(before.id)
        assert after.ends_at == before.timing + timedelta(minutes=RUNNING * 3)
        assert after.occupied_until is None
        assert (after.timing, after.available_seats) == (before.timing, before.available_seats)


def test_a_cancelled_show_is_not_lengthened_and_is_in_nobodys_way(
    app: Boxoffice, owner: Actor, screen: Screen, film: Movie
) -> None:
    first = on(app, owner, screen, film, T)
    app.cancel_show(owner, first.id)
    other_film = app.add_movie(owner, title="Nosferatu", genre="horror", duration=RUNNING)
    taking = on(app, owner, screen, other_film, T + timedelta(minutes=30))
    app.update_movie(owner, film.id, duration=RUNNING * 2)
    assert app.get_show(first.id).ends_at == T + timedelta(minutes=RUNNING)
    assert app.get_show(taking.id) == taking


def test_update_movie_checks_what_it_is_given(app: Boxoffice, owner: Actor, film: Movie) -> None:
    for changes in [{}, {"duration": 0}, {"title": ""}, {"genre": " " * 3}]:
        with pytest.raises(ValidationError):
            app.update_movie(owner, film.id, **changes)  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        app.update_movie(owner, film.id + 1000, title="Nothing")
    assert app.get_movie(film.id) == film


# --- listing shows ----------------------------------------------------------------------


def test_paging_by_time_visits_every_show_once_equal_timings_by_id(
    app: Boxoffice, owner: Actor, cinema: Cinema, screen: Screen, film: Movie
) -> None:
    two = app.add_screen(owner, cinema.id, name="Saal 2", layout=LAYOUT)
    elsewhere = app.add_cinema(owner, name="Odeon", time_zone="UTC", currency="EUR", gap_minutes=0)
    three = app.add_screen(owner, elsewhere.id, name="One", layout=LAYOUT)
    other_film = app.add_movie(owner, title="Nosferatu", genre="horror", duration=RUNNING)
    shows = []
    # Added latest first, so id order and time order differ; each timing on several screens.
    for hours in (20, 10, 0):
        timing = T + timedelta(hours=hours)
        shows += [
            on(app, owner, two, film, timing),
            on(app, owner, screen, other_film, timing),
            on(app, owner, three, film, timing),
        ]
    dropped = on(app, owner, screen, film, T + timedelta(hours=5))
    app.cancel_show(owner, dropped.id)
    expected = sorted(shows, key=lambda s: (s.timing, s.id))

    for size in (1, 2, 4, 9):
        seen: list[Show] = []
        page = app.list_shows(starts_from=T, limit=size)
        seen += page
        while page.next_after is not None:
            assert page.next_timing == page[-1].timing
            page = app.list_shows(
                starts_from=T, after=page.next_after, after_timing=page.next_timing, limit=size
            )
            seen += page
        assert seen == expected, size

    # Each filter alone, and together.
    def ids(**filters: object) -> list[int]:
        return [s.id for s in app.list_shows(starts_from=START, limit=100, **filters)]  # type: ignore[arg-type]

    assert ids(cinema_id=cinema.id) == [s.id for s in expected if s.cinema_id == cinema.id]
    assert ids(screen_id=two.id) == [s.id for s in expected if s.screen_id == two.id]
    assert ids(movie_id=other_film.id) == [s.id for s in expected if s.movie_id == other_film.id]
    assert ids(cinema_id=cinema.id, movie_id=film.id) == [
        s.id for s in expected if s.cinema_id == cinema.id and s.movie_id == film.id
    ]
    assert ids(starts_before=T + timedelta(hours=10)) == [s.id for s in expected[:3]]
    assert ids(starts_before=T + timedelta(hours=10, seconds=1)) == [s.id for s in expected[:6]]
    assert ids(status=None) == [
        s.id for s in sorted([*shows, dropped], key=lambda s: (s.timing, s.id))
    ]
    assert ids(status=ShowStatus.CANCELLED) == [dropped.id]
    assert ids(status="cancelled") == [dropped.id]
    # Without a time bound the order is by id.
    assert [s.id for s in app.list_shows(limit=100)] == sorted(s.id for s in shows)
    for bad in [
        {"status": "gone"},
        {"after_timing": T},
        {"starts_from": T, "after": shows[0].id},
        {"starts_from": datetime(2030, 1, 2)},
    ]:
        with pytest.raises(ValidationError):
            app.list_shows(**bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("day", "inside", "outside"),
    [
        # 31 March 2030 in Berlin lasts 23 hours: 23:00 UTC the day before to 22:00 UTC.
        (
            date(2030, 3, 31),
            [datetime(2030, 3, 30, 23, 0), datetime(2030, 3, 31, 21, 59)],
            [datetime(2030, 3, 30, 22, 59), datetime(2030, 3, 31, 22, 0)],
        ),
        # 27 October 2030 lasts 25 hours: 22:00 UTC the day before to 23:00 UTC.
        (
            date(2030, 10, 27),
            [datetime(2030, 10, 26, 22, 0), datetime(2030, 10, 27, 22, 59)],
            [datetime(2030, 10, 26, 21, 59), datetime(2030, 10, 27, 23, 0)],
        ),
    ],
)
def test_a_day_is_the_cinemas_local_day_of_23_or_25_hours(
    app: Boxoffice,
    owner: Actor,
    cinema: Cinema,
    day: date,
    inside: list[datetime],
    outside: list[datetime],
) -> None:
    short = app.add_movie(owner, title="Short", genre="doc", duration=1)
    screens = [app.add_screen(owner, cinema.id, name=f"S{n}", layout=LAYOUT) for n in range(4)]
    timings = [t.replace(tzinfo=UTC) for t in [*inside, *outside]]
    shows = [on(app, owner, s, short, timing) for s, timing in zip(screens, timings, strict=True)]
    listed = app.list_shows(cinema_id=cinema.id, day=day)
    assert [s.id for s in listed] == [s.id for s in shows[:2]]
    assert listed.next_after is None
    elsewhere = app.add_cinema(owner, name="Odeon", time_zone="UTC", currency="EUR", gap_minutes=0)
    assert list(app.list_shows(cinema_id=elsewhere.id, day=day)) == []
    with pytest.raises(ValidationError):
        app.list_shows(day=day)
    with pytest.raises(ValidationError):
        app.list_shows(cinema_id=cinema.id, day=day, starts_from=timings[0])
    with pytest.raises(NotFound):
        app.list_shows(cinema_id=elsewhere.id + 1000, day=day)


def test_a_cancelled_or_begun_show_is_refused_as_such_even_into_a_taken_window(
    app: Boxoffice, owner: Actor, screen: Screen, film: Movie, clock: FakeClock
) -> None:
    begun = on(app, owner, screen, film, START + timedelta(minutes=5))
    dropped = on(app, owner, screen, film, T)
    taking = on(app, owner, screen, film, T + 2 * WINDOW)
    app.cancel_show(owner, dropped.id)
    with pytest.raises(ShowCancelled):
        app.update_show(owner, dropped.id, timing=taking.timing)
    clock.advance(minutes=10)
    with pytest.raises(ShowStarted):
        app.update_show(owner, begun.id, timing=taking.timing)
    assert everything_on(app, screen) == [begun, app.get_show(dropped.id), taking]


def test_a_series_on_some_weekdays_counts_every_one_of_its_days(
    app: Boxoffice, owner: Actor, screen: Screen, film: Movie
) -> None:
    def mondays(last_day: date) -> list[Show]:
        return app.schedule_series(
            owner,
            movie_id=film.id,
            screen_id=screen.id,
            first_day=date(2030, 2, 4),
            last_day=last_day,
            times=[time(20, 30)],
            weekdays=[1],
        )

    # 1,014 Mondays in 7,092 days: too many, though each week has one show only.
    with pytest.raises(ValidationError):
        mondays(date(2030, 2, 4) + timedelta(days=7091))
    assert everything_on(app, screen) == []
    # 172 Mondays in 1,201 days: all of them, the last one included.
    shows = mondays(date(2030, 2, 4) + timedelta(days=1200))
    assert len(shows) == 172
    assert shows[-1].timing == berlin(date(2033, 5, 16), time(20, 30))
    assert {s.timing.astimezone(ZoneInfo("Europe/Berlin")).isoweekday() for s in shows} == {1}


def test_a_time_that_happens_twice_is_its_first_occurrence(
    app: Boxoffice, owner: Actor, screen: Screen, film: Movie
) -> None:
    (show,) = app.schedule_series(
        owner,
        movie_id=film.id,
        screen_id=screen.id,
        first_day=date(2030, 10, 27),
        last_day=date(2030, 10, 27),
        times=[time(2, 30)],
    )
    # 02:30 CEST, before the clocks go back to 02:00 at 03:00.
    assert show.timing == datetime(2030, 10, 27, 0, 30, tzinfo=UTC)


def test_a_general_admission_hall_schedules_shows_of_its_capacity(
    app: Boxoffice, owner: Actor, ada: Actor, cinema: Cinema, film: Movie
) -> None:
    hall = app.add_screen(owner, cinema.id, name="Lawn", capacity=120)
    show = app.add_show(owner, movie_id=film.id, screen_id=hall.id, timing=T)
    booking = app.book_seats(ada, show_id=show.id, num_seats=3)

    assert (app.get_screen(hall.id).layout, app.get_screen(hall.id).capacity) == (None, 120)
    assert (show.seat_map, show.capacity, show.occupied_until) == (None, 120, T + WINDOW)
    assert booking.seats == ()
    assert app.get_show(show.id).available_seats == 117
    with pytest.raises(ScheduleConflict):
        app.add_show(owner, movie_id=film.id, screen_id=hall.id, timing=T + WINDOW / 2)


def test_a_hall_is_given_a_layout_or_a_capacity_that_agrees_with_it(
    app: Boxoffice, owner: Actor, cinema: Cinema
) -> None:
    with pytest.raises(ValidationError, match="layout"):
        app.add_screen(owner, cinema.id, name="Nothing")
    with pytest.raises(ValidationError, match="capacity"):
        app.add_screen(owner, cinema.id, name="Both", layout=LAYOUT, capacity=LAYOUT.capacity + 1)
    both = app.add_screen(owner, cinema.id, name="Both", layout=LAYOUT, capacity=LAYOUT.capacity)
    relaid = app.update_screen(owner, both.id, capacity=40)

    assert (relaid.layout, relaid.capacity) == (None, 40)
    assert app.get_screen(both.id) == relaid


def test_the_calendars_last_day_is_refused_by_name(
    app: Boxoffice, owner: Actor, cinema: Cinema
) -> None:
    # Its midnight after lies beyond the calendar wherever the cinema is.
    with pytest.raises(ValidationError) as refused:
        app.list_shows(cinema_id=cinema.id, day=date.max)
    assert refused.value.field == "date"


def test_the_calendars_first_day_west_of_utc_lists_nothing(app: Boxoffice, owner: Actor) -> None:
    west = app.add_cinema(owner, name="Ritz", time_zone="America/New_York", currency="USD")
    assert list(app.list_shows(cinema_id=west.id, day=date.min)) == []
