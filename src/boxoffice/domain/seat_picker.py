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


_FREE_RUN = re.compile(f"{re.escape(FREE)}+")
# Splitting a party once more is worse than any distance within a hall.
_SPLIT_COST = 1e6


def _fewest_rows(chart: SeatingChart, count: int) -> list[str]:
    """The party over as few rows as possible; then in as few separate blocks as possible;
    then as central as possible.
    """
    spans = chart.plan.row_spans()
    middle_row = (len(spans) - 1) / 2
    rows = []
    for index, (start, row) in enumerate(spans):
        runs = [found.span() for found in _FREE_RUN.finditer(chart.codes, start, start + row.seats)]
        if runs:
            rows.append((index - middle_row, start + (row.seats - 1) / 2, runs))
    free = sorted((sum(end - begin for begin, end in runs) for _, _, runs in rows), reverse=True)
    rows_needed = next((n for n in range(1, len(free) + 1) if sum(free[:n]) >= count), 0)
    if not rows_needed:
        raise NotEnoughSeats(count, chart.free_count)
    # Per row: for t people, the cost and seats of seating them there. In one row, only the
    # whole party is worth pricing.
    options: list[dict[int, tuple[float, list[int]]]] = []
    for offset, row_middle, runs in rows:
        room = min(sum(end - begin for begin, end in runs), count)
        # Largest runs first, the most central first among equals: fewest blocks, then closest.
        runs.sort(key=lambda run: (run[0] - run[1], abs((run[0] + run[1] - 1) / 2 - row_middle)))
        wanted = [count] if rows_needed == 1 else range(1, room + 1)
        options.append({t: _seat_in_row(runs, t, row_middle, offset) for t in wanted if t <= room})
    # cost[j][s]: least cost seating s people in j rows; choice keeps how.
    inf = math.inf
    cost = [[inf] * (count + 1) for _ in range(rows_needed + 1)]
    cost[0][0] = 0.0
    # (rows, people, option) -> how many that option's row seats, when it improved that state.
    choice: dict[tuple[int, int, int], int] = {}
    for option_index, choices in enumerate(options):
        for used in range(rows_needed - 1, -1, -1):
            for seated in range(count - 1, -1, -1):
                base = cost[used][seated]
                if base == inf:
                    continue
                for take, (price, _) in choices.items():
                    if seated + take <= count and base + price < cost[used + 1][seated + take]:
                        cost[used + 1][seated + take] = base + price
                        choice[(used + 1, seated + take, option_index)] = take
    positions = _recover(options, choice, rows_needed, count)
    return [chart.plan.labels[p] for p in sorted(positions)]


def _seat_in_row(
    runs: list[tuple[int, int]], people: int, row_middle: float, row_offset: float
) -> tuple[float, list[int]]:
    """Seat `people` in one row's free runs, given largest first: whole runs while none is big
    enough for the rest, which needs the fewest blocks; the last block placed as centrally as
    its run allows. Returns (cost, positions).
    """
    left = list(runs)
    positions: list[int] = []
    blocks = 0
    while len(positions) < people:
        wanted = people - len(positions)
        fitting = [run for run in left if run[1] - run[0] >= wanted]
        blocks += 1
        if not fitting:
            begin, end = left.pop(0)
            positions.extend(range(begin, end))
            continue
        ideal = round(row_middle - (wanted - 1) / 2)
        firsts = [min(max(ideal, begin), end - wanted) for begin, end in fitting]
        first = min(firsts, key=lambda f: abs(f + (wanted - 1) / 2 - row_middle))
        positions.extend(range(first, first + wanted))
    distance = sum(math.hypot(p - row_middle, row_offset) for p in positions)
    return blocks * _SPLIT_COST + distance, positions


def _recover(
    options: list[dict[int, tuple[float, list[int]]]],
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
        positions.extend(options[option_index][take][1])
        used, seated, before = used - 1, seated - take, option_index
    return positions
