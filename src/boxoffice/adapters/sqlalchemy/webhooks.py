"""Webhooks and their outbox of deliveries, as Core statements (see repositories.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import attrs
from sqlalchemy import Text, bindparam, delete, exists, insert, literal_column, select, update

from boxoffice.adapters.sqlalchemy.errors import MissingReference
from boxoffice.adapters.sqlalchemy.statements import Statements
from boxoffice.adapters.sqlalchemy.tables import Id, UtcDateTime, webhook_deliveries, webhooks
from boxoffice.domain.errors import NotFound
from boxoffice.domain.model import (
    ALL_EVENTS,
    Delivery,
    DeliveryStatus,
    OutboxEvent,
    Outgoing,
    Webhook,
)

_WEBHOOKS = select(
    webhooks.c.id,
    webhooks.c.cinema_id,
    webhooks.c.url,
    webhooks.c.events,
    webhooks.c.secret,
    webhooks.c.created_at,
)
_WEBHOOK_BY_ID = _WEBHOOKS.where(webhooks.c.id == bindparam("id"))
_CINEMA_WEBHOOKS_PAGE = (
    _WEBHOOKS.where(
        webhooks.c.cinema_id == bindparam("cinema_id"), webhooks.c.id > bindparam("after")
    )
    .order_by(webhooks.c.id)
    .limit(bindparam("limit"))
)
_INSERT_WEBHOOK = insert(webhooks)
_DELETE_DELIVERIES = delete(webhook_deliveries).where(
    webhook_deliveries.c.webhook_id == bindparam("webhook_id")
)
_DELETE_WEBHOOK = delete(webhooks).where(webhooks.c.id == bindparam("webhook_id"))

# A webhook of the event's cinema that subscribes to its type: "*", or the type among its
# comma-separated ones.
_SUBSCRIBED = (
    webhooks.c.cinema_id == bindparam("cinema_id"),
    (webhooks.c.events == ALL_EVENTS)
    | (
        (literal_column("','", Text) + webhooks.c.events + literal_column("','", Text)).like(
            bindparam("pattern", type_=Text)
        )
    ),
)
_ANY_SUBSCRIBED = select(webhooks.c.id).where(*_SUBSCRIBED).limit(1)
_PENDING = literal_column("'pending'", Text)
# One delivery per subscribing webhook, in one statement: nothing is written when none does.
_QUEUE_EVENT = insert(webhook_deliveries).from_select(
    [
        "webhook_id",
        "event_id",
        "event_type",
        "show_id",
        "body",
        "attempts",
        "status",
        "next_attempt_at",
        "created_at",
    ],
    select(
        webhooks.c.id,
        bindparam("event_id", type_=Text),
        bindparam("event_type", type_=Text),
        bindparam("show_id", type_=Id),
        bindparam("body", type_=Text),
        literal_column("0"),
        _PENDING,
        bindparam("due_at", type_=UtcDateTime),
        bindparam("created_at", type_=UtcDateTime),
    ).where(*_SUBSCRIBED),
)

_d = webhook_deliveries
_earlier = webhook_deliveries.alias("earlier")
_DELIVERY_COLUMNS = (
    _d.c.id,
    _d.c.webhook_id,
    _d.c.event_id,
    _d.c.event_type,
    _d.c.show_id,
    _d.c.attempts,
    _d.c.status,
    _d.c.last_status,
    _d.c.last_error,
    _d.c.next_attempt_at,
    _d.c.created_at,
)
_DELIVERY_BY_ID = select(*_DELIVERY_COLUMNS).where(_d.c.id == bindparam("id"))
_WEBHOOK_DELIVERIES_PAGE = (
    select(*_DELIVERY_COLUMNS)
    .where(_d.c.webhook_id == bindparam("webhook_id"), _d.c.id > bindparam("after"))
    .order_by(_d.c.id)
    .limit(bindparam("limit"))
)
# Due, and no earlier delivery of its webhook and show still pending (delivery.deliverable).
_DUE = (
    select(*_DELIVERY_COLUMNS, webhooks.c.url, webhooks.c.secret, _d.c.body)
    .join_from(_d, webhooks, webhooks.c.id == _d.c.webhook_id)
    .where(
        _d.c.status == _PENDING,
        _d.c.next_attempt_at <= bindparam("now", type_=UtcDateTime),
        ~exists().where(
            _earlier.c.webhook_id == _d.c.webhook_id,
            _earlier.c.show_id == _d.c.show_id,
            _earlier.c.status == _PENDING,
            _earlier.c.id < _d.c.id,
        ),
    )
    .order_by(_d.c.id)
    .limit(bindparam("limit"))
)
_UPDATE_DELIVERY = update(webhook_deliveries).where(
    webhook_deliveries.c.id == bindparam("delivery_id")
)


def _webhook(row: Sequence[Any]) -> Webhook:
    webhook_id, cinema_id, url, events, secret, created_at = row
    return Webhook(webhook_id, cinema_id, url, tuple(events.split(",")), secret, created_at)


def _delivery(row: Sequence[Any]) -> Delivery:
    (
        delivery_id,
        webhook_id,
        event_id,
        event_type,
        show_id,
        attempts,
        status,
        last_status,
        last_error,
        next_attempt_at,
        created_at,
    ) = row[:11]
    return Delivery(
        delivery_id,
        webhook_id,
        event_id,
        event_type,
        show_id,
        attempts,
        DeliveryStatus(status),
        last_status,
        last_error,
        next_attempt_at,
        created_at,
    )


class SqlAlchemyWebhookRepository:
    def __init__(self, statements: Statements) -> None:
        self._sql = statements

    def add(self, webhook: Webhook) -> Webhook:
        try:
            webhook_id = self._sql.insert(
                _INSERT_WEBHOOK,
                {
                    "cinema_id": webhook.cinema_id,
                    "url": webhook.url,
                    "events": ",".join(webhook.events),
                    "secret": webhook.secret,
                    "created_at": webhook.created_at,
                },
            )
        except MissingReference:
            raise NotFound("cinema", webhook.cinema_id) from None
        return attrs.evolve(webhook, id=webhook_id)

    def get(self, webhook_id: int) -> Webhook | None:
        row = self._sql.first(_WEBHOOK_BY_ID, {"id": webhook_id})
        return None if row is None else _webhook(row)

    def delete(self, webhook_id: int) -> None:
        self._sql.write(_DELETE_DELIVERIES, {"webhook_id": webhook_id})
        self._sql.write(_DELETE_WEBHOOK, {"webhook_id": webhook_id})

    def list(self, cinema_id: int, *, after: int | None, limit: int) -> list[Webhook]:
        rows = self._sql.all(
            _CINEMA_WEBHOOKS_PAGE, {"cinema_id": cinema_id, "after": after or 0, "limit": limit}
        )
        return [_webhook(row) for row in rows]


class SqlAlchemyOutbox:
    """look_first: ask whether any webhook subscribes before rendering the body (SQLite, where
    a look costs no round trip); otherwise the body is rendered and the one INSERT ... SELECT
    goes with the transaction's other writes (PostgreSQL defers them to its COMMIT)."""

    def __init__(self, statements: Statements, *, look_first: bool) -> None:
        self._sql = statements
        self._look_first = look_first

    def add(self, event: OutboxEvent, body: Callable[[], str]) -> None:
        pattern = f"%,{event.type.value},%"
        if self._look_first:
            found = self._sql.first(
                _ANY_SUBSCRIBED, {"cinema_id": event.cinema_id, "pattern": pattern}
            )
            if found is None:
                return
        self._sql.write(
            _QUEUE_EVENT,
            {
                "cinema_id": event.cinema_id,
                "pattern": pattern,
                "event_id": event.id,
                "event_type": event.type.value,
                "show_id": event.show_id,
                "body": body(),
                "due_at": event.occurred_at,
                "created_at": event.occurred_at,
            },
        )

    def pending(self, now: datetime, *, limit: int) -> list[Outgoing]:
        rows = self._sql.all(_DUE, {"now": now, "limit": limit})
        return [Outgoing(_delivery(row), row[11], row[12], row[13]) for row in rows]

    def get(self, delivery_id: int) -> Delivery | None:
        row = self._sql.first(_DELIVERY_BY_ID, {"id": delivery_id})
        return None if row is None else _delivery(row)

    def save(self, delivery: Delivery) -> None:
        self._sql.write(
            _UPDATE_DELIVERY,
            {
                "delivery_id": delivery.id,
                "attempts": delivery.attempts,
                "status": delivery.status.value,
                "last_status": delivery.last_status,
                "last_error": delivery.last_error,
                "next_attempt_at": delivery.next_attempt_at,
            },
        )

    def list(self, webhook_id: int, *, after: int | None, limit: int) -> list[Delivery]:
        rows = self._sql.all(
            _WEBHOOK_DELIVERIES_PAGE,
            {"webhook_id": webhook_id, "after": after or 0, "limit": limit},
        )
        return [_delivery(row) for row in rows]
