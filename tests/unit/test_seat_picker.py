from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boxoffice.domain.errors import NotEnoughSeats
from boxoffice.domain.seat_picker import best_seats
from boxoffice.domain.seating import SeatingChart, SeatMap, SeatRow, SeatState


def hall(rows: int, seats: int, blocked: frozenset[str] = frozenset()) -> SeatingChart:
    labels = [chr(ord("A") + i) for i in range(rows)]
    return SeatingChart.empty(SeatMap(tuple(SeatRow(label, seats) for label in labels), blocked))


def test_an_empty_hall_seats_a_party_together_in_the_middle() -> None:
    # 5 rows of 10: the middle row is C, and C4-C7 is centred (C5.5 is the row's middle).
    assert best_seats(hall(5, 10), 4) == ["C4", "C5", "C6", "C7"]
    assert best_seats(hall(5, 10), 1) in (["C5"], ["C6"])


def test_taken_middle_seats_push_the_party_to_the_nearest_central_block() -> None:
    chart = hall(3, 10).take(["B4", "B5", "B6", "B7"], SeatState.BOOKED)
    picked = best_seats(chart, 2)
    # B8-B9 or B2-B3 are 3.5 seats off in the middle row; A or C rows' middles are about 1
    # row off, which is closer.
    assert picked in (["A5", "A6"], ["C5", "C6"])


def test_blocked_seats_split_a_row_so_no_party_straddles_them() -> None:
    chart = hall(1, 7, frozenset({"A4"}))
    assert best_seats(chart, 3) in (["A1", "A2", "A3"], ["A5", "A6", "A7"])


def test_when_no_row_fits_the_party_uses_the_fewest_rows() -> None:
    # Rows of 6; A keeps 3 free, B keeps 2 free, C keeps 4 free: 5 people need C and one
    # more row, and B, the middle row, is the more central one.
    chart = hall(3, 6).take(
        ["A1", "A2", "A3", "B1", "B2", "B3", "B5", "C1", "C6"], SeatState.BOOKED
    )
    picked = best_seats(chart, 5)
    assert len(picked) == 5
    assert {label[0] for label in picked} == {"B", "C"}
    assert sorted(label for label in picked if label[0] == "C") == ["C2", "C3", "C4", "C5"]
    assert all(chart.state(label) is SeatState.FREE for label in picked)


def test_a_split_party_sits_in_as_few_blocks_as_its_rows_allow() -> None:
    # Only row B has room for 6, in runs B1-B3 and B8-B10 and a lone central B5: two blocks of
    # three beat the more central but three-way split around B5.
    taken = [f"{row}{n}" for row in "AC" for n in range(1, 11)] + ["B4", "B6", "B7"]
    chart = hall(3, 10).take(taken, SeatState.BOOKED)
    assert best_seats(chart, 6) == ["B1", "B2", "B3", "B8", "B9", "B10"]


def test_fragmented_free_seats_are_still_all_used_when_needed() -> None:
    chart = hall(2, 4).take(["A2", "A4", "B1", "B3"], SeatState.BOOKED)
    assert sorted(best_seats(chart, 4)) == ["A1", "A3", "B2", "B4"]


def test_too_few_free_seats_is_not_enough_seats() -> None:
    chart = hall(1, 3).take(["A1", "A2"], SeatState.HELD)
    with pytest.raises(NotEnoughSeats):
        best_seats(chart, 2)


def _distance(chart: SeatingChart, labels: list[str]) -> float:
    rows = chart.plan.rows
    middle_row = (len(rows) - 1) / 2
    index = next(i for i, row in enumerate(rows) if row.label == labels[0][0])
    numbers = [int(label[1:]) - 1 for label in labels]
    return math.hypot(sum(numbers) / len(numbers) - (rows[index].seats - 1) / 2, index - middle_row)


@settings(max_examples=200, deadline=None)
@given(
    rows=st.integers(1, 6),
    seats=st.integers(1, 9),
    taken=st.sets(st.integers(0, 53)),
    count=st.integers(1, 6),
)
def test_the_pick_is_free_and_no_other_single_row_block_is_more_central(
    rows: int, seats: int, taken: set[int], count: int
) -> None:
    chart = hall(rows, seats)
    labels = [chart.plan.labels[i] for i in taken if i < len(chart.plan.labels)]
    chart = chart.take(labels, SeatState.BOOKED)
    blocks = [
        list(chart.plan.labels[start + first : start + first + count])
        for start, row in chart.plan.row_spans()
        for first in range(row.seats - count + 1)
        if all(chart.codes[start + first + k] == "." for k in range(count))
    ]
    if chart.free_count < count:
        with pytest.raises(NotEnoughSeats):
            best_seats(chart, count)
        return
    picked = best_seats(chart, count)
    assert len(set(picked)) == count
    assert all(chart.state(label) is SeatState.FREE for label in picked)
    if blocks:
        assert picked in blocks
        assert _distance(chart, picked) <= min(_distance(chart, b) for b in blocks) + 1e-9
    else:
        # The fewest rows: no smaller set of rows has enough free seats.
        used = len({label.rstrip("0123456789") for label in picked})
        free_per_row = sorted(
            (row_codes.count(".") for row_codes in _row_codes(chart)), reverse=True
        )
        assert sum(free_per_row[: used - 1]) < count


def _row_codes(chart: SeatingChart) -> list[str]:
    return [chart.codes[start : start + row.seats] for start, row in chart.plan.row_spans()]


def test_parties_filling_a_1000_seat_hall_sit_together_until_no_row_can_take_them() -> None:
    chart = hall(25, 40)
    for count in itertools.cycle(range(1, 11)):
        if chart.free_count < count:
            break
        picked = best_seats(chart, count)
        positions = [chart.plan.positions[label] for label in picked]
        if any("." * count in codes for codes in _row_codes(chart)):
            # Together: one row, adjacent seats.
            assert len({label[0] for label in picked}) == 1
            assert positions == list(range(positions[0], positions[0] + count))
        chart = chart.take(picked, SeatState.BOOKED)
    assert chart.free_count < 10
