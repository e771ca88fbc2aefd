"""The outbox: each change webhooks hear of is written as an event in the change's own unit of
work, so a change that rolls back has no event, and one that commits always has it. The
dispatcher delivers them later, outside any show's lock.

publish() is the one place events are written. An event is for the webhooks of the show's
cinema that subscribe to its type; a show in no cinema has none, and a cinema without webhooks
pays one look (Outbox.add). The body is rendered when the event is written: a later change
never alters what an event says.
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime
from typing import Any

import attrs

from boxoffice.domain.model import (
    Booking,
    OutboxEvent,
    Show,
    Ticket,
    WaitlistEntry,
    WebhookEvent,
)
from boxoffice.domain.ports import Presenter, UnitOfWork

Resource = Booking | Show | WaitlistEntry | Ticket


def new_event_id() -> str:
    """Unique to the event, random: receivers de-duplicate retries by it (webhook-id)."""
    return "evt_" + secrets.token_hex(16)


def publish(
    presenter: Presenter,
    uow: UnitOfWork,
    event_type: WebhookEvent,
    show: Show,
    resource: Resource,
    now: datetime,
) -> None:
    """Queue an event about the show in the unit of work of its change."""
    if show.cinema_id is None:
        return
    event = OutboxEvent(new_event_id(), event_type, show.cinema_id, show.id, now)
    uow.outbox.add(event, lambda: presenter.body(event, resource))


class PlainPresenter:
    """Bodies with the resource's fields as the domain holds them: for a library wired without
    the HTTP shapes (bootstrap wires those)."""

    def body(self, event: OutboxEvent, resource: Resource) -> str:
        envelope = {
            "id": event.id,
            "type": event.type.value,
            "occurred_at": event.occurred_at.isoformat(),
            "data": attrs.asdict(resource, recurse=True),
        }
        return json.dumps(envelope, default=_plain)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} is not JSON")
