"""Entities as JSON objects. What is not listed here is never sent (a password hash above all).

Instants stay datetimes: json_media encodes them as RFC 3339 text, in C.
"""

from __future__ import annotations

import functools
import json
from datetime import tzinfo
from typing import Any

from boxoffice.domain.catalog import ShowSeats
from boxoffice.domain.model import Booking, Hold, Movie, Show, User
from boxoffice.domain.seating import STATE_OF_CODE, SeatMap
from boxoffice.entrypoints.http import json_media

JsonObject = dict[str, Any]


def user(entity: User) -> JsonObject:
    return {"id": entity.id, "name": entity.name, "email": entity.email, "role": str(entity.role)}


def movie(entity: Movie) -> JsonObject:
    return {
        "id": entity.id,
        "title": entity.title,
        "genre": entity.genre,
        "duration": entity.duration,
    }


def show(entity: Show) -> JsonObject:
    return {
        "id": entity.id,
        "movie_id": entity.movie_id,
        "owner_id": entity.owner_id,
        "timing": entity.timing,
        "capacity": entity.capacity,
        "available_seats": entity.available_seats,
        "seat_map": None if entity.seat_map is None else entity.seat_map.to_json(),
    }


def show_json(entity: Show) -> bytes:
    """A show's JSON, encoded once per distinct show: a listing sends the same ones again and
    again (100 shows a page; their dicts and their encoding were 70 of a page's 370 µs).
    Seated shows are encoded each time: a seat map's JSON can be large, and every booking makes
    a new version of the show.
    """
    if entity.seat_map is not None:
        return json_media.dumps(show(entity))
    # Equal shows may still be written differently: the same instant at another UTC offset.
    return _show_json(entity, entity.timing.tzinfo)


# General-admission shows: a few hundred bytes each.
@functools.lru_cache(maxsize=4096)
def _show_json(entity: Show, _zone: tzinfo | None) -> bytes:
    return json_media.dumps(show(entity))


def show_seats_json(view: ShowSeats) -> str:
    """{"show_id", "capacity", "available_seats", "rows": [{"label", "seats": [{"seat",
    "state"}]}]} as JSON text. Built from pieces encoded once per seat map: a 500-seat map is
    read far more often than it changes, and encoding 500 objects per read cost more than
    everything else the request does.
    """
    pieces = _seat_map_pieces(view.chart.plan)
    codes = view.chart.codes
    rows = ",".join(
        head + ",".join(seat[code] for seat, code in zip(seats, codes[start:], strict=False)) + "]}"
        for head, start, seats in pieces
    )
    show = view.show
    return (
        f'{{"show_id":{show.id},"capacity":{show.capacity},'
        f'"available_seats":{show.available_seats},"rows":[{rows}]}}'
    )


# Per row: its opening text, the position of its first seat, and per seat its JSON by state code.
_RowPieces = tuple[str, int, tuple[dict[str, str], ...]]


@functools.lru_cache(maxsize=256)
def _seat_map_pieces(plan: SeatMap) -> tuple[_RowPieces, ...]:
    def seat(label: str) -> dict[str, str]:
        return {
            code: json.dumps({"seat": label, "state": str(state)}, separators=(",", ":"))
            for code, state in STATE_OF_CODE.items()
        }

    return tuple(
        (
            json.dumps({"label": row.label}, separators=(",", ":"))[:-1] + ',"seats":[',
            start,
            tuple(seat(label) for label in plan.labels[start : start + row.seats]),
        )
        for start, row in plan.row_spans()
    )


def booking(entity: Booking) -> JsonObject:
    return {
        "id": entity.id,
        "show_id": entity.show_id,
        "user_id": entity.user_id,
        "num_seats": entity.num_seats,
        "status": str(entity.status),
        "created_at": entity.created_at,
        "cancelled_at": entity.cancelled_at,
        "seats": list(entity.seats),
    }


def hold(entity: Hold) -> JsonObject:
    return {
        "id": entity.id,
        "show_id": entity.show_id,
        "user_id": entity.user_id,
        "num_seats": entity.num_seats,
        "seats": list(entity.seats),
        "status": str(entity.status),
        "created_at": entity.created_at,
        "expires_at": entity.expires_at,
        "booking_id": entity.booking_id,
    }


def booking_json(entity: Booking) -> bytes:
    return json_media.dumps(booking(entity))


def movie_json(entity: Movie) -> bytes:
    return json_media.dumps(movie(entity))
