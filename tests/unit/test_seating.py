from __future__ import annotations

from typing import Any

import pytest

from boxoffice.domain.errors import SeatsUnavailable, ValidationError
from boxoffice.domain.seating import (
    SeatingChart,
    SeatMap,
    SeatRow,
    SeatState,
    require_seat_labels,
)

HALL = SeatMap.build([("A", 4), ("B", 5)], blocked=["A1"])


def test_a_seat_map_lists_its_seats_in_order_and_counts_sellable_ones() -> None:
    plan = HALL
    assert plan.rows == (SeatRow("A", 4), SeatRow("B", 5))
    assert plan.labels == ("A1", "A2", "A3", "A4", "B1", "B2", "B3", "B4", "B5")
    assert plan.blocked == frozenset({"A1"})
    assert plan.capacity == 8


def test_seat_map_build_takes_typed_rows_and_upper_cases_seat_names() -> None:
    plan = SeatMap.build([("A", 4), ("B", 5)], blocked=["a1"])
    assert plan == SeatMap((SeatRow("A", 4), SeatRow("B", 5)), frozenset({"A1"}))
    assert plan.labels == ("A1", "A2", "A3", "A4", "B1", "B2", "B3", "B4", "B5")
    assert (plan.blocked, plan.capacity) == (frozenset({"A1"}), 8)
    assert SeatMap.build((("A", 2),)).blocked == frozenset()
    assert SeatMap.build([SeatRow("A", 2)]) == SeatMap.build([("A", 2)])


@pytest.mark.parametrize(
    ("rows", "blocked", "field"),
    [
        ([], (), "seat_map.rows"),
        ("A", (), "seat_map.rows"),
        (None, (), "seat_map.rows"),
        ({"A": 3}, (), "seat_map.rows"),
        ([("A", 3, 1)], (), "seat_map.rows"),
        ([["A", 3]], (), "seat_map.rows"),
        ([{"label": "A", "seats": 3}], (), "seat_map.rows"),
        ([("A", 0)], (), "seat_map.rows"),
        ([("A", 501)], (), "seat_map.rows"),
        ([("A", True)], (), "seat_map.rows"),
        ([("A", 3.0)], (), "seat_map.rows"),
        ([("A1", 3)], (), "seat_map.rows"),
        ([("", 3)], (), "seat_map.rows"),
        ([("a", 3)], (), "seat_map.rows"),
        ([("ABCD", 3)], (), "seat_map.rows"),
        ([("A", 3), ("A", 2)], (), "seat_map.rows"),
        ([("A", 1)] * 201, (), "seat_map.rows"),
        ([("A", 3)], ["A4"], "seat_map.blocked"),
        ([("A", 2)], ["A1", "A2"], "seat_map.blocked"),
        ([("A", 2)], ["A1", "A1"], "seat_map.blocked"),
        ([("A", 2)], "A1", "seat_map.blocked"),
        ([("A", 2)], [1], "seat_map.blocked"),
    ],
)
def test_seat_map_build_refuses_a_bad_map_naming_the_field(
    rows: Any, blocked: Any, field: str
) -> None:
    with pytest.raises(ValidationError) as error:
        SeatMap.build(rows, blocked)
    assert error.value.field == field


def test_seat_names_are_upper_cased_distinct_and_bounded() -> None:
    assert require_seat_labels(["c5", "C6"]) == ["C5", "C6"]
    for bad in ([], ["C5", "c5"], ["5C"], ["C0"], ["C05"], [5], "C5", ["C"], None):
        with pytest.raises(ValidationError):
            require_seat_labels(bad)
    with pytest.raises(ValidationError):
        require_seat_labels(["A1", "A2", "A3"], max_count=2)


def chart() -> SeatingChart:
    return SeatingChart.empty(HALL)


def test_a_new_chart_is_free_but_for_blocked_seats() -> None:
    fresh = chart()
    assert fresh.state("A1") is SeatState.BLOCKED
    assert fresh.free_count == 8
    assert {state for _, state in fresh.states()} == {SeatState.FREE, SeatState.BLOCKED}


def test_taking_seats_is_all_or_nothing_and_names_the_taken_ones() -> None:
    held = chart().take(["B2", "B3"], SeatState.HELD)
    assert held.state("B2") is SeatState.HELD
    assert held.free_count == 6
    with pytest.raises(SeatsUnavailable) as error:
        held.take(["B1", "B3", "A1"], SeatState.BOOKED)
    assert error.value.seats == ["B3", "A1"]
    assert held.state("B1") is SeatState.FREE


def test_unknown_seats_are_a_validation_error() -> None:
    with pytest.raises(ValidationError, match="C1"):
        chart().take(["C1"], SeatState.BOOKED)


def test_held_seats_confirm_to_booked_and_release_to_free() -> None:
    held = chart().take(["B2"], SeatState.HELD)
    assert held.confirm(["B2"]).state("B2") is SeatState.BOOKED
    assert held.release(["B2"]).state("B2") is SeatState.FREE


def test_seat_map_equality_ignores_derived_fields() -> None:
    assert SeatMap((SeatRow("A", 2),)) == SeatMap((SeatRow("A", 2),))
    assert hash(SeatMap((SeatRow("A", 2),))) == hash(SeatMap((SeatRow("A", 2),)))
