"""Webhooks and their outbox of deliveries, as Core statements (see repositories.py)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import datetime
from typing import Any

import attrs
from sqlalchemy import (
    Integer,
    Text,
    bindparam,
    delete,
    func,
    insert,
    literal_column,
    select,
    update,
)

from boxoffice.adapters.sqlalchemy.errors import MissingReference
from boxoffice.adapters.sqlalchemy.statements import Statements
from boxoffice.adapters.sqlalchemy.tables import (
    Id,
    UtcDateTime,
    webhook_deliveries,
    webhook_outbox,
    webhooks,
)
from boxoffice.domain.delivery import deliverable
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
_DELETE_WEBHOOK = delete(webhooks).where(webhooks.c.id == bindparam("webhook_id"))
# A webhook's row locked: FOR UPDATE by its deletion, first, and FOR KEY SHARE by whatever
# writes its deliveries, first, so that neither waits for the other holding a delivery's row.
_LOCK_WEBHOOK = select(webhooks.c.id).where(webhooks.c.id == bindparam("webhook_id"))
_DELETING = _LOCK_WEBHOOK.with_for_update()
_KEEPING = _LOCK_WEBHOOK.with_for_update(key_share=True)

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
# Without LIKE: SQLite prepares a statement again whenever the pattern bound to a LIKE changes.
_CINEMA_SUBSCRIPTIONS = select(webhooks.c.id, webhooks.c.events).where(
    webhooks.c.cinema_id == bindparam("cinema_id")
)
_o = webhook_outbox
_d = webhook_deliveries
# SQLite numbers an INTEGER PRIMARY KEY max(id) + 1, and a delivery done with has left the
# outbox: its id must not be given again.
_NEXT_SQLITE_ID = select(
    func.max(
        func.coalesce(select(func.max(_o.c.id)).scalar_subquery(), 0),
        func.coalesce(select(func.max(_d.c.id)).scalar_subquery(), 0),
    )
    + 1
).scalar_subquery()
_INSERT_OUTBOX_SQLITE = insert(_o).values(id=_NEXT_SQLITE_ID)
# One delivery per subscribing webhook, in one statement: nothing is written when none does.
_QUEUE_EVENT = insert(_o).from_select(
    [
        "webhook_id",
        "event_id",
        "event_type",
        "show_id",
        "body",
        "attempts",
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
        bindparam("due_at", type_=UtcDateTime),
        bindparam("created_at", type_=UtcDateTime),
    )
    .where(*_SUBSCRIBED)
    # Kept until the change commits: a webhook deleted meanwhile waits, and takes this
    # delivery with it, rather than the change failing on a webhook gone.
    .with_for_update(key_share=True),
)

# Rows in Delivery's field order, from either table.
_QUEUED_COLUMNS = (
    _o.c.id,
    _o.c.webhook_id,
    _o.c.event_id,
    _o.c.event_type,
    _o.c.show_id,
    _o.c.attempts,
    literal_column("'pending'", Text).label("status"),
    _o.c.last_status,
    _o.c.last_error,
    _o.c.next_attempt_at,
    _o.c.created_at,
)
_DONE_COLUMNS = (
    _d.c.id,
    _d.c.webhook_id,
    _d.c.event_id,
    _d.c.event_type,
    _d.c.show_id,
    _d.c.attempts,
    _d.c.status,
    _d.c.last_status,
    _d.c.last_error,
    literal_column("NULL", UtcDateTime).label("next_attempt_at"),
    _d.c.created_at,
)
_QUEUED_BETWEEN = select(*_QUEUED_COLUMNS).where(
    _o.c.id >= bindparam("low"), _o.c.id <= bindparam("high")
)
_DONE_BY_ID = select(*_DONE_COLUMNS).where(_d.c.id == bindparam("id"))
_QUEUED_PAGE = (
    select(*_QUEUED_COLUMNS)
    .where(_o.c.webhook_id == bindparam("webhook_id"), _o.c.id > bindparam("after"))
    .order_by(_o.c.id)
    .limit(bindparam("limit"))
)
_DONE_PAGE = (
    select(*_DONE_COLUMNS)
    .where(_d.c.webhook_id == bindparam("webhook_id"), _d.c.id > bindparam("after"))
    .order_by(_d.c.id)
    .limit(bindparam("limit"))
)
# What the order of deliveries needs of the oldest queued ones, by id: the outbox holds what is
# not yet delivered, and a round reads a window of it.
QUEUE_WINDOW = 10_000
_QUEUE = (
    select(_o.c.id, _o.c.webhook_id, _o.c.show_id, _o.c.next_attempt_at)
    .order_by(_o.c.id)
    .limit(bindparam("window"))
)
_OUTGOING = (
    select(*_QUEUED_COLUMNS, webhooks.c.url, webhooks.c.secret, _o.c.body)
    .join_from(_o, webhooks, webhooks.c.id == _o.c.webhook_id)
    .where(_o.c.id >= bindparam("low"), _o.c.id <= bindparam("high"))
    .order_by(_o.c.id)
)
_UPDATE_QUEUED = update(_o).where(_o.c.id == bindparam("delivery_id"))
# A delivery done with moves out of the outbox, unless its webhook's deletion took it already.
_FINISH = insert(_d).from_select(
    [
        "id",
        "webhook_id",
        "event_id",
        "event_type",
        "show_id",
        "attempts",
        "status",
        "last_status",
        "last_error",
        "created_at",
    ],
    select(
        _o.c.id,
        _o.c.webhook_id,
        _o.c.event_id,
        _o.c.event_type,
        _o.c.show_id,
        bindparam("attempts", type_=Integer),
        bindparam("status", type_=Text),
        bindparam("last_status", type_=Integer),
        bindparam("last_error", type_=Text),
        _o.c.created_at,
    ).where(_o.c.id == bindparam("delivery_id")),
)
_DEQUEUE = delete(_o).where(_o.c.id == bindparam("delivery_id"))
_DELETE_QUEUED = delete(_o).where(_o.c.webhook_id == bindparam("webhook_id"))
_DELETE_DONE = delete(_d).where(_d.c.webhook_id == bindparam("webhook_id"))


@attrs.frozen
class _Queued:
    id: int
    webhook_id: int
    show_id: int | None
    next_attempt_at: datetime


def _subscribes(events: str, kind: str) -> bool:
    return events == ALL_EVENTS or kind in events.split(",")


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
        self._sql.first(_DELETING, {"webhook_id": webhook_id})
        self._sql.write(_DELETE_QUEUED, {"webhook_id": webhook_id})
        self._sql.write(_DELETE_DONE, {"webhook_id": webhook_id})
        self._sql.write(_DELETE_WEBHOOK, {"webhook_id": webhook_id})

    def keep(self, webhook_ids: Iterable[int]) -> None:
        for webhook_id in sorted(set(webhook_ids)):
            self._sql.first(_KEEPING, {"webhook_id": webhook_id})

    def list(self, cinema_id: int, *, after: int | None, limit: int) -> list[Webhook]:
        rows = self._sql.all(
            _CINEMA_WEBHOOKS_PAGE, {"cinema_id": cinema_id, "after": after or 0, "limit": limit}
        )
        return [_webhook(row) for row in rows]


class SqlAlchemyOutbox:
    """look_first: read the cinema's subscriptions before rendering the body, and write one row
    per subscriber (SQLite, where a read costs no round trip); otherwise the body is rendered
    and one INSERT ... SELECT of the subscribers goes with the transaction's other writes
    (PostgreSQL sends them with its COMMIT): no round trip more for a cinema without webhooks."""

    def __init__(self, statements: Statements, *, look_first: bool) -> None:
        self._sql = statements
        self._look_first = look_first

    def add(self, event: OutboxEvent, body: Callable[[], str]) -> None:
        kind = event.type.value
        if self._look_first:
            rows = self._sql.all(_CINEMA_SUBSCRIPTIONS, {"cinema_id": event.cinema_id})
            subscribers = [row[0] for row in rows if _subscribes(row[1], kind)]
            if not subscribers:
                return
            text = body()
            for webhook_id in subscribers:
                self._sql.write(
                    _INSERT_OUTBOX_SQLITE,
                    {
                        "webhook_id": webhook_id,
                        "event_id": event.id,
                        "event_type": kind,
                        "show_id": event.show_id,
                        "body": text,
                        "attempts": 0,
                        "next_attempt_at": event.occurred_at,
                        "created_at": event.occurred_at,
                    },
                )
            return
        self._sql.write(
            _QUEUE_EVENT,
            {
                "cinema_id": event.cinema_id,
                "pattern": f"%,{kind},%",
                "event_id": event.id,
                "event_type": kind,
                "show_id": event.show_id,
                "body": body(),
                "due_at": event.occurred_at,
                "created_at": event.occurred_at,
            },
        )

    def pending(self, now: datetime, *, limit: int) -> list[Outgoing]:
        queue = [_Queued(*row) for row in self._sql.all(_QUEUE, {"window": QUEUE_WINDOW})]
        chosen = {queued.id for queued in deliverable(queue, now)[:limit]}
        if not chosen:
            return []
        rows = self._sql.all(_OUTGOING, {"low": min(chosen), "high": max(chosen)})
        return [
            Outgoing(_delivery(row), row[11], row[12], row[13]) for row in rows if row[0] in chosen
        ]

    def find(self, delivery_ids: Collection[int]) -> dict[int, Delivery]:
        wanted = set(delivery_ids)
        if not wanted:
            return {}
        # One read of the outbox between the lowest and highest: it holds only what is
        # pending, so the range holds little more than the ids asked for.
        span = {"low": min(wanted), "high": max(wanted)}
        found = {
            row[0]: _delivery(row)
            for row in self._sql.all(_QUEUED_BETWEEN, span)
            if row[0] in wanted
        }
        # Those done with already, which a dispatcher seldom asks for.
        for delivery_id in sorted(wanted - found.keys()):
            row = self._sql.first(_DONE_BY_ID, {"id": delivery_id})
            if row is not None:
                found[delivery_id] = _delivery(row)
        return found

    def save(self, deliveries: Sequence[Delivery]) -> None:
        # A statement each for those still pending and those done with, each run once for
        # all its rows: a dispatcher records a round of hundreds in one transaction.
        again: list[dict[str, Any]] = []
        finished: list[dict[str, Any]] = []
        for delivery in deliveries:
            outcome = {
                "delivery_id": delivery.id,
                "attempts": delivery.attempts,
                "last_status": delivery.last_status,
                "last_error": delivery.last_error,
            }
            if delivery.status is DeliveryStatus.PENDING:
                again.append({**outcome, "next_attempt_at": delivery.next_attempt_at})
            else:
                finished.append({**outcome, "status": delivery.status.value})
        self._sql.write_all(_UPDATE_QUEUED, again)
        self._sql.write_all(_FINISH, finished)
        self._sql.write_all(_DEQUEUE, [{"delivery_id": row["delivery_id"]} for row in finished])

    def list(self, webhook_id: int, *, after: int | None, limit: int) -> list[Delivery]:
        page = {"webhook_id": webhook_id, "after": after or 0, "limit": limit}
        rows = [*self._sql.all(_QUEUED_PAGE, page), *self._sql.all(_DONE_PAGE, page)]
        return sorted((_delivery(row) for row in rows), key=lambda d: d.id)[:limit]
