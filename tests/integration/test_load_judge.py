"""The load test's judge must catch what it claims to: here it is shown bad outcomes."""

from __future__ import annotations

import math

from tests.integration.load import CAPACITY, Call, Load, Stored, problems


def booked(key: str, booking: int, seats: int, start: float, end: float) -> Call:
    return Call(key, "book", start, end, "booked", seats=seats, booking=booking)


def test_a_rejection_that_saw_too_few_seats_is_reported() -> None:
    calls = [
        booked("a", 1, 3, 0.0, 1.0),
        Call("c", "cancel", 2.0, 3.0, "cancelled", booking=1),
        # After the cancel was acknowledged all seats were free, yet this saw only 2.
        Call("r", "book", 4.0, 5.0, "rejected", seats=3, available=2),
    ]
    found = problems(Load(calls, 1.0, None), Stored(CAPACITY, {1: (3, "cancelled")}))
    assert found == [
        f"r refused 3 seats seeing 2 available; the truth was between {CAPACITY} and {CAPACITY}"
    ]


def test_a_rejection_overlapping_a_booking_may_see_it_either_way() -> None:
    calls = [
        booked("a", 1, CAPACITY - 1, 0.0, 2.0),
        Call("r", "book", 1.0, 3.0, "rejected", seats=3, available=1),
    ]
    assert problems(Load(calls, 1.0, None), Stored(1, {1: (CAPACITY - 1, "active")})) == []


def test_lost_bookings_broken_invariants_and_errors_are_reported() -> None:
    calls = [
        booked("a", 1, 2, 0.0, 1.0),
        booked("b", 2, 2, 0.0, 1.0),
        Call("c", "book", 0.0, math.inf, None, seats=1),
        Call("d", "cancel", 2.0, 3.0, "failed", booking=2, error="StorageUnavailable: down"),
    ]
    found = problems(Load(calls, 1.0, 0), Stored(CAPACITY - 2, {2: (2, "active")}))
    assert found == [
        "d cancel failed: StorageUnavailable: down",
        "acknowledged booking 1 is missing",
    ]
    overbooked = Stored(CAPACITY - 2, {1: (2, "active"), 2: (2, "active")})
    assert problems(Load(calls[:2], 1.0, None), overbooked) == [
        f"{CAPACITY - 2} available + 4 booked != {CAPACITY}"
    ]
