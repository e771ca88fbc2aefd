"""The audit trail on every adapter: stored whole, paged by id, committed with its action."""

from __future__ import annotations

from datetime import timedelta, timezone

import attrs
import pytest

from boxoffice.domain.errors import InvalidCredentials, NotEnoughSeats, TooManyAttempts
from boxoffice.domain.model import UNSAVED, AuditAction, AuditEvent
from boxoffice.domain.ports import UnitOfWorkFactory
from boxoffice.domain.service import Boxoffice
from tests.contract.test_concurrency import a_show
from tests.fakes import START, FakeClock

PASSWORD = "correct horse"
CLIENT = "2001:db8::7"


def event(n: int, **fields: object) -> AuditEvent:
    values: dict[str, object] = {
        "id": UNSAVED,
        "occurred_at": START + timedelta(seconds=n),
        "action": AuditAction.SIGNED_UP,
        "actor_id": n,
        "target": f"user:{n}",
        "client": None,
    }
    values.update(fields)
    return AuditEvent(**values)  # type: ignore[arg-type]


def test_events_round_trip_whole_and_page_in_id_order(uow_factory: UnitOfWorkFactory) -> None:
    berlin = START.astimezone(timezone(timedelta(hours=1)))
    added = [
        event(1, client=CLIENT),
        event(2, action=AuditAction.LOGIN_FAILED, actor_id=None, target="email:x@y.z"),
        event(3, action=AuditAction.BOOKED, target="booking:9", show_id=4, num_seats=2),
        event(4, occurred_at=berlin),
    ]
    with uow_factory() as uow:
        for one in added:
            assert uow.audit.add(one) is None
        uow.commit()
    with uow_factory(read_only=True) as uow:
        stored = uow.audit.list(after=None, limit=10)
    # The log numbers the events, in the order they were added, and keeps them whole.
    assert [e.id for e in stored] == sorted({e.id for e in stored})
    assert UNSAVED not in [e.id for e in stored]
    assert [attrs.evolve(e, id=UNSAVED) for e in stored] == added
    with uow_factory(read_only=True) as uow:
        assert uow.audit.list(after=None, limit=10) == stored
        assert uow.audit.list(after=stored[0].id, limit=2) == stored[1:3]
        assert uow.audit.list(after=stored[3].id, limit=10) == []
        last = uow.audit.list(after=stored[2].id, limit=1)[0]
    # The instant survives, and comes back aware (in UTC on SQL).
    assert last.occurred_at == berlin
    assert last.occurred_at.utcoffset() is not None


def test_events_of_a_rolled_back_unit_of_work_are_gone(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        uow.audit.add(event(1))
    with uow_factory(read_only=True) as uow:
        assert uow.audit.list(after=None, limit=10) == []


def test_every_recorded_action_on_every_adapter(app: Boxoffice, clock: FakeClock) -> None:
    owner = app.sign_up(
        name="O", email="owner@example.com", password=PASSWORD, role="owner", client=CLIENT
    )
    ada = app.sign_up(name="Ada", email="ada@example.com", password=PASSWORD)
    with pytest.raises(InvalidCredentials):
        app.log_in(email="ada@example.com", password="wrong password", client=CLIENT)
    with pytest.raises(InvalidCredentials):
        app.log_in(email="nobody@example.com", password="wrong password", client=CLIENT)
    actor = app.authenticate(app.log_in(email="ada@example.com", password=PASSWORD, client=CLIENT))
    owner_actor = app.authenticate(app.log_in(email="owner@example.com", password=PASSWORD))
    film = app.add_movie(owner_actor, title="Alien", genre="Sci-fi", duration=117)
    show = app.add_show(
        owner_actor, movie_id=film.id, timing=START + timedelta(days=1), available_seats=5
    )
    booking = app.book_seats(actor, show_id=show.id, num_seats=2, client=CLIENT)
    with pytest.raises(NotEnoughSeats):
        app.book_seats(actor, show_id=show.id, num_seats=4, client=CLIENT)
    app.cancel_booking(actor, booking.id, client=CLIENT)

    recorded = [
        (e.action, e.actor_id, e.target, e.client, e.detail) for e in app.list_audit_events()
    ]

    booking_detail = {"show_id": show.id, "num_seats": 2}
    assert recorded == [
        (AuditAction.SIGNED_UP, owner.id, f"user:{owner.id}", CLIENT, {}),
        (AuditAction.SIGNED_UP, ada.id, f"user:{ada.id}", None, {}),
        (AuditAction.LOGIN_FAILED, ada.id, "email:ada@example.com", CLIENT, {}),
        (AuditAction.LOGIN_FAILED, None, "email:nobody@example.com", CLIENT, {}),
        (AuditAction.LOGGED_IN, ada.id, f"user:{ada.id}", CLIENT, {}),
        (AuditAction.LOGGED_IN, owner.id, f"user:{owner.id}", None, {}),
        (AuditAction.BOOKED, ada.id, f"booking:{booking.id}", CLIENT, booking_detail),
        (AuditAction.BOOKING_CANCELLED, ada.id, f"booking:{booking.id}", CLIENT, booking_detail),
    ]
    assert {e.occurred_at for e in app.list_audit_events()} == {clock.now()}


def test_a_throttled_log_in_is_recorded(app: Boxoffice) -> None:
    for _ in range(10):
        with pytest.raises(InvalidCredentials):
            app.log_in(email="nobody@example.com", password="wrong password")
    with pytest.raises(TooManyAttempts):
        app.log_in(email="nobody@example.com", password="wrong password")
    recorded = [(e.action, e.actor_id, e.target) for e in app.list_audit_events()]
    assert recorded == [(AuditAction.LOGIN_FAILED, None, "email:nobody@example.com")] * 10 + [
        (AuditAction.LOGIN_THROTTLED, None, "email:nobody@example.com")
    ]


def test_idempotent_replays_record_one_event_each(app: Boxoffice) -> None:
    ada, show = a_show(app, seats=10)
    before = len(app.list_audit_events())
    for _ in range(3):
        booking = app.book_seats(ada, show_id=show.id, num_seats=2, idempotency_key="order-1")
    for _ in range(3):
        app.cancel_booking(ada, booking.id, idempotency_key="undo-1")
    assert [e.action for e in app.list_audit_events(after=before)] == [
        AuditAction.BOOKED,
        AuditAction.BOOKING_CANCELLED,
    ]


def test_no_password_or_token_is_ever_stored(app: Boxoffice) -> None:
    ada, show = a_show(app, seats=10)
    token = app.log_in(email="owner@example.com", password="password")
    with pytest.raises(InvalidCredentials):
        app.log_in(email="owner@example.com", password="a guessed password")
    booking = app.book_seats(ada, show_id=show.id, num_seats=1, idempotency_key="key-1")
    app.cancel_booking(ada, booking.id)
    recorded = repr(list(app.list_audit_events()))
    for secret in ["password", "a guessed password", token, "key-1", "hashed:"]:
        assert secret not in recorded
