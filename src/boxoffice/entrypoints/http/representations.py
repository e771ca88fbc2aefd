"""Entities as JSON objects. What is not listed here is never sent (a password hash above all)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from boxoffice.domain.catalog import ShowSeats
from boxoffice.domain.model import Booking, Hold, Movie, Show, User

JsonObject = dict[str, Any]


def _instant(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


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
        "timing": _instant(entity.timing),
        "capacity": entity.capacity,
        "available_seats": entity.available_seats,
        "seat_map": None if entity.seat_map is None else entity.seat_map.to_json(),
    }


def show_seats(view: ShowSeats) -> JsonObject:
    states = iter(view.chart.states())
    return {
        "show_id": view.show.id,
        "capacity": view.show.capacity,
        "available_seats": view.show.available_seats,
        "rows": [
            {
                "label": row.label,
                "seats": [
                    {"seat": label, "state": str(state)}
                    for label, state in (next(states) for _ in range(row.seats))
                ],
            }
            for row in view.chart.plan.rows
        ],
    }


def booking(entity: Booking) -> JsonObject:
    return {
        "id": entity.id,
        "show_id": entity.show_id,
        "user_id": entity.user_id,
        "num_seats": entity.num_seats,
        "status": str(entity.status),
        "created_at": _instant(entity.created_at),
        "cancelled_at": _instant(entity.cancelled_at),
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
        "created_at": _instant(entity.created_at),
        "expires_at": _instant(entity.expires_at),
        "booking_id": entity.booking_id,
    }
