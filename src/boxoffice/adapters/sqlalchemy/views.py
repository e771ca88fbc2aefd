"""Show rows as Shows, and the read side's cache of them: listings read the same rows over
and over. A Show is frozen, so equal values from the same compiled statement make an equal Show,
and one serves every read of them. Rows with a seat map are not kept: its text can run to
hundreds of kilobytes, and every booking makes a new version of the row.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from typing import Any

import orjson

from boxoffice.adapters.sqlalchemy.compiled import CompiledStatement
from boxoffice.domain.model import Price, Show, ShowStatus
from boxoffice.domain.seating import SeatMap, SeatRow

# Where a show row holds its seat map's text.
_SEAT_MAP_COLUMN = 7


def show_from_row(row: Sequence[Any]) -> Show:
    (
        show_id,
        movie_id,
        owner_id,
        timing,
        ends_at,
        capacity,
        available,
        seat_map,
        held,
        status,
        screen_id,
        cinema_id,
        occupied_until,
        currency,
        prices,
        waitlisted,
    ) = row
    return Show(
        show_id,
        movie_id,
        owner_id,
        timing,
        ends_at,
        capacity,
        available,
        None if seat_map is None else seat_map_of(seat_map),
        held,
        ShowStatus(status),
        screen_id,
        cinema_id,
        occupied_until,
        currency,
        () if prices is None else prices_of(prices),
        waitlisted,
    )


def prices_text(prices: tuple[Price, ...]) -> str | None:
    """A price list as stored: NULL for none."""
    if not prices:
        return None
    stored = [{"ticket_type": p.ticket_type, "zone": p.zone, "amount": p.amount} for p in prices]
    return json.dumps(stored, separators=(",", ":"))


@functools.lru_cache(maxsize=4096)
def prices_of(text: str) -> tuple[Price, ...]:
    """A stored price list. Parsed once each: shows are read on every listing, and a show's
    prices change far less often than its seats."""
    return tuple(Price(p["ticket_type"], p["zone"], p["amount"]) for p in json.loads(text))


def seat_map_text(plan: SeatMap) -> str:
    """A seat map as stored: its rows, its blocked seats and its zones' seats, in map order."""
    rows = [{"label": row.label, "seats": row.seats} for row in plan.rows]
    stored: dict[str, Any] = {"rows": rows, "blocked": _in_order(plan, plan.blocked)}
    if plan.zones:
        stored["zones"] = {name: _in_order(plan, seats) for name, seats in plan.zones}
    return json.dumps(stored, separators=(",", ":"))


def _in_order(plan: SeatMap, seats: frozenset[str]) -> list[str]:
    return sorted(seats, key=plan.positions.__getitem__)


@functools.lru_cache(maxsize=1024)
def seat_map_of(text: str) -> SeatMap:
    """A stored seat map. Shows are read far more often than added: each distinct map is
    parsed once."""
    stored = json.loads(text)
    zones = stored.get("zones", {})
    return SeatMap(
        tuple(SeatRow(row["label"], row["seats"]) for row in stored["rows"]),
        frozenset(stored["blocked"]),
        tuple((name, frozenset(seats)) for name, seats in zones.items()),
    )


def listed_show(compiled: CompiledStatement, raw: tuple[Any, ...] | str) -> Show:
    """The Show of a listed row, as the driver gave it (unconverted), or as its JSON text."""
    if isinstance(raw, str):
        return _by_text.get(raw) or _show_of_text(compiled, raw)
    if raw[_SEAT_MAP_COLUMN] is not None:
        return _show(compiled, raw)
    return _interned_show(compiled, raw)


# Rows without a seat map, by their JSON text: a listing meets the same ones again and again.
_MAX_KEPT_TEXTS = 4096
_by_text: dict[str, Show] = {}


def _show_of_text(compiled: CompiledStatement, text: str) -> Show:
    values = tuple(orjson.loads(text))
    show = _show(compiled, values)
    if values[_SEAT_MAP_COLUMN] is None:
        if len(_by_text) >= _MAX_KEPT_TEXTS:
            _by_text.clear()
        _by_text[text] = show
    return show


def _show(compiled: CompiledStatement, raw: tuple[Any, ...]) -> Show:
    return show_from_row(compiled.row(raw))


# Rows without a seat map: a few hundred bytes each, with their Show.
@functools.lru_cache(maxsize=4096)
def _interned_show(compiled: CompiledStatement, raw: tuple[Any, ...]) -> Show:
    return _show(compiled, raw)
