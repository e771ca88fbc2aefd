"""The schedule: shows on screens, series of them, moves, resizes, cancellations and changes
of a movie's running time.

No two scheduled shows overlap on a screen. Every change of a screen's schedule holds the
screen's lock while it reads what is scheduled and writes its change, so concurrent owners
decide in turn; the database refuses an overlap besides (its last line of defence). Locks are
taken in one order, movie, then screens by id, then shows by id, so no two changes wait on
each other.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time

import attrs

from boxoffice.domain import rules
from boxoffice.domain.acting import Ports, acting, save, settle
from boxoffice.domain.audit import booking_event, show_event
from boxoffice.domain.errors import Clash, NotFound, ScheduleConflict, ValidationError
from boxoffice.domain.model import (
    UNSAVED,
    Actor,
    AuditAction,
    Booking,
    Cinema,
    Movie,
    Price,
    Role,
    Screen,
    Show,
    WebhookEvent,
)
from boxoffice.domain.outbox import publish
from boxoffice.domain.ports import UnitOfWork
from boxoffice.domain.pricing import require_prices
from boxoffice.domain.schedule import (
    ISO_WEEKDAYS,
    Window,
    in_the_way,
    series_clashes,
    series_slots,
)
from boxoffice.domain.seating import STANDARD_ZONE, SeatMap
from boxoffice.domain.venues import owned_screen, owned_show


def require_future(field: str, timing: object, now: datetime) -> datetime:
    aware = rules.require_aware_datetime(field, timing)
    if aware <= now:
        raise ValidationError(field, "must be in the future")
    return aware


def checked_prices(
    uow: UnitOfWork, cinema: Cinema, layout: SeatMap | None, prices: object
) -> tuple[Price, ...]:
    """A price list for a show of the cinema with this seat map (None: general admission)."""
    if prices is None:
        return ()
    types = [kind.code for kind in uow.ticket_types.of_cinema(cinema.id)]
    zones = [STANDARD_ZONE] if layout is None else layout.zone_names()
    return require_prices(prices, zones, types)


def show_on_screen(
    actor: Actor,
    screen: Screen,
    cinema: Cinema,
    movie: Movie,
    timing: datetime,
    prices: tuple[Price, ...] = (),
) -> Show:
    """A new show of the movie on the screen, with the screen's layout (or, general
    admission, its capacity) as it is now."""
    window = Window.of(timing, movie, cinema)
    seats = screen.capacity
    return Show(
        UNSAVED,
        movie.id,
        actor.id,
        timing,
        timing + movie.running_time,
        seats,
        seats,
        screen.layout,
        screen_id=screen.id,
        cinema_id=cinema.id,
        occupied_until=window.end,
        currency=cinema.currency,
        prices=prices,
    )


def schedule_on_screen(
    uow: UnitOfWork,
    actor: Actor,
    screen_id: int,
    movie: Movie,
    timing: datetime,
    prices: Sequence[Price] | None = None,
) -> Show:
    """Add a show on the actor's screen (which this locks), if its window is free."""
    screen, cinema = owned_screen(uow, actor, screen_id)
    priced = checked_prices(uow, cinema, screen.layout, prices)
    window = Window.of(timing, movie, cinema)
    clashes = in_the_way(window, uow.shows.on_screen(screen.id, window.start, window.end))
    if clashes:
        raise ScheduleConflict([Clash(show_id) for show_id in clashes])
    return uow.shows.add(show_on_screen(actor, screen, cinema, movie, timing, priced))


def _movie(uow: UnitOfWork, movie_id: int) -> Movie:
    movie = uow.movies.get(movie_id)
    if movie is None:
        raise NotFound("movie", movie_id)
    return movie


def _times(times: object) -> list[time]:
    if isinstance(times, str) or not isinstance(times, Sequence) or not times:
        raise ValidationError("times", 'must be a non-empty list of local times like "20:30"')
    checked = []
    for at in times:
        if not isinstance(at, time) or at.tzinfo is not None:
            raise ValidationError("times", "each must be a local time of day, without a zone")
        checked.append(at)
    if len(set(checked)) != len(checked):
        raise ValidationError("times", "must not name a time twice")
    return checked


def _weekdays(weekdays: object) -> list[int]:
    if isinstance(weekdays, str) or not isinstance(weekdays, Iterable):
        raise ValidationError("weekdays", "must be a list of ISO weekdays, 1 (Monday) to 7")
    days = [rules.require_int("weekdays", day, low=1, high=7) for day in weekdays]
    if not days or len(set(days)) != len(days):
        raise ValidationError("weekdays", "must name each weekday at most once, and one at least")
    return days


@attrs.frozen
class ScheduleSeries:
    """Shows of a movie on a screen at local wall-clock times on every chosen weekday
    between two days, all or nothing."""

    ports: Ports

    def __call__(
        self,
        actor: Actor,
        *,
        movie_id: int,
        screen_id: int,
        first_day: date,
        last_day: date,
        times: Sequence[time],
        weekdays: Iterable[int] = ISO_WEEKDAYS,
        prices: Sequence[Price] | None = None,
    ) -> list[Show]:
        movie_id = rules.require_id("movie_id", movie_id)
        screen_id = rules.require_id("screen_id", screen_id)
        first = rules.require_day("first_day", first_day)
        last = rules.require_day("last_day", last_day)
        at, days = _times(times), _weekdays(weekdays)
        with acting(self.ports, actor, Role.OWNER, "schedule shows") as uow:
            movie = _movie(uow, movie_id)
            screen, cinema = owned_screen(uow, actor, screen_id)
            priced = checked_prices(uow, cinema, screen.layout, prices)
            slots = series_slots(
                cinema, movie, first_day=first, last_day=last, times=at, weekdays=days
            )
            if not slots:
                raise ValidationError("weekdays", "no day of the series falls on them")
            past = [slot for slot in slots if slot.window.start <= self.ports.clock.now()]
            if past:
                raise ValidationError(
                    "first_day",
                    f"the show at {past[-1].time:%H:%M} on {past[-1].day.isoformat()} would "
                    "be in the past",
                )
            scheduled = uow.shows.on_screen(screen.id, slots[0].window.start, slots[-1].window.end)
            clashes = series_clashes(slots, scheduled)
            if clashes:
                raise ScheduleConflict(clashes)
            shows = [
                uow.shows.add(
                    show_on_screen(actor, screen, cinema, movie, slot.window.start, priced)
                )
                for slot in slots
            ]
            uow.commit()
        return shows


def _prices_of(uow: UnitOfWork, show: Show, prices: Sequence[Price]) -> tuple[Price, ...]:
    cinema = None if show.cinema_id is None else uow.cinemas.get(show.cinema_id)
    if cinema is None:
        raise ValidationError("prices", "only a show in a cinema has prices")
    return checked_prices(uow, cinema, show.seat_map, prices)


@attrs.frozen
class UpdateShow:
    """Move a show (it keeps its bookings; on a screen, into a free window only), or change a
    general-admission show's capacity. A show that has begun or was cancelled is not changed."""

    ports: Ports

    def __call__(
        self,
        actor: Actor,
        show_id: int,
        *,
        timing: datetime | None = None,
        capacity: int | None = None,
        prices: Sequence[Price] | None = None,
    ) -> Show:
        show_id = rules.require_id("show_id", show_id)
        if timing is None and capacity is None and prices is None:
            raise ValidationError("timing", "give timing, capacity or prices")
        now = self.ports.clock.now()
        if timing is not None:
            timing = require_future("timing", timing, now)
        if capacity is not None:
            most = self.ports.limits.max_show_capacity
            capacity = rules.require_int("capacity", capacity, low=1, high=most)
        with acting(self.ports, actor, Role.OWNER, "change shows") as uow:
            show = owned_show(uow, actor, show_id)
            # The screen's lock before the show's: the order every change takes them in.
            on = None if show.screen_id is None else owned_screen(uow, actor, show.screen_id)
            inventory = uow.inventories.lock(show_id)
            if inventory is None:
                raise NotFound("show", show_id)
            settle(self.ports, uow, inventory, now)
            # A show cancelled or begun is not moved, wherever to: refused as such before any
            # clash, which would send the owner looking for a free window in vain.
            inventory.require_open(now)
            if timing is not None:
                movie = _movie(uow, show.movie_id)
                occupied = None
                if on is not None:
                    window = Window.of(timing, movie, on[1])
                    scheduled = uow.shows.on_screen(on[0].id, window.start, window.end)
                    clashes = in_the_way(window, scheduled, moving=show_id)
                    if clashes:
                        raise ScheduleConflict([Clash(other) for other in clashes])
                    occupied = window.end
                inventory.reschedule(timing, timing + movie.running_time, occupied, now)
            if capacity is not None:
                inventory.resize(capacity, now)
            if prices is not None:
                inventory.reprice(_prices_of(uow, show, prices), now)
            save(self.ports, uow, inventory, now)
            if timing is not None:
                _rescheduled(self.ports, uow, inventory.show, now)
            uow.commit()
        return inventory.show


def _rescheduled(ports: Ports, uow: UnitOfWork, show: Show, now: datetime) -> None:
    publish(ports.presenter, uow, WebhookEvent.SHOW_RESCHEDULED, show, show, now)


@attrs.frozen
class CancelShow:
    """Cancel a show, until it ends: every active booking is cancelled (each an audit event)
    and every hold released, in one transaction. Cancelling it again changes nothing."""

    ports: Ports

    def __call__(self, actor: Actor, show_id: int, *, client: str | None = None) -> Show:
        show_id = rules.require_id("show_id", show_id)
        client = rules.require_client(client)
        with acting(self.ports, actor, Role.OWNER, "cancel shows") as uow:
            owned_show(uow, actor, show_id)
            now = self.ports.clock.now()
            inventory = uow.inventories.lock(show_id)
            if inventory is None:
                raise NotFound("show", show_id)
            if inventory.show.is_cancelled:
                return inventory.show
            # Not passed on to the waiting list: every entry expires with the show.
            inventory.settle(now)
            # Read under the show's lock: no booking of it can be added or cancelled meanwhile.
            cancelled = inventory.cancel(uow.bookings.active_for_show(show_id), now)
            presenter = self.ports.presenter
            for booking in cancelled:
                uow.bookings.save(booking)
                uow.audit.add(
                    booking_event(
                        AuditAction.BOOKING_CANCELLED, booking, client, now, actor_id=actor.id
                    )
                )
                publish(
                    presenter, uow, WebhookEvent.BOOKING_CANCELLED, inventory.show, booking, now
                )
            uow.audit.add(
                show_event(AuditAction.SHOW_CANCELLED, inventory.show, actor, client, now)
            )
            save(self.ports, uow, inventory, now)
            show = inventory.show
            publish(presenter, uow, WebhookEvent.SHOW_CANCELLED, show, show, now)
            uow.commit()
        self._tell(cancelled)
        return inventory.show

    def _tell(self, cancelled: Iterable[Booking]) -> None:
        for booking in cancelled:
            self.ports.events.cancelled(booking)


def _rerun(show: Show, movie: Movie) -> tuple[datetime, datetime | None]:
    """The show's end and screen window with the movie's running time, keeping the gap it was
    scheduled with."""
    ends_at = show.timing + movie.running_time
    if show.occupied_until is None:
        return ends_at, None
    return ends_at, show.occupied_until - show.ends_at + ends_at


@attrs.frozen
class UpdateMovie:
    """Change a movie's title, genre or running time, by the owner who added it. A longer
    running time lengthens its shows that have not begun, unless one would then overlap the
    next show on its screen."""

    ports: Ports

    def __call__(
        self,
        actor: Actor,
        movie_id: int,
        *,
        title: str | None = None,
        genre: str | None = None,
        duration: int | None = None,
    ) -> Movie:
        movie_id = rules.require_id("movie_id", movie_id)
        if title is None and genre is None and duration is None:
            raise ValidationError("title", "give title, genre or duration")
        if title is not None:
            title = rules.require_text("title", title, max_chars=rules.MAX_TITLE_CHARS)
        if genre is not None:
            genre = rules.require_text("genre", genre, max_chars=rules.MAX_GENRE_CHARS)
        if duration is not None:
            duration = rules.require_int(
                "duration", duration, low=1, high=rules.MAX_DURATION_MINUTES
            )
        with acting(self.ports, actor, Role.OWNER, "edit movies") as uow:
            movie = uow.movies.lock(movie_id)
            # Another owner's movie, or one whose owner is unknown, is not theirs to edit.
            if movie is None or movie.owner_id != actor.id:
                raise NotFound("movie", movie_id)
            changed = attrs.evolve(
                movie,
                title=title or movie.title,
                genre=genre or movie.genre,
                duration=duration or movie.duration,
            )
            if changed.duration != movie.duration:
                self._rerun(uow, changed)
            uow.movies.save(changed)
            uow.commit()
        return changed

    def _rerun(self, uow: UnitOfWork, movie: Movie) -> None:
        """Give the movie's shows that have not begun its new running time."""
        now = self.ports.clock.now()
        upcoming = uow.shows.upcoming_of_movie(movie.id, now)
        for screen_id in sorted({show.screen_id for show in upcoming if show.screen_id}):
            uow.screens.lock(screen_id)
        clashes = []
        for show in upcoming:
            _, occupied = _rerun(show, movie)
            if occupied is None or show.screen_id is None:
                continue
            window = Window(show.timing, occupied)
            scheduled = uow.shows.on_screen(show.screen_id, window.start, window.end)
            clashes += [
                Clash(other, show_id=show.id)
                for other in in_the_way(window, scheduled, moving=show.id)
            ]
        if clashes:
            raise ScheduleConflict(clashes)
        for show in upcoming:
            inventory = uow.inventories.lock(show.id)
            if inventory is None:
                raise NotFound("show", show.id)
            current = inventory.show
            # Cancelled since it was listed: it has no window to keep.
            if current.is_cancelled:
                continue
            settle(self.ports, uow, inventory, now)
            inventory.reschedule(current.timing, *_rerun(current, movie), now)
            save(self.ports, uow, inventory, now)
            # Its end moved: receivers that show it need to hear.
            _rescheduled(self.ports, uow, inventory.show, now)
