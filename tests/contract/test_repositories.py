"""Repositories: what goes in comes back out, looked up and paged the same way on every adapter."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import attrs
import pytest

from boxoffice.domain.errors import EmailTaken
from boxoffice.domain.inventory import SeatRequest, settled_shows
from boxoffice.domain.model import UNSAVED, BookingStatus, Hold, HoldStatus, Role
from boxoffice.domain.ports import UnitOfWork, UnitOfWorkFactory
from boxoffice.domain.queries import ShowCursor, ShowQuery
from boxoffice.domain.seating import SeatingChart, SeatState
from tests.contract import builders
from tests.fakes import START


def test_a_user_round_trips(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        owner = uow.users.add(builders.user("Owner@Example.com", Role.OWNER))
        uow.commit()
    with uow_factory(read_only=True) as uow:
        assert uow.users.get(owner.id) == owner
        assert uow.users.get(owner.id + 1000) is None


def test_users_are_found_by_email_whatever_its_case(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        ada = uow.users.add(builders.user("Ada.Lovelace@Example.com"))
        uow.commit()
    with uow_factory(read_only=True) as uow:
        assert uow.users.get_by_email("ada.lovelace@example.COM") == ada
        assert uow.users.get_by_email("ada@example.com") is None


def test_an_email_taken_in_another_case_is_refused(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        uow.users.add(builders.user("ada@example.com"))
        uow.commit()
    with pytest.raises(EmailTaken), uow_factory() as uow:
        uow.users.add(builders.user("ADA@example.com"))


def test_an_email_added_twice_in_one_unit_of_work_is_refused(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        uow.users.add(builders.user("ada@example.com"))
        with pytest.raises(EmailTaken):
            uow.users.add(builders.user("Ada@example.com"))
    with uow_factory(read_only=True) as uow:
        assert uow.users.get_by_email("ada@example.com") is None


def test_movies_page_in_id_order_after_a_cursor(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        films = [uow.movies.add(builders.movie(f"Film {n}")) for n in range(5)]
        uow.commit()
    with uow_factory(read_only=True) as uow:
        assert uow.movies.get(films[2].id) == films[2]
        assert uow.movies.list(after=None, limit=2) == films[:2]
        assert uow.movies.list(after=films[1].id, limit=2) == films[2:4]
        assert uow.movies.list(after=films[3].id, limit=10) == films[4:]
        assert uow.movies.list(after=films[4].id, limit=10) == []


TRICKY_TITLES = [
    'Say "cheese"',
    "back\\slash",
    "two\nlines\tand a tab",
    "Amélie, 千と千尋の神隠し 🎬",
    "[1, 2]",
    "null",
    "\u2028 line separator",
    " ",
]


def test_listed_text_and_order_survive_whatever_the_rows_hold(
    uow_factory: UnitOfWorkFactory,
) -> None:
    # SQLite returns a page as one JSON array (adapters/sqlalchemy/compiled.py): what would
    # need escaping, or looks like JSON, must come back as it went in, and in id order.
    with uow_factory() as uow:
        films = [uow.movies.add(builders.movie(title)) for title in TRICKY_TITLES * 30]
        uow.commit()
    with uow_factory(read_only=True) as uow:
        assert uow.movies.list(after=None, limit=len(films)) == films
        assert uow.movies.list(after=films[99].id, limit=100) == films[100:200]


def test_shows_page_by_movie_or_all_together(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        owner = uow.users.add(builders.user("owner@example.com", Role.OWNER))
        first, second = uow.movies.add(builders.movie("A")), uow.movies.add(builders.movie("B"))
        shows = [uow.shows.add(builders.show(film.id, owner.id)) for film in (first, second, first)]
        uow.commit()
    with uow_factory(read_only=True) as uow:
        assert uow.shows.list(ShowQuery(), after=None, limit=10) == shows
        assert uow.shows.list(ShowQuery(movie_id=first.id), after=None, limit=10) == [
            shows[0],
            shows[2],
        ]
        assert uow.shows.list(
            ShowQuery(movie_id=first.id), after=ShowCursor(shows[0].id), limit=10
        ) == [shows[2]]
        assert uow.shows.list(ShowQuery(movie_id=second.id), after=None, limit=1) == [shows[1]]
        assert uow.shows.list(ShowQuery(movie_id=first.id + second.id), after=None, limit=10) == []


def test_a_show_keeps_its_instant_and_time_zone_awareness(uow_factory: UnitOfWorkFactory) -> None:
    berlin_evening = datetime(2030, 6, 1, 20, 15, 30, 123456, tzinfo=timezone(timedelta(hours=2)))
    with uow_factory() as uow:
        owner = uow.users.add(builders.user("owner@example.com", Role.OWNER))
        film = uow.movies.add(builders.movie())
        show = uow.shows.add(builders.show(film.id, owner.id, timing=berlin_evening))
        uow.commit()
    with uow_factory(read_only=True) as uow:
        stored = uow.shows.get(show.id)
    assert stored is not None
    assert stored.timing == berlin_evening
    assert stored.timing.utcoffset() is not None


def _hold_on(
    uow: UnitOfWork,
    show_id: int,
    user_id: int,
    request: SeatRequest,
    *,
    at: datetime = START,
    expires_at: datetime | None = None,
) -> Hold:
    """A hold added the only way holds are added: through the show's locked inventory."""
    hold_id = uow.holds.next_id()
    inventory = uow.inventories.lock(show_id)
    assert inventory is not None
    ttl = (expires_at or at + timedelta(minutes=10)) - at
    hold = inventory.hold(hold_id, user_id, request, at, ttl)
    uow.inventories.save(inventory)
    return hold


def test_a_show_listed_again_after_it_changed_is_listed_as_it_is_now(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        _, show = builders.stored_show(uow, seats=10)
        ada = uow.users.add(builders.user())
        uow.commit()
    for _ in range(2):
        with uow_factory(read_only=True) as uow:
            assert uow.shows.list(ShowQuery(), after=None, limit=10) == [show]
    with uow_factory() as uow:
        _hold_on(uow, show.id, ada.id, SeatRequest(3))
        uow.commit()
    changed = show.hold(3)
    with uow_factory(read_only=True) as uow:
        assert uow.shows.list(ShowQuery(), after=None, limit=10) == [changed]
        assert uow.shows.list(ShowQuery(movie_id=show.movie_id), after=None, limit=10) == [changed]
        assert uow.shows.get(show.id) == changed


def test_an_inventory_saved_under_lock_keeps_its_new_seat_count(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        _, show = builders.stored_show(uow, seats=10)
        ada = uow.users.add(builders.user())
        uow.commit()
    with uow_factory() as uow:
        booking_id = uow.bookings.next_id()
        locked = uow.inventories.lock(show.id)
        assert locked is not None
        assert (locked.show, locked.chart, locked.changed_holds()) == (show, None, [])
        booking = locked.book(booking_id, ada.id, SeatRequest(4), START)
        uow.bookings.add(booking)
        uow.inventories.save(locked)
        uow.commit()
    assert (booking.id, booking.num_seats, booking.seats) == (booking_id, 4, ())
    with uow_factory(read_only=True) as uow:
        assert uow.shows.get(show.id) == show.reserve(4)
        read = uow.inventories.get(show.id)
        assert read is not None
        assert read.show == show.reserve(4)
        assert uow.bookings.get(booking_id) == booking
        assert uow.inventories.get(show.id + 1000) is None
    with uow_factory() as uow:
        assert uow.inventories.lock(show.id + 1000) is None


def test_an_inventory_left_unsaved_changes_nothing(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        _, show = builders.stored_show(uow, seats=10)
        ada = uow.users.add(builders.user())
        uow.commit()
    with uow_factory() as uow:
        locked = uow.inventories.lock(show.id)
        assert locked is not None
        locked.hold(uow.holds.next_id(), ada.id, SeatRequest(4), START, timedelta(minutes=1))
        uow.commit()
    with uow_factory(read_only=True) as uow:
        assert uow.shows.get(show.id) == show
        assert uow.holds.active_on([show.id]) == []


def test_a_seated_show_starts_free_and_its_chart_and_holds_are_saved_with_it(
    uow_factory: UnitOfWorkFactory,
) -> None:
    plan = builders.seat_map([("A", 3), ("B", 4)], blocked=["A1"])
    with uow_factory() as uow:
        owner = uow.users.add(builders.user("owner@example.com", Role.OWNER))
        ada = uow.users.add(builders.user("ada@example.com"))
        bob = uow.users.add(builders.user("bob@example.com"))
        film = uow.movies.add(builders.movie())
        show = uow.shows.add(attrs.evolve(builders.show(film.id, owner.id, 6), seat_map=plan))
        uow.commit()
    assert show.seat_map == plan
    with uow_factory(read_only=True) as uow:
        fresh = uow.inventories.get(show.id)
        assert fresh is not None
        assert fresh.show == show
        assert fresh.chart == SeatingChart.empty(plan)
        assert fresh.chart.state("A1") is SeatState.BLOCKED
        assert fresh.chart.free_count == 6
    with uow_factory() as uow:
        booking_id = uow.bookings.next_id()
        locked = uow.inventories.lock(show.id)
        assert locked is not None
        booking = locked.book(booking_id, bob.id, SeatRequest(2, ("B1", "B2")), START)
        uow.bookings.add(booking)
        uow.inventories.save(locked)
        hold = _hold_on(uow, show.id, ada.id, SeatRequest(1, ("A2",)))
        uow.commit()
    assert (booking.seats, hold.seats) == (("B1", "B2"), ("A2",))
    with uow_factory(read_only=True) as uow:
        stored = uow.inventories.get(show.id)
        assert stored is not None
        assert stored.show == show.reserve(2).hold(1)
        assert stored.chart is not None
        assert [stored.chart.state(s) for s in ("A1", "A2", "A3", "B1", "B2", "B3")] == [
            SeatState.BLOCKED,
            SeatState.HELD,
            SeatState.FREE,
            SeatState.BOOKED,
            SeatState.BOOKED,
            SeatState.FREE,
        ]
        assert stored.knows_hold(hold.id)
        assert uow.holds.get(hold.id) == hold
        assert uow.holds.active_on([show.id]) == [hold]
        assert uow.bookings.get(booking.id) == booking
    # A hold's change of status is saved with the inventory, its seats freed in the chart.
    with uow_factory() as uow:
        locked = uow.inventories.lock(show.id)
        assert locked is not None
        released = locked.release(hold.id, START + timedelta(minutes=1))
        assert locked.changed_holds() == [released]
        uow.inventories.save(locked)
        uow.commit()
    with uow_factory(read_only=True) as uow:
        assert uow.holds.get(hold.id) == released
        assert released.status is HoldStatus.RELEASED
        assert uow.holds.active_on([show.id]) == []
        stored = uow.inventories.get(show.id)
        assert stored is not None
        assert stored.show == show.reserve(2)
        assert stored.chart is not None
        assert stored.chart.state("A2") is SeatState.FREE
        assert not stored.knows_hold(hold.id)


def test_a_confirmed_hold_names_its_booking(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        _, show = builders.stored_show(uow, seats=10)
        ada = uow.users.add(builders.user())
        hold = _hold_on(uow, show.id, ada.id, SeatRequest(3))
        uow.commit()
    with uow_factory() as uow:
        booking_id = uow.bookings.next_id()
        locked = uow.inventories.lock(show.id)
        assert locked is not None
        booking = locked.confirm(hold.id, booking_id, START + timedelta(minutes=1))
        uow.bookings.add(booking)
        uow.inventories.save(locked)
        uow.commit()
    with uow_factory(read_only=True) as uow:
        stored = uow.holds.get(hold.id)
        assert stored is not None
        assert (stored.status, stored.booking_id) == (HoldStatus.CONFIRMED, booking_id)
        assert uow.bookings.get(booking_id) == booking
        assert booking.num_seats == 3
        assert uow.shows.get(show.id) == show.reserve(3)
        assert uow.holds.get(hold.id + 1000) is None


def test_a_booking_round_trips_and_its_cancellation_is_saved(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        _, show = builders.stored_show(uow)
        ada = uow.users.add(builders.user())
        booking = builders.add_booking(uow, ada.id, show.id, seats=3)
        uow.commit()
    assert booking.id != UNSAVED
    cancelled = booking.cancel(START + timedelta(minutes=5))
    with uow_factory() as uow:
        assert uow.bookings.get(booking.id) == booking
        uow.bookings.save(cancelled)
        uow.commit()
    with uow_factory(read_only=True) as uow:
        stored = uow.bookings.get(booking.id)
        assert stored == cancelled
        assert stored is not None
        assert stored.status is BookingStatus.CANCELLED
        assert uow.bookings.get(booking.id + 1000) is None


def test_booking_ids_from_next_id_increase(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        _, show = builders.stored_show(uow)
        ada = uow.users.add(builders.user())
        first = builders.add_booking(uow, ada.id, show.id, seats=1)
        second = builders.add_booking(uow, ada.id, show.id, seats=1)
        uow.commit()
    with uow_factory() as uow:
        third = builders.add_booking(uow, ada.id, show.id, seats=1)
        uow.commit()
    assert 0 < first.id < second.id < third.id
    with uow_factory(read_only=True) as uow:
        assert uow.bookings.list_for_show(show.id, after=None, limit=10) == [first, second, third]


def test_a_users_bookings_page_in_id_order_without_anyone_elses(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        _, show = builders.stored_show(uow)
        ada = uow.users.add(builders.user("ada@example.com"))
        bob = uow.users.add(builders.user("bob@example.com"))
        mine = []
        for _ in range(3):
            mine.append(builders.add_booking(uow, ada.id, show.id, seats=1))
            builders.add_booking(uow, bob.id, show.id, seats=1)
        uow.commit()
    with uow_factory(read_only=True) as uow:
        assert uow.bookings.list_for_user(ada.id, after=None, limit=10) == mine
        assert uow.bookings.list_for_user(ada.id, after=mine[0].id, limit=1) == [mine[1]]
        assert uow.bookings.list_for_user(ada.id, after=mine[2].id, limit=10) == []


@pytest.mark.parametrize("asked", [1, 2, 3, 5, 8])
def test_lapsed_seats_are_settled_for_the_shows_asked_only(
    uow_factory: UnitOfWorkFactory, asked: int
) -> None:
    now = START + timedelta(hours=1)
    with uow_factory() as uow:
        owner = uow.users.add(builders.user("owner@example.com", Role.OWNER))
        late = uow.users.add(builders.user("late@example.com"))
        paying = uow.users.add(builders.user("paying@example.com"))
        film = uow.movies.add(builders.movie())
        shows = [uow.shows.add(builders.show(film.id, owner.id, seats=20)) for _ in range(9)]
        holds = []
        for n, show in enumerate(shows):
            # Show n: n + 1 seats in a lapsed hold, and 7 in a live one that must not count.
            for user, seats, expires_at in (
                (late, n + 1, now - timedelta(seconds=1)),
                (paying, 7, now + timedelta(minutes=5)),
            ):
                holds.append(
                    _hold_on(uow, show.id, user.id, SeatRequest(seats), expires_at=expires_at)
                )
        uow.commit()
    # Every other show, so the ids asked are not a range.
    wanted = [show.id for show in shows[::2]][:asked]
    with uow_factory(read_only=True) as uow:
        active = uow.holds.active_on(wanted)
        stored = [uow.shows.get(show_id) for show_id in wanted]
        inventories = [uow.inventories.get(show_id) for show_id in wanted]
    # Lapsed or not, every active hold of the shows asked, and no other show's.
    assert sorted(active, key=lambda h: h.id) == [h for h in holds if h.show_id in wanted]
    assert all(hold.status is HoldStatus.ACTIVE for hold in active)
    assert [show.held_seats for show in stored if show is not None] == [
        n + 1 + 7 for n, show in enumerate(shows) if show.id in wanted
    ]
    settled = settled_shows([show for show in stored if show is not None], active, now)
    expected = {show.id: 20 - 7 for show in shows if show.id in wanted}
    assert {show.id: show.available_seats for show in settled} == expected
    assert all(show.held_seats == 7 for show in settled)
    # A reader's inventory settles the same way, and only the lapsed holds expire.
    for inventory in inventories:
        assert inventory is not None
        inventory.settle(now)
        assert inventory.show.available_seats == expected[inventory.show.id]
        assert inventory.show.held_seats == 7
        expired = inventory.changed_holds()
        assert [(h.user_id, h.status) for h in expired] == [(late.id, HoldStatus.EXPIRED)]
    # Nothing a reader settled was saved.
    with uow_factory(read_only=True) as uow:
        assert uow.holds.active_on(wanted) == active


def test_a_user_whose_hold_lapsed_holds_again_in_one_save(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        _, show = builders.stored_show(uow, seats=10)
        ada = uow.users.add(builders.user())
        first = _hold_on(uow, show.id, ada.id, SeatRequest(2))
        uow.commit()
    later = first.expires_at + timedelta(seconds=1)
    with uow_factory() as uow:
        hold_id = uow.holds.next_id()
        locked = uow.inventories.lock(show.id)
        assert locked is not None
        locked.settle(later)
        second = locked.hold(hold_id, ada.id, SeatRequest(3), later, timedelta(minutes=10))
        # The expired hold and the new one are written together.
        uow.inventories.save(locked)
        uow.commit()
    with uow_factory(read_only=True) as uow:
        expired = uow.holds.get(first.id)
        assert expired is not None
        assert expired.status is HoldStatus.EXPIRED
        assert uow.holds.active_on([show.id]) == [second]
        assert uow.shows.get(show.id) == show.hold(3)


def test_an_inventory_saved_again_writes_only_what_changed_since(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        _, show = builders.stored_show(uow, seats=10)
        ada = uow.users.add(builders.user("ada@example.com"))
        bob = uow.users.add(builders.user("bob@example.com"))
        uow.commit()
    ttl = timedelta(minutes=10)
    with uow_factory() as uow:
        locked = uow.inventories.lock(show.id)
        assert locked is not None
        first = locked.hold(uow.holds.next_id(), ada.id, SeatRequest(2), START, ttl)
        uow.inventories.save(locked)
        assert (locked.added_holds(), locked.changed_holds()) == ([], [])
        second = locked.hold(uow.holds.next_id(), bob.id, SeatRequest(3), START, ttl)
        # Only Bob's hold is new: Ada's is not written a second time.
        uow.inventories.save(locked)
        uow.commit()
    with uow_factory(read_only=True) as uow:
        assert uow.holds.active_on([show.id]) == [first, second]
        assert uow.shows.get(show.id) == show.hold(2).hold(3)
