"""Webhooks and their outbox over each adapter: an event is written with its change, or not at
all; deliveries come due in each show's order; a deleted webhook's never come due again."""

from __future__ import annotations

import base64
import json
import threading
import time
from datetime import timedelta

import pytest

from boxoffice.domain.delivery import RETRY_FOR, Attempt
from boxoffice.domain.errors import Forbidden, NotEnoughSeats, NotFound, ValidationError
from boxoffice.domain.model import (
    Actor,
    AuditAction,
    DeliveryStatus,
    OutboxEvent,
    Show,
    Webhook,
    WebhookEvent,
)
from boxoffice.domain.ports import UnitOfWorkFactory
from boxoffice.domain.service import Boxoffice
from tests.fakes import START, FakeClock

PASSWORD = "correct horse"
URL = "https://hooks.example.com/boxoffice"


def sign_up(app: Boxoffice, email: str, role: str = "user") -> Actor:
    app.sign_up(name=email.split("@")[0], email=email, password=PASSWORD, role=role)
    return app.actor_for(email=email, password=PASSWORD)


@pytest.fixture
def owner(app: Boxoffice) -> Actor:
    return sign_up(app, "owner@example.com", "owner")


@pytest.fixture
def buyer(app: Boxoffice) -> Actor:
    return sign_up(app, "buyer@example.com")


def cinema_show(app: Boxoffice, owner: Actor, *, seats: int = 10, days: int = 1) -> Show:
    """A general-admission show in a new cinema of the owner's."""
    cinema = app.add_cinema(owner, name=f"Cinema {days}", time_zone="UTC", currency="EUR")
    hall = app.add_screen(owner, cinema.id, name="Hall", capacity=seats)
    film = app.add_movie(owner, title="Metropolis", genre="drama", duration=153)
    return app.add_show(
        owner, movie_id=film.id, timing=START + timedelta(days=days), screen_id=hall.id
    )


def hook(app: Boxoffice, owner: Actor, show: Show, events: list[str] | None = None) -> Webhook:
    assert show.cinema_id is not None
    return app.add_webhook(owner, show.cinema_id, url=URL, events=events or ["*"])


def test_add_list_get_and_delete(app: Boxoffice, owner: Actor, buyer: Actor) -> None:
    show = cinema_show(app, owner)
    assert show.cinema_id is not None
    added = app.add_webhook(
        owner, show.cinema_id, url=URL, events=["booking.created", "show.cancelled"]
    )
    assert (added.cinema_id, added.url, added.events) == (
        show.cinema_id,
        URL,
        ("booking.created", "show.cancelled"),
    )
    assert added.secret.startswith("whsec_")
    assert len(base64.b64decode(added.secret.removeprefix("whsec_"))) == 32
    # The secret is shown once: later reads leave it out.
    listed = app.list_webhooks(owner, show.cinema_id)
    assert [(w.id, w.events, w.secret) for w in listed] == [(added.id, added.events, "")]
    assert app.get_webhook(owner, added.id).secret == ""
    rival = sign_up(app, "rival@example.com", "owner")
    with pytest.raises(NotFound):
        app.get_webhook(rival, added.id)
    with pytest.raises(NotFound):
        app.add_webhook(rival, show.cinema_id, url=URL, events=["*"])
    with pytest.raises(Forbidden):
        app.list_webhooks(buyer, show.cinema_id)
    assert app.delete_webhook(owner, added.id).id == added.id
    with pytest.raises(NotFound):
        app.get_webhook(owner, added.id)
    assert list(app.list_webhooks(owner, show.cinema_id)) == []
    # Audited by id, never with the secret or the URL.
    audited = [e for e in app.list_audit_events() if e.target.startswith("webhook:")]
    assert [(e.action, e.target, e.actor_id) for e in audited] == [
        (AuditAction.WEBHOOK_ADDED, f"webhook:{added.id}", owner.id),
        (AuditAction.WEBHOOK_DELETED, f"webhook:{added.id}", owner.id),
    ]


@pytest.mark.parametrize(
    ("url", "events"),
    [
        ("ftp://hooks.example.com/", ["*"]),
        ("https:///no-host", ["*"]),
        ("https://user:pw@hooks.example.com/", ["*"]),
        ("http://127.0.0.1:8000/", ["*"]),
        ("http://[::1]/", ["*"]),
        ("http://169.254.169.254/latest/meta-data", ["*"]),
        ("http://10.1.2.3/", ["*"]),
        (URL, []),
        (URL, ["booking.made"]),
        (URL, ["*", "booking.created"]),
        (URL, ["booking.created", "booking.created"]),
    ],
)
def test_bad_urls_and_events_are_refused(
    app: Boxoffice, owner: Actor, url: str, events: list[str]
) -> None:
    show = cinema_show(app, owner)
    assert show.cinema_id is not None
    with pytest.raises(ValidationError):
        app.add_webhook(owner, show.cinema_id, url=url, events=events)


def test_a_committed_booking_has_its_event(
    app: Boxoffice, owner: Actor, buyer: Actor, clock: FakeClock
) -> None:
    show = cinema_show(app, owner)
    webhook = hook(app, owner, show)
    booking = app.book_seats(buyer, show_id=show.id, num_seats=2)
    (due,) = app.due_deliveries()
    delivery = due.delivery
    assert (due.url, due.secret) == (URL, webhook.secret)
    assert (delivery.webhook_id, delivery.event_type, delivery.show_id) == (
        webhook.id,
        "booking.created",
        show.id,
    )
    assert (delivery.attempts, delivery.status, delivery.next_attempt_at) == (
        0,
        DeliveryStatus.PENDING,
        clock.now(),
    )
    body = json.loads(due.body)
    assert (body["id"], body["type"]) == (delivery.event_id, "booking.created")
    assert body["data"]["id"] == booking.id
    assert body["occurred_at"].startswith("2030-01-01T12:00:00")
    assert [d.id for d in app.list_deliveries(owner, webhook.id)] == [delivery.id]


def test_a_refused_change_has_no_event(app: Boxoffice, owner: Actor, buyer: Actor) -> None:
    show = cinema_show(app, owner, seats=2)
    webhook = hook(app, owner, show)
    with pytest.raises(NotEnoughSeats):
        app.book_seats(buyer, show_id=show.id, num_seats=3)
    assert app.due_deliveries() == []
    assert list(app.list_deliveries(owner, webhook.id)) == []


def test_a_rolled_back_unit_of_work_writes_no_event(
    app: Boxoffice, owner: Actor, uow_factory: UnitOfWorkFactory
) -> None:
    show = cinema_show(app, owner)
    hook(app, owner, show)
    assert show.cinema_id is not None
    event = OutboxEvent("evt_1", WebhookEvent.SHOW_CANCELLED, show.cinema_id, show.id, START)
    with uow_factory() as uow:
        uow.outbox.add(event, lambda: "{}")
    assert app.due_deliveries() == []
    with uow_factory() as uow:
        uow.outbox.add(event, lambda: "{}")
        uow.commit()
    assert [d.delivery.event_id for d in app.due_deliveries()] == ["evt_1"]


def test_only_subscribing_webhooks_of_the_shows_cinema_hear(
    app: Boxoffice, owner: Actor, buyer: Actor
) -> None:
    show = cinema_show(app, owner)
    elsewhere = cinema_show(app, owner, days=2)
    cancelled_only = hook(app, owner, show, ["booking.cancelled"])
    other_cinema = hook(app, owner, elsewhere)
    booking = app.book_seats(buyer, show_id=show.id, num_seats=1)
    assert app.due_deliveries() == []
    film = app.add_movie(owner, title="Nosferatu", genre="horror", duration=94)
    bare = app.add_show(
        owner, movie_id=film.id, timing=START + timedelta(days=3), available_seats=5
    )
    app.book_seats(buyer, show_id=bare.id, num_seats=1)
    assert app.due_deliveries() == []
    app.cancel_booking(buyer, booking.id)
    (due,) = app.due_deliveries()
    assert (due.delivery.webhook_id, due.delivery.event_type) == (
        cancelled_only.id,
        "booking.cancelled",
    )
    assert list(app.list_deliveries(owner, other_cinema.id)) == []


def test_every_kind_of_event(app: Boxoffice, owner: Actor, buyer: Actor, clock: FakeClock) -> None:
    show = cinema_show(app, owner, seats=2)
    webhook = hook(app, owner, show)
    booking = app.book_seats(buyer, show_id=show.id, num_seats=2)
    waiter = sign_up(app, "waiter@example.com")
    entry = app.join_waitlist(waiter, show.id, num_seats=1)
    app.cancel_booking(buyer, booking.id)
    offered = app.get_waitlist_entry(waiter, entry.id)
    assert offered.hold_id is not None
    second = app.confirm_hold(waiter, offered.hold_id)
    app.update_show(owner, show.id, timing=START + timedelta(days=1, hours=6))
    clock.advance(days=1, hours=5, minutes=30)
    app.check_in(owner, code=second.tickets[0].code, show_id=show.id)
    app.cancel_show(owner, show.id)
    kinds = [d.event_type for d in app.list_deliveries(owner, webhook.id)]
    assert kinds == [
        "booking.created",
        "booking.cancelled",
        "waitlist.offered",
        "booking.created",
        "show.rescheduled",
        "checkin.admitted",
        "booking.cancelled",
        "show.cancelled",
    ]


def test_a_shows_events_come_due_in_order(
    app: Boxoffice, owner: Actor, buyer: Actor, clock: FakeClock
) -> None:
    show = cinema_show(app, owner)
    other = cinema_show(app, owner, days=2)
    assert other.cinema_id is not None
    webhook = hook(app, owner, show)
    second_hook = app.add_webhook(owner, other.cinema_id, url=URL, events=["*"])
    first = app.book_seats(buyer, show_id=show.id, num_seats=1)
    later = app.book_seats(buyer, show_id=show.id, num_seats=1)
    app.book_seats(buyer, show_id=other.id, num_seats=1)
    due = app.due_deliveries()
    assert [(d.delivery.webhook_id, d.delivery.show_id) for d in due] == [
        (webhook.id, show.id),
        (webhook.id, show.id),
        (second_hook.id, other.id),
    ]
    assert [json.loads(d.body)["data"]["id"] for d in due[:2]] == [first.id, later.id]
    # A failed attempt holds the show's later events back while it backs off.
    retried = app.record_attempt(due[0].delivery.id, status=500)
    assert retried is not None
    assert (retried.attempts, retried.status, retried.last_status) == (
        1,
        DeliveryStatus.PENDING,
        500,
    )
    assert retried.next_attempt_at is not None
    assert clock.now() < retried.next_attempt_at <= clock.now() + timedelta(seconds=1.5)
    assert [d.delivery.show_id for d in app.due_deliveries()] == [other.id]
    clock.advance(seconds=2)
    assert [d.delivery.id for d in app.due_deliveries()] == [d.delivery.id for d in due]
    delivered, _ = app.record_attempts(
        [(due[0].delivery.id, Attempt(status=204)), (due[2].delivery.id, Attempt(status=200))]
    )
    assert delivered is not None
    assert (delivered.status, delivered.next_attempt_at, delivered.attempts) == (
        DeliveryStatus.DELIVERED,
        None,
        2,
    )
    assert [d.delivery.id for d in app.due_deliveries()] == [due[1].delivery.id]
    assert [d.status for d in app.list_deliveries(owner, webhook.id)] == [
        DeliveryStatus.DELIVERED,
        DeliveryStatus.PENDING,
    ]


def test_a_round_of_attempts_is_recorded_as_if_one_by_one(
    app: Boxoffice, owner: Actor, buyer: Actor
) -> None:
    show = cinema_show(app, owner)
    webhook = hook(app, owner, show)
    for _ in range(3):
        app.book_seats(buyer, show_id=show.id, num_seats=1)
    first, second, third = (d.delivery.id for d in app.due_deliveries())
    recorded = app.record_attempts(
        [
            (first, Attempt(status=503)),
            (second, Attempt(error="timeout")),
            (first, Attempt(status=204)),
            (third, Attempt(status=200)),
            (third, Attempt(status=500)),
        ]
    )
    assert [(d.id, d.attempts, d.status) for d in recorded if d is not None] == [
        (first, 1, DeliveryStatus.PENDING),
        (second, 1, DeliveryStatus.PENDING),
        (first, 2, DeliveryStatus.DELIVERED),
        (third, 1, DeliveryStatus.DELIVERED),
        # Delivered already: a later attempt changes nothing.
        (third, 1, DeliveryStatus.DELIVERED),
    ]
    stored = {d.id: d for d in app.list_deliveries(owner, webhook.id)}
    assert (stored[first].attempts, stored[first].status, stored[first].last_status) == (
        2,
        DeliveryStatus.DELIVERED,
        204,
    )
    assert (stored[second].status, stored[second].last_error) == (
        DeliveryStatus.PENDING,
        "timeout",
    )
    assert stored[second].next_attempt_at is not None
    assert (stored[third].attempts, stored[third].status) == (1, DeliveryStatus.DELIVERED)


def test_a_delivery_fails_a_day_after_its_event(
    app: Boxoffice, owner: Actor, buyer: Actor, clock: FakeClock
) -> None:
    show = cinema_show(app, owner, days=3)
    hook(app, owner, show)
    app.book_seats(buyer, show_id=show.id, num_seats=1)
    (due,) = app.due_deliveries()
    app.record_attempt(due.delivery.id, error="connection refused")
    clock.advance(seconds=RETRY_FOR.total_seconds())
    failed = app.record_attempt(due.delivery.id, error="timeout")
    assert failed is not None
    assert (failed.status, failed.next_attempt_at, failed.last_error, failed.attempts) == (
        DeliveryStatus.FAILED,
        None,
        "timeout",
        2,
    )
    assert app.due_deliveries() == []


def test_a_deleted_webhooks_deliveries_stop(app: Boxoffice, owner: Actor, buyer: Actor) -> None:
    show = cinema_show(app, owner)
    webhook = hook(app, owner, show)
    app.book_seats(buyer, show_id=show.id, num_seats=1)
    (due,) = app.due_deliveries()
    app.delete_webhook(owner, webhook.id)
    assert app.due_deliveries() == []
    # An attempt in flight when it was deleted records nothing.
    assert app.record_attempt(due.delivery.id, status=200) is None
    app.book_seats(buyer, show_id=show.id, num_seats=1)
    assert app.due_deliveries() == []


def test_a_webhook_deleted_while_a_change_writes_its_delivery_takes_it_along(
    app: Boxoffice, owner: Actor, uow_factory: UnitOfWorkFactory
) -> None:
    show = cinema_show(app, owner)
    webhook = hook(app, owner, show)
    assert show.cinema_id is not None
    event = OutboxEvent("evt_1", WebhookEvent.SHOW_CANCELLED, show.cinema_id, show.id, START)
    deleting = threading.Event()
    failures: list[BaseException] = []

    def delete() -> None:
        deleting.set()
        try:
            app.delete_webhook(owner, webhook.id)
        except BaseException as error:
            failures.append(error)

    deleter = threading.Thread(target=delete)
    with uow_factory() as uow:
        uow.outbox.add(event, lambda: "{}")
        # A read sends the delivery's insert on its way where writes wait for the next one.
        assert uow.webhooks.get(webhook.id) is not None
        deleter.start()
        deleting.wait()
        # The deletion is under way (or waiting its turn) while the change commits.
        time.sleep(0.2)
        uow.commit()
    deleter.join(10)
    assert failures == []
    assert app.due_deliveries() == []
    with pytest.raises(NotFound):
        app.get_webhook(owner, webhook.id)


def test_a_webhook_deleted_while_its_attempts_are_recorded_waits_for_them(
    app: Boxoffice, owner: Actor, buyer: Actor, uow_factory: UnitOfWorkFactory
) -> None:
    show = cinema_show(app, owner)
    webhook = hook(app, owner, show)
    for _ in range(3):
        app.book_seats(buyer, show_id=show.id, num_seats=1)
    due = app.due_deliveries()
    recorded: list[object] = []
    failures: list[BaseException] = []

    def record() -> None:
        try:
            recorded.extend(
                app.record_attempts([(d.delivery.id, Attempt(status=200)) for d in due])
            )
        except BaseException as error:
            failures.append(error)

    recorder = threading.Thread(target=record)
    with uow_factory() as uow:
        # The deletion first, as the webhook's owner would make it, left open while the
        # dispatcher records what it sent.
        uow.webhooks.delete(webhook.id)
        recorder.start()
        time.sleep(0.2)
        uow.commit()
    recorder.join(10)
    assert failures == []
    assert recorded == [None, None, None]
    assert app.due_deliveries() == []
