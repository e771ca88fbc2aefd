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
_ROW_LABEL = re.compile(rf"^[A-Z]{{1,{MAX_ROW_LABEL_CHARS}}}$")
_SEAT_LABEL = re.compile(rf"^([A-Z]{{1,{MAX_ROW_LABEL_CHARS}}})([1-9][0-9]{{0,3}})$")


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
    """Rows of seats, front to back, and the seats that are never sold (gaps, broken seats)."""

    rows: tuple[SeatRow, ...]
    blocked: frozenset[str] = frozenset()
    # Derived once: every seat's label in map order, and each label's position.
    labels: tuple[str, ...] = attrs.field(init=False, eq=False, repr=False)
    positions: Mapping[str, int] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        labels = tuple(
            f"{row.label}{number}" for row in self.rows for number in range(1, row.seats + 1)
        )
        object.__setattr__(self, "labels", labels)
        object.__setattr__(self, "positions", {label: i for i, label in enumerate(labels)})

    @classmethod
    def build(cls, rows: Sequence[tuple[str, int]], blocked: Iterable[str] = ()) -> SeatMap:
        """A checked map: rows front to back as (label, seats), e.g. [("A", 12), ("B", 14)],
        and the seats never sold. Row labels are 1 to 3 letters A-Z, unique; each row has 1 to
        500 seats; blocked seats exist and leave at least one seat to sell.
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
        return cls(plan.rows, names)

    @property
    def capacity(self) -> int:
        """The sellable seats: all but the blocked ones."""
        return len(self.labels) - len(self.blocked)

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
