"""Webhooks: a cinema's owner registers endpoints for the events of its shows; deliveries
record each attempt. Events are written by outbox.publish; the dispatcher takes the pending
deliveries (DueDeliveries) and records what its attempts came to (RecordAttempts).
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence
from datetime import datetime

import attrs

from boxoffice.domain import rules
from boxoffice.domain.acting import Ports, acting
from boxoffice.domain.delivery import (
    Attempt,
    Destination,
    next_attempt,
    refused_addresses,
    require_webhook_url,
)
from boxoffice.domain.errors import NotFound, ValidationError
from boxoffice.domain.model import (
    ALL_EVENTS,
    UNSAVED,
    Actor,
    AuditAction,
    AuditEvent,
    Delivery,
    DeliveryStatus,
    Outgoing,
    Role,
    Webhook,
    WebhookEvent,
)
from boxoffice.domain.paging import Page, fetch_page
from boxoffice.domain.ports import Resolver, UnitOfWork
from boxoffice.domain.venues import owned_cinema

# Outgoing deliveries one call of DueDeliveries hands out at most.
MAX_DUE_PER_CALL = 1000
MAX_ERROR_CHARS = 200


def new_secret() -> str:
    """The Standard Webhooks form: "whsec_" and the base64 of 32 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def require_events(value: object) -> tuple[str, ...]:
    """Event types, each once, or ["*"] for all of them; in the order given."""
    known = ", ".join(kind.value for kind in WebhookEvent)
    if isinstance(value, str) or not isinstance(value, Sequence) or not value:
        raise ValidationError("events", f'must be a non-empty list of: {known}, or ["*"]')
    events = []
    for kind in value:
        if kind != ALL_EVENTS and kind not in WebhookEvent._value2member_map_:
            raise ValidationError("events", f'each must be one of: {known}, or "*"')
        if kind in events:
            raise ValidationError("events", f"names {kind} twice")
        events.append(str(kind))
    if ALL_EVENTS in events and len(events) > 1:
        raise ValidationError("events", '"*" already means every event: give it alone')
    return tuple(events)


def require_reachable(
    destination: Destination, resolver: Resolver | None, allow_private: bool
) -> None:
    """Refuse an endpoint on the operator's own network (loopback, private, link-local,
    metadata addresses), unless allowed; the dispatcher checks again when it connects, since
    what a name resolves to may change."""
    if allow_private:
        return
    if destination.literal_address:
        addresses = [destination.host]
    elif resolver is None:
        # Checked at delivery only: this Boxoffice was built without a resolver.
        return
    else:
        addresses = resolver.addresses(destination.host, destination.port)
        if not addresses:
            raise ValidationError("url", f"the host {destination.host} does not resolve")
    refused = refused_addresses(addresses)
    if refused:
        raise ValidationError(
            "url",
            f"must not point to a loopback, private, link-local or reserved address "
            f"({', '.join(refused)})",
        )


def _event(
    action: AuditAction, webhook: Webhook, actor: Actor, client: str | None, at: datetime
) -> AuditEvent:
    # Names the webhook, never its secret or URL.
    return AuditEvent(UNSAVED, at, action, actor.id, f"webhook:{webhook.id}", client)


def _checked(attempt: object) -> Attempt:
    if not isinstance(attempt, Attempt):
        raise ValidationError("attempt", "must be an Attempt(status=..., error=...)")
    if attempt.status is not None:
        rules.require_int("status", attempt.status, low=100, high=999)
    if attempt.error is not None:
        if not isinstance(attempt.error, str):
            raise ValidationError("error", "must be a string")
        error = rules.require_text(
            "error", attempt.error[:MAX_ERROR_CHARS], max_chars=MAX_ERROR_CHARS
        )
        return Attempt(attempt.status, error)
    return attempt


def owned_webhook(uow: UnitOfWork, actor: Actor, webhook_id: int) -> Webhook:
    webhook = uow.webhooks.get(webhook_id)
    cinema = None if webhook is None else uow.cinemas.get(webhook.cinema_id)
    # Another owner's webhook is reported as missing, like another user's booking.
    if webhook is None or cinema is None or cinema.owner_id != actor.id:
        raise NotFound("webhook", webhook_id)
    return webhook


def without_secret(webhook: Webhook) -> Webhook:
    # An empty secret: the webhook as later reads show it, never a password.
    return attrs.evolve(webhook, secret="")  # nosec B106


@attrs.frozen
class AddWebhook:
    ports: Ports

    def __call__(
        self,
        actor: Actor,
        cinema_id: int,
        *,
        url: str,
        events: Sequence[str],
        client: str | None = None,
    ) -> Webhook:
        cinema_id = rules.require_id("cinema_id", cinema_id)
        checked_url, destination = require_webhook_url(url)
        kinds = require_events(events)
        client = rules.require_client(client)
        # Resolved before the unit of work: no transaction waits on DNS.
        require_reachable(
            destination, self.ports.resolver, self.ports.limits.webhooks_allow_private
        )
        now = self.ports.clock.now()
        with acting(self.ports, actor, Role.OWNER, "add webhooks") as uow:
            owned_cinema(uow, actor, cinema_id)
            webhook = uow.webhooks.add(
                Webhook(UNSAVED, cinema_id, checked_url, kinds, new_secret(), now)
            )
            uow.audit.add(_event(AuditAction.WEBHOOK_ADDED, webhook, actor, client, now))
            uow.commit()
        return webhook


@attrs.frozen
class ListWebhooks:
    ports: Ports

    def __call__(
        self, actor: Actor, cinema_id: int, *, after: int | None = None, limit: int | None = None
    ) -> Page[Webhook]:
        cinema_id = rules.require_id("cinema_id", cinema_id)
        cursor, size = rules.require_page(self.ports.limits, after, limit)
        with acting(self.ports, actor, Role.OWNER, "list webhooks", read_only=True) as uow:
            owned_cinema(uow, actor, cinema_id)
            page = fetch_page(lambda n: uow.webhooks.list(cinema_id, after=cursor, limit=n), size)
        return Page(tuple(without_secret(w) for w in page), page.next_after)


@attrs.frozen
class GetWebhook:
    ports: Ports

    def __call__(self, actor: Actor, webhook_id: int) -> Webhook:
        webhook_id = rules.require_id("webhook_id", webhook_id)
        with acting(self.ports, actor, Role.OWNER, "read webhooks", read_only=True) as uow:
            return without_secret(owned_webhook(uow, actor, webhook_id))


@attrs.frozen
class DeleteWebhook:
    """Delete a webhook: its deliveries still pending are never attempted again."""

    ports: Ports

    def __call__(self, actor: Actor, webhook_id: int, *, client: str | None = None) -> Webhook:
        webhook_id = rules.require_id("webhook_id", webhook_id)
        client = rules.require_client(client)
        with acting(self.ports, actor, Role.OWNER, "delete webhooks") as uow:
            webhook = owned_webhook(uow, actor, webhook_id)
            uow.webhooks.delete(webhook_id)
            now = self.ports.clock.now()
            uow.audit.add(_event(AuditAction.WEBHOOK_DELETED, webhook, actor, client, now))
            uow.commit()
        return without_secret(webhook)


@attrs.frozen
class ListDeliveries:
    """A webhook's deliveries, oldest first: each event's attempts and their outcome."""

    ports: Ports

    def __call__(
        self, actor: Actor, webhook_id: int, *, after: int | None = None, limit: int | None = None
    ) -> Page[Delivery]:
        webhook_id = rules.require_id("webhook_id", webhook_id)
        cursor, size = rules.require_page(self.ports.limits, after, limit)
        with acting(self.ports, actor, Role.OWNER, "list deliveries", read_only=True) as uow:
            owned_webhook(uow, actor, webhook_id)
            return fetch_page(lambda n: uow.outbox.list(webhook_id, after=cursor, limit=n), size)


@attrs.frozen
class DueDeliveries:
    """The deliveries to attempt now, for the dispatcher (delivery.deliverable): no actor,
    like the sweeper's calls."""

    ports: Ports

    def __call__(self, *, limit: int = 100) -> list[Outgoing]:
        limit = rules.require_int("limit", limit, low=1, high=MAX_DUE_PER_CALL)
        now = self.ports.clock.now()
        with self.ports.uow(read_only=True) as uow:
            return uow.outbox.pending(now, limit=limit)


@attrs.frozen
class RecordAttempts:
    """Record the attempts of deliveries, all in one transaction: each delivered on a 2xx,
    otherwise retried later, or failed once its event is a day old. For each, the delivery as
    recorded, or None when it is gone (its webhook deleted)."""

    ports: Ports

    def __call__(self, attempts: Sequence[tuple[int, Attempt]]) -> list[Delivery | None]:
        checked = [(rules.require_id("delivery_id", d), _checked(a)) for d, a in attempts]
        if not checked:
            return []
        now = self.ports.clock.now()
        recorded: list[Delivery | None] = []
        with self.ports.uow() as uow:
            ids = {delivery_id for delivery_id, _ in checked}
            uow.webhooks.keep(delivery.webhook_id for delivery in uow.outbox.find(ids).values())
            # Read again once kept: a deletion that went first has taken them.
            current = uow.outbox.find(ids)
            # What this round records, by id, written at the end in one go.
            done: dict[int, Delivery] = {}
            for delivery_id, attempt in checked:
                delivery = done.get(delivery_id) or current.get(delivery_id)
                if delivery is None or delivery.status is not DeliveryStatus.PENDING:
                    recorded.append(delivery)
                    continue
                done[delivery_id] = self._recorded(delivery, attempt, now)
                recorded.append(done[delivery_id])
            uow.outbox.save(list(done.values()))
            uow.commit()
        return recorded

    def _recorded(self, delivery: Delivery, attempt: Attempt, now: datetime) -> Delivery:
        later = None
        status = DeliveryStatus.DELIVERED
        if not attempt.succeeded:
            later = next_attempt(
                delivery.created_at,
                delivery.attempts + 1,
                now,
                jitter=self.ports.jitter(),
                first_delay=self.ports.limits.webhook_first_retry_seconds,
            )
            status = DeliveryStatus.PENDING if later is not None else DeliveryStatus.FAILED
        return attrs.evolve(
            delivery,
            attempts=delivery.attempts + 1,
            status=status,
            last_status=attempt.status,
            last_error=attempt.error,
            next_attempt_at=later,
        )
