"""Webhooks: a cinema's owner registers endpoints for its events and reads their deliveries."""

from __future__ import annotations

from boxoffice.domain.service import Boxoffice
from boxoffice.entrypoints.http import shapes
from boxoffice.entrypoints.http.endpoints import Call, Listing


class Webhooks:
    def __init__(self, boxoffice: Boxoffice) -> None:
        self._boxoffice = boxoffice

    def add(self, call: Call[shapes.WebhookRequest, None]) -> shapes.NewWebhook:
        webhook = self._boxoffice.add_webhook(
            call.actor,
            call.ids["cinema_id"],
            url=call.body.url,
            events=call.body.events,
            client=call.client,
        )
        return shapes.NewWebhook.of(webhook)

    def list(self, call: Call[None, shapes.PageQuery]) -> Listing:
        page = self._boxoffice.list_webhooks(
            call.actor, call.ids["cinema_id"], after=call.query.after, limit=call.query.limit
        )
        return Listing.of(page, shapes.Webhook.of)

    def get(self, call: Call[None, None]) -> shapes.Webhook:
        return shapes.Webhook.of(self._boxoffice.get_webhook(call.actor, call.ids["webhook_id"]))

    def delete(self, call: Call[None, None]) -> shapes.Webhook:
        webhook = self._boxoffice.delete_webhook(
            call.actor, call.ids["webhook_id"], client=call.client
        )
        return shapes.Webhook.of(webhook)

    def deliveries(self, call: Call[None, shapes.PageQuery]) -> Listing:
        page = self._boxoffice.list_deliveries(
            call.actor, call.ids["webhook_id"], after=call.query.after, limit=call.query.limit
        )
        return Listing.of(page, shapes.Delivery.of)
