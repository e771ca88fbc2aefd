"""Best free seats for a party: together in one row and central, else in the fewest rows.

Centrality is the distance, in seats and rows, from the middle of the hall to the middle of the
party: every row is taken as centred on the screen, so a seat's offset is measured from the
middle of its own row.
"""

from __future__ import annotations

import math
import re

from boxoffice.domain.errors import NotEnoughSeats
from boxoffice.domain.seating import FREE, SeatingChart


def best_seats(chart: SeatingChart, count: int) -> list[str]:
    """The best `count` free seats, in map order. Raises NotEnoughSeats when too few are free."""
    together = _best_block(chart, count)
    if together is not None:
        return together
    return _fewest_rows(chart, count)


def _best_block(chart: SeatingChart, count: int) -> list[str] | None:
    """The most central run of `count` adjacent free seats in one row, or None."""
    spans = chart.plan.row_spans()
    middle_row = (len(spans) - 1) / 2
    run = re.compile(f"{re.escape(FREE)}{{{count},}}")
    best: tuple[float, int] | None = None
    # Rows nearest the middle first: once a row is farther off than the best party's distance,
    # no later row can beat it.
    for index in sorted(range(len(spans)), key=lambda i: abs(i - middle_row)):
        row_offset = abs(index - middle_row)
        if best is not None and row_offset > best[0]:
            break
        start, row = spans[index]
        row_middle = (row.seats - 1) / 2
        ideal_first = round(row_middle - (count - 1) / 2)
        for found in run.finditer(chart.codes, start, start + row.seats):
            # The distance is convex in the first seat, so clamping the ideal into the run is best.
            first = min(max(ideal_first, found.start() - start), found.end() - start - count)
            distance = math.hypot(first + (count - 1) / 2 - row_middle, row_offset)
            if best is None or distance < best[0]:
                best = (distance, start + first)
    if best is None:
        return None
    return list(chart.plan.labels[best[1] : best[1] + count])


def _fewest_rows(chart: SeatingChart, count: int) -> list[str]:
    """The party over as few rows as possible; among those, the most central free seats."""
    spans = chart.plan.row_spans()
    middle_row = (len(spans) - 1) / 2
    # Per row, its free seats from most to least central, with their distances.
    options: list[list[tuple[float, int]]] = []
    for index, (start, row) in enumerate(spans):
        row_middle = (row.seats - 1) / 2
        free = [
            (math.hypot(p - start - row_middle, index - middle_row), p)
            for p in range(start, start + row.seats)
            if chart.codes[p] == FREE
        ]
        if free:
            options.append(sorted(free)[:count])
    free_total = sum(len(seats) for seats in options)
    if free_total < count:
        raise NotEnoughSeats(count, chart.free_count)
    rows_needed = _rows_needed(options, count)
    # cost[j][s]: least total distance seating s people in j rows; choice keeps how.
    inf = math.inf
    cost = [[inf] * (count + 1) for _ in range(rows_needed + 1)]
    cost[0][0] = 0.0
    # (rows, people, option) -> how many that option's row seats, when it improved that state.
    choice: dict[tuple[int, int, int], int] = {}
    for option_index, seats in enumerate(options):
        prefix = [0.0]
        for distance, _ in seats:
            prefix.append(prefix[-1] + distance)
        for used in range(rows_needed - 1, -1, -1):
            for seated in range(count - 1, -1, -1):
                base = cost[used][seated]
                if base == inf:
                    continue
                for take in range(1, min(len(seats), count - seated) + 1):
                    total = base + prefix[take]
                    if total < cost[used + 1][seated + take]:
                        cost[used + 1][seated + take] = total
                        choice[(used + 1, seated + take, option_index)] = take
    positions = _recover(options, choice, rows_needed, count)
    return [chart.plan.labels[p] for p in sorted(positions)]


def _rows_needed(options: list[list[tuple[float, int]]], count: int) -> int:
    seated = 0
    for rows, size in enumerate(sorted((len(seats) for seats in options), reverse=True), start=1):
        seated += size
        if seated >= count:
            return rows
    raise NotEnoughSeats(count, seated)


def _recover(
    options: list[list[tuple[float, int]]],
    choice: dict[tuple[int, int, int], int],
    rows: int,
    count: int,
) -> list[int]:
    """Walk the choices back from (rows, count): the last row that improved a state set it."""
    positions: list[int] = []
    used, seated, before = rows, count, len(options)
    while used > 0:
        option_index = max(i for (u, s, i) in choice if u == used and s == seated and i < before)
        take = choice[(used, seated, option_index)]
        positions.extend(p for _, p in options[option_index][:take])
        used, seated, before = used - 1, seated - take, option_index
    return positions
