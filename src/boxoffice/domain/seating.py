"""Reserved seating: a show's seat map, and the state of every seat in it.

A seat is named by its row label and its number in the row, counted from 1: "C5". Row labels are
letters only, so a name splits into row and number one way only.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from boxoffice.domain.errors import SeatsUnavailable, ValidationError

MAX_ROWS = 200
MAX_SEATS_PER_ROW = 500
MAX_ROW_LABEL_CHARS = 3
MAX_ZONES = 50
# Every sellable seat no zone names is in this one.
STANDARD_ZONE = "standard"
_ZONE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
_ROW_LABEL = re.compile(rf"^[A-Z]{{1,{MAX_ROW_LABEL_CHARS}}}$")
_SEAT_LABEL = re.compile(rf"^([A-Z]{{1,{MAX_ROW_LABEL_CHARS}}})([1-9][0-9]{{0,3}})$")
# A zone's seats: one seat ("F3"), or a range within one row ("E1-E12").
_SEAT_RANGE = re.compile(
    rf"^([A-Z]{{1,{MAX_ROW_LABEL_CHARS}}})([1-9][0-9]{{0,3}})(?:-\1?([1-9][0-9]{{0,3}}))?$"
)


class SeatState(enum.StrEnum):
    FREE = "free"
    HELD = "held"
    BOOKED = "booked"
    BLOCKED = "blocked"


# One character per seat, in map order, is how a chart is stored: compact and cheap to copy.
_CODE = {SeatState.FREE: ".", SeatState.HELD: "H", SeatState.BOOKED: "B", SeatState.BLOCKED: "#"}
STATE_OF_CODE = {code: state for state, code in _CODE.items()}
FREE = _CODE[SeatState.FREE]


@attrs.frozen
class SeatRow:
    label: str
    seats: int


@attrs.frozen
class SeatMap:
    """Rows of seats, front to back, the seats that are never sold (gaps, broken seats), and
    named zones of seats (priced apart, say); a seat no zone names is in STANDARD_ZONE.
    """

    rows: tuple[SeatRow, ...]
    blocked: frozenset[str] = frozenset()
    # Each zone's name and seats, by name; a tuple, so the map stays hashable.
    zones: tuple[tuple[str, frozenset[str]], ...] = ()
    # Derived once: every seat's label in map order, and each label's position.
    labels: tuple[str, ...] = attrs.field(init=False, eq=False, repr=False)
    positions: Mapping[str, int] = attrs.field(init=False, eq=False, repr=False)
    _zone_of: Mapping[str, str] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        labels = tuple(
            f"{row.label}{number}" for row in self.rows for number in range(1, row.seats + 1)
        )
        object.__setattr__(self, "labels", labels)
        object.__setattr__(self, "positions", {label: i for i, label in enumerate(labels)})
        zone_of = {seat: name for name, seats in self.zones for seat in seats}
        object.__setattr__(self, "_zone_of", zone_of)

    @classmethod
    def build(
        cls,
        rows: Sequence[tuple[str, int]],
        blocked: Iterable[str] = (),
        zones: Mapping[str, Sequence[str]] | None = None,
    ) -> SeatMap:
        """A checked map: rows front to back as (label, seats), e.g. [("A", 12), ("B", 14)],
        the seats never sold, and zones by name, each a list of seats ("F3") or ranges within
        one row ("E1-E12"): {"premium": ["E1-E12", "F3"]}. Row labels are 1 to 3 letters A-Z,
        unique; each row has 1 to 500 seats; blocked seats exist and leave at least one seat to
        sell; zone names are 1 to 32 of a-z, 0-9, "_" and "-"; no seat is in two zones.
        """
        if isinstance(rows, str) or not isinstance(rows, Sequence) or not rows:
            raise ValidationError("seat_map.rows", "must be a non-empty list")
        if len(rows) > MAX_ROWS:
            raise ValidationError("seat_map.rows", f"must have at most {MAX_ROWS} rows")
        plan = cls(tuple(_checked_row(row) for row in rows))
        if len({row.label for row in plan.rows}) != len(plan.rows):
            raise ValidationError("seat_map.rows", "row labels must be unique")
        if isinstance(blocked, str | bytes):
            raise ValidationError("seat_map.blocked", 'must be a list of seat names like "C5"')
        names = frozenset(
            require_seat_labels(list(blocked), field="seat_map.blocked", allow_empty=True)
        )
        missing = sorted(names - plan.positions.keys())
        if missing:
            raise ValidationError("seat_map.blocked", f"no such seats: {', '.join(missing)}")
        if len(names) >= len(plan.labels):
            raise ValidationError("seat_map.blocked", "must leave at least one seat to sell")
        return cls(plan.rows, names, _checked_zones(plan, zones))

    @property
    def capacity(self) -> int:
        """The sellable seats: all but the blocked ones."""
        return len(self.labels) - len(self.blocked)

    def zone(self, label: str) -> str:
        """The zone of a seat of this map."""
        return self._zone_of.get(label, STANDARD_ZONE)

    def zone_names(self) -> list[str]:
        """The zones that have a sellable seat, standard last if any seat is in none."""
        named = [name for name, seats in self.zones if seats - self.blocked]
        if len(self._zone_of.keys() | self.blocked) < len(self.labels):
            named.append(STANDARD_ZONE)
        return list(dict.fromkeys(named))

    def row_spans(self) -> list[tuple[int, SeatRow]]:
        """Each row with the position of its first seat."""
        spans, start = [], 0
        for row in self.rows:
            spans.append((start, row))
            start += row.seats
        return spans


def _checked_row(row: object) -> SeatRow:
    if isinstance(row, SeatRow):
        label, seats = row.label, row.seats
    elif isinstance(row, tuple) and len(row) == 2:
        label, seats = row
    else:
        raise ValidationError(
            "seat_map.rows", 'each row must be a label and a seat count: ("A", 12)'
        )
    if not isinstance(label, str) or not _ROW_LABEL.match(label):
        raise ValidationError(
            "seat_map.rows", f"a row label must be 1 to {MAX_ROW_LABEL_CHARS} letters A-Z"
        )
    if isinstance(seats, bool) or not isinstance(seats, int) or not 1 <= seats <= MAX_SEATS_PER_ROW:
        raise ValidationError(
            "seat_map.rows", f"a row must have between 1 and {MAX_SEATS_PER_ROW} seats"
        )
    return SeatRow(label, seats)


def _checked_zones(
    plan: SeatMap, zones: Mapping[str, Sequence[str]] | None
) -> tuple[tuple[str, frozenset[str]], ...]:
    if zones is None:
        return ()
    field = "seat_map.zones"
    if not isinstance(zones, Mapping):
        raise ValidationError(field, 'must map zone names to seats: {"premium": ["E1-E12"]}')
    if len(zones) > MAX_ZONES:
        raise ValidationError(field, f"must have at most {MAX_ZONES} zones")
    checked: list[tuple[str, frozenset[str]]] = []
    zone_of: dict[str, str] = {}
    for name, entries in zones.items():
        if not isinstance(name, str) or not _ZONE_NAME.match(name):
            raise ValidationError(field, "a zone name must be 1 to 32 of a-z, 0-9, _ and -")
        if isinstance(entries, str) or not isinstance(entries, Sequence) or not entries:
            raise ValidationError(f"{field}.{name}", 'must be a non-empty list like ["E1-E12"]')
        seats = frozenset(seat for entry in entries for seat in _zone_seats(plan, name, entry))
        twice = sorted((seats & zone_of.keys()), key=plan.positions.__getitem__)
        if twice:
            other = zone_of[twice[0]]
            raise ValidationError(
                field, f"seats in two zones ({other} and {name}): {', '.join(twice)}"
            )
        zone_of.update(dict.fromkeys(seats, name))
        checked.append((name, seats))
    return tuple(checked)


def _zone_seats(plan: SeatMap, zone: str, entry: object) -> list[str]:
    field = f"seat_map.zones.{zone}"
    match = _SEAT_RANGE.match(entry.upper()) if isinstance(entry, str) else None
    if match is None:
        raise ValidationError(
            field, f'each entry must be a seat ("F3") or a range in one row ("E1-E12"): {entry!r}'
        )
    row, first, last = match.group(1), int(match.group(2)), int(match.group(3) or match.group(2))
    if last < first:
        raise ValidationError(field, f"a range must run from a lower to a higher seat: {entry}")
    seats = [f"{row}{number}" for number in range(first, last + 1)]
    missing = [seat for seat in seats if seat not in plan.positions]
    if missing:
        raise ValidationError(field, f"no such seats: {', '.join(missing[:10])}")
    return seats


def require_seat_labels(
    value: Any, *, field: str = "seats", allow_empty: bool = False, max_count: int | None = None
) -> list[str]:
    """Distinct seat names like "C5", upper-cased; the map decides whether they exist."""
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise ValidationError(field, 'must be a list of seat names like "C5"')
    if not value and not allow_empty:
        raise ValidationError(field, "must name at least one seat")
    if max_count is not None and len(value) > max_count:
        raise ValidationError(field, f"must name at most {max_count} seats")
    labels = []
    for item in value:
        if not isinstance(item, str) or not _SEAT_LABEL.match(item.upper()):
            raise ValidationError(field, 'each seat must be a row letter and a number, like "C5"')
        labels.append(item.upper())
    if len(set(labels)) != len(labels):
        raise ValidationError(field, "must not name a seat twice")
    return labels


@attrs.frozen
class SeatingChart:
    """Every seat of a seated show in exactly one state; changes return a new chart."""

    plan: SeatMap
    codes: str

    @classmethod
    def empty(cls, plan: SeatMap) -> SeatingChart:
        blocked = _CODE[SeatState.BLOCKED]
        return cls(
            plan, "".join(blocked if label in plan.blocked else FREE for label in plan.labels)
        )

    @property
    def free_count(self) -> int:
        return self.codes.count(FREE)

    def state(self, label: str) -> SeatState:
        return STATE_OF_CODE[self.codes[self.plan.positions[label]]]

    def states(self) -> list[tuple[str, SeatState]]:
        return [
            (label, STATE_OF_CODE[code])
            for label, code in zip(self.plan.labels, self.codes, strict=True)
        ]

    def positions_of(self, labels: Iterable[str]) -> list[int]:
        """Positions of the named seats; a name not on the map is a ValidationError."""
        positions, unknown = [], []
        for label in labels:
            position = self.plan.positions.get(label)
            if position is None:
                unknown.append(label)
            else:
                positions.append(position)
        if unknown:
            raise ValidationError("seats", f"no such seats on this show: {', '.join(unknown)}")
        return positions

    def take(self, labels: Sequence[str], state: SeatState) -> SeatingChart:
        """Hold or book the named seats, all or none: each must be free."""
        positions = self.positions_of(labels)
        taken = [label for label, p in zip(labels, positions, strict=True) if self.codes[p] != FREE]
        if taken:
            raise SeatsUnavailable(taken)
        return self._with(positions, _CODE[state])

    def release(self, labels: Sequence[str]) -> SeatingChart:
        """Free seats that were held or booked."""
        return self._with(self.positions_of(labels), FREE)

    def confirm(self, labels: Sequence[str]) -> SeatingChart:
        """Held seats become booked."""
        return self._with(self.positions_of(labels), _CODE[SeatState.BOOKED])

    def _with(self, positions: Iterable[int], code: str) -> SeatingChart:
        codes = list(self.codes)
        for position in positions:
            codes[position] = code
        return attrs.evolve(self, codes="".join(codes))
