"""Entities as JSON objects. What is not listed here is never sent (a password hash above all)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from boxoffice.domain.model import Booking, Movie, Show, User

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
    }
