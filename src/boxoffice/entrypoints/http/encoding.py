"""How every JSON response body is encoded: the one place that turns values into bytes.

Response values are the Structs of shapes.py. msgspec turns them into builtins and orjson writes
those, both in C; orjson writes instants as `datetime.isoformat()` does ("+00:00"), where
msgspec would write "Z".
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any

import falcon
import msgspec
import orjson
from falcon import media

from boxoffice.domain.catalog import ShowSeats
from boxoffice.domain.seating import STANDARD_ZONE, STATE_OF_CODE
from boxoffice.entrypoints.http import shapes


def dumps(value: Any) -> bytes:
    plain = msgspec.to_builtins(value, builtin_types=(datetime,))
    try:
        return orjson.dumps(plain)
    except orjson.JSONEncodeError:
        # What orjson refuses and JSON allows (an integer beyond 64 bits echoed back, a lone
        # surrogate): the standard library writes it, escaped, rather than a 500.
        return json.dumps(plain, default=_instant).encode()


def _instant(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def listing(items: Sequence[Any]) -> bytes:
    """A page of response values as a JSON array."""
    if items and isinstance(items[0], shapes.Show):
        # Most shows of a page were sent before: looked up here without a call per show.
        known = _shows.get
        encoded = [(s.seat_map is None and known((s, s.timing.tzinfo))) or show(s) for s in items]
        return b"[" + b",".join(encoded) + b"]"
    return dumps(items)


def show(value: shapes.Show) -> bytes:
    """A show's JSON, kept per distinct value: a listing sends the same ones again and again.
    Seated shows are encoded each time: a seat map's JSON can be large, and every booking makes
    a new version of the show.
    """
    if value.seat_map is not None:
        return dumps(value)
    # Equal instants may be written differently: the same one at another UTC offset.
    key = (value, value.timing.tzinfo)
    encoded = _shows.get(key)
    if encoded is None:
        if len(_shows) >= MAX_KEPT_SHOWS:
            _shows.clear()
        encoded = _shows[key] = dumps(value)
    return encoded


# General-admission shows, a few hundred bytes each, by value and UTC offset.
MAX_KEPT_SHOWS = 4096
_shows: dict[tuple[shapes.Show, tzinfo | None], bytes] = {}


def kept_shows() -> int:
    return len(_shows)


def install(app: falcon.App[falcon.Request, falcon.Response]) -> None:
    # Error bodies are set as media; request bodies are decoded by decoding.py.
    handler = media.JSONHandler(dumps=dumps)
    app.resp_options.media_handlers[falcon.MEDIA_JSON] = handler


def show_seats(view: ShowSeats) -> bytes:
    """shapes.ShowSeats as JSON, built from pieces encoded once per seat map: a 500-seat map is
    read far more often than it changes, and encoding 500 objects per read costs more than
    everything else the request does. Its pieces are kept by the map's rows and zones, values.
    """
    plan = view.chart.plan
    pieces = _row_pieces(tuple((row.label, row.seats) for row in plan.rows), plan.zones)
    codes = view.chart.codes
    rows = ",".join(
        head + ",".join(seat[code] for seat, code in zip(seats, codes[start:], strict=False)) + "]}"
        for head, start, seats in pieces
    )
    show = view.show
    return (
        f'{{"show_id":{show.id},"capacity":{show.capacity},'
        f'"available_seats":{show.available_seats},"rows":[{rows}]}}'
    ).encode()


# Per row: its opening text, the position of its first seat, and per seat its JSON by state code.
_RowPieces = tuple[str, int, tuple[dict[str, str], ...]]


@functools.lru_cache(maxsize=256)
def _row_pieces(
    rows: tuple[tuple[str, int], ...], zones: tuple[tuple[str, frozenset[str]], ...]
) -> tuple[_RowPieces, ...]:
    zone_of = {seat: name for name, seats in zones for seat in seats}

    def seat(label: str) -> dict[str, str]:
        zone = zone_of.get(label, STANDARD_ZONE)
        return {
            code: orjson.dumps({"seat": label, "state": str(state), "zone": zone}).decode()
            for code, state in STATE_OF_CODE.items()
        }

    pieces, start = [], 0
    for label, seats in rows:
        head = orjson.dumps({"label": label}).decode()[:-1] + ',"seats":['
        pieces.append((head, start, tuple(seat(f"{label}{n}") for n in range(1, seats + 1))))
        start += seats
    return tuple(pieces)
