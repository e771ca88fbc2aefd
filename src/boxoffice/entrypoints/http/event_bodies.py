"""Webhook bodies: {id, type, occurred_at, data}, data the resource exactly as the HTTP API
shows it (shapes.py), written as encoding.py writes every response."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from boxoffice.domain import model
from boxoffice.entrypoints.http import shapes
from boxoffice.entrypoints.http.encoding import dumps

_SHAPES: dict[type, Callable[[Any], shapes.Response]] = {
    model.Booking: shapes.Booking.of,
    model.Show: shapes.Show.of,
    model.WaitlistEntry: shapes.WaitlistEntry.of,
    model.Ticket: shapes.Ticket.of,
}


def body(
    event: model.OutboxEvent,
    resource: model.Booking | model.Show | model.WaitlistEntry | model.Ticket,
) -> str:
    envelope = {
        "id": event.id,
        "type": event.type.value,
        "occurred_at": event.occurred_at,
        "data": _SHAPES[type(resource)](resource),
    }
    return dumps(envelope).decode()
