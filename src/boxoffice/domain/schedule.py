"""Time on a screen: a show's window, a cinema's local days and wall-clock times, and clashes.

A show on a screen occupies it from its timing until its end plus the cinema's cleaning gap,
half-open: the next show may begin the instant the gap ends. Local times are turned into
instants in the cinema's time zone, so a 20:30 show stays 20:30 across a daylight-saving change.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import zoneinfo
from collections.abc import Iterable, Sequence
from datetime import MINYEAR, UTC, date, datetime, time, timedelta

import attrs

from boxoffice.domain.errors import Clash, ValidationError
from boxoffice.domain.model import Cinema, Movie, Show

# The longest window a show can have: the longest movie plus the longest gap. A show that
# overlaps [start, end) begins after start minus this.
MAX_GAP_MINUTES = 240
MAX_SERIES_SHOWS = 1000
ISO_WEEKDAYS = (1, 2, 3, 4, 5, 6, 7)


@functools.cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def require_time_zone(value: object) -> str:
    """An IANA time zone name this machine knows ("Europe/Berlin")."""
    if not isinstance(value, str) or value not in _time_zones():
        raise ValidationError("time_zone", 'must be an IANA time zone name like "Europe/Berlin"')
    return value


@attrs.frozen
class Window:
    """When a show occupies its screen: [start, end)."""

    start: datetime
    end: datetime

    @classmethod
    def of(cls, timing: datetime, movie: Movie, cinema: Cinema) -> Window:
        return cls(timing, timing + movie.running_time + cinema.gap)

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return self.start < end and start < self.end


def window_of(show: Show) -> Window:
    if show.occupied_until is None:
        raise ValueError(f"show {show.id} is on no screen")
    return Window(show.timing, show.occupied_until)


def in_the_way(
    window: Window, scheduled: Iterable[Show], *, moving: int | None = None
) -> list[int]:
    """The ids of the scheduled shows (other than `moving`) whose windows overlap."""
    return sorted(
        show.id
        for show in scheduled
        if show.id != moving and window_of(show).overlaps(window.start, window.end)
    )


@attrs.frozen
class Slot:
    """One show of a series: its local day and time, and its window."""

    day: date
    time: time
    window: Window


def local_instant(cinema: Cinema, day: date, at: time) -> datetime:
    """The instant of a local wall-clock time; a time the clocks skip that day (the spring
    gap) is a ValidationError naming the day. A time that happens twice (autumn) is its
    first occurrence."""
    local = datetime.combine(day, at, tzinfo=cinema.zone)
    instant = local.astimezone(UTC)
    if instant.astimezone(cinema.zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise ValidationError(
            "times",
            f"{at:%H:%M} does not exist on {day.isoformat()} in {cinema.time_zone}: "
            "the clocks skip it",
        )
    return instant


def local_day(cinema: Cinema, day: date) -> tuple[datetime, datetime]:
    """[start, end) of a day in the cinema's time zone: 23, 24 or 25 hours."""
    try:
        start = datetime.combine(day, time(), tzinfo=cinema.zone).astimezone(UTC)
        after = datetime.combine(day + timedelta(days=1), time(), tzinfo=cinema.zone)
        return start, after.astimezone(UTC)
    except OverflowError:
        # The calendar's first or last day, whose bounds lie outside it: no show is there.
        raise ValidationError("date", f"{day.isoformat()} is beyond the calendar") from None


def _window(cinema: Cinema, movie: Movie, day: date, at: time) -> Window:
    try:
        return Window.of(local_instant(cinema, day, at), movie, cinema)
    except OverflowError:
        # The first or last days of the calendar, whose shows begin or end outside it.
        field = "first_day" if day.year == MINYEAR else "last_day"
        raise ValidationError(field, f"{day.isoformat()} is beyond the calendar") from None


def series_slots(
    cinema: Cinema,
    movie: Movie,
    *,
    first_day: date,
    last_day: date,
    times: Sequence[time],
    weekdays: Iterable[int],
) -> list[Slot]:
    """Every show of a series, in order: each day from first_day to last_day (inclusive) whose
    ISO weekday is listed, at each local time. Its shows must not overlap one another."""
    if last_day < first_day:
        raise ValidationError("last_day", "must not be before first_day")
    wanted = set(weekdays)
    span = (last_day - first_day).days + 1
    days: list[date] = []
    # Every chosen weekday of the whole span counts, however long: a series of Mondays over
    # years is within the limit. At least one day in seven is chosen, so the walk stops
    # within 7,007 days of first_day once the series is too long.
    for n in range(span):
        day = first_day + timedelta(days=n)
        if day.isoweekday() not in wanted:
            continue
        days.append(day)
        if len(days) * len(times) > MAX_SERIES_SHOWS:
            raise ValidationError(
                "times",
                f"a series schedules at most {MAX_SERIES_SHOWS} shows: ask for fewer days",
            )
    slots = []
    for day in days:
        for at in sorted(times):
            slots.append(Slot(day, at, _window(cinema, movie, day, at)))
    for earlier, later in itertools.pairwise(slots):
        if later.window.start < earlier.window.end:
            raise ValidationError(
                "times",
                f"the shows at {earlier.time:%H:%M} on {earlier.day.isoformat()} and "
                f"{later.time:%H:%M} on {later.day.isoformat()} would overlap: each takes "
                f"{movie.duration} minutes and a {cinema.gap_minutes}-minute gap",
            )
    return slots


def series_clashes(slots: Sequence[Slot], scheduled: Sequence[Show]) -> list[Clash]:
    """Each slot's clash with a scheduled show, slots in order; `scheduled` by timing."""
    starts = [show.timing for show in scheduled]
    longest = max((window_of(show).end - show.timing for show in scheduled), default=None)
    clashes = []
    for slot in slots:
        if longest is None:
            break
        window = slot.window
        # Only shows that begin within `longest` before the slot can reach into it.
        low = bisect.bisect_right(starts, window.start - longest)
        high = bisect.bisect_left(starts, window.end)
        for show in scheduled[low:high]:
            if window_of(show).overlaps(window.start, window.end):
                clashes.append(Clash(show.id, slot.day, slot.time))
    return clashes
