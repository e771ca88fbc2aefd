"""The use cases record who did what, when, to what and from where: and nothing secret."""

from __future__ import annotations

from datetime import timedelta

import pytest

from boxoffice.adapters.memory import InMemoryStore, InMemoryUnitOfWork, InMemoryUnitOfWorkFactory
from boxoffice.domain.errors import (
    InvalidCredentials,
    NotEnoughSeats,
    StorageUnavailable,
    TooManyAttempts,
    ValidationError,
)
from boxoffice.domain.model import AuditAction, AuditEvent
from boxoffice.domain.service import Boxoffice
from tests.fakes import FakeClock, FakePasswordHasher, FakeTokenService
from tests.unit.conftest import PASSWORD, MakeActor, MakeShow

CLIENT = "192.0.2.7"


def events(app: Boxoffice) -> list[AuditEvent]:
    return list(app.list_audit_events(limit=500))


def last(app: Boxoffice) -> AuditEvent:
    return events(app)[-1]


def test_a_sign_up_is_recorded_as_the_new_user_acting_on_itself(
    app: Boxoffice, clock: FakeClock
) -> None:
    ada = app.sign_up(name="Ada", email="Ada@Example.com", password=PASSWORD, client=CLIENT)
    assert events(app) == [
        AuditEvent(
            id=1,
            occurred_at=clock.now(),
            action=AuditAction.SIGNED_UP,
            actor_id=ada.id,
            target=f"user:{ada.id}",
            client=CLIENT,
        )
    ]


def test_a_log_in_is_recorded_at_the_clocks_time(app: Boxoffice, clock: FakeClock) -> None:
    ada = app.sign_up(name="Ada", email="ada@example.com", password=PASSWORD)
    clock.advance(minutes=3)
    app.log_in(email="ADA@example.com", password=PASSWORD, client=CLIENT)
    event = last(app)
    assert (event.action, event.actor_id, event.target, event.client) == (
        AuditAction.LOGGED_IN,
        ada.id,
        f"user:{ada.id}",
        CLIENT,
    )
    assert event.occurred_at == clock.now()
    assert event.detail == {}


def test_a_wrong_password_names_the_account_and_the_email_tried(app: Boxoffice) -> None:
    ada = app.sign_up(name="Ada", email="ada@example.com", password=PASSWORD)
    with pytest.raises(InvalidCredentials):
        app.log_in(email=" Ada@Example.COM", password="wrong password", client=CLIENT)
    event = last(app)
    assert (event.action, event.actor_id, event.target, event.client) == (
        AuditAction.LOGIN_FAILED,
        ada.id,
        "email:ada@example.com",
        CLIENT,
    )


def test_an_unknown_email_is_recorded_without_an_actor_at_the_same_cost(
    app: Boxoffice, hasher: FakePasswordHasher
) -> None:
    hasher.verifies = 0
    with pytest.raises(InvalidCredentials):
        app.log_in(email="nobody@example.com", password="wrong password")
    # The decoy check still runs: recording must not make unknown emails cheaper to try.
    assert hasher.verifies == 1
    event = last(app)
    assert (event.action, event.actor_id, event.target, event.client) == (
        AuditAction.LOGIN_FAILED,
        None,
        "email:nobody@example.com",
        None,
    )


def test_a_throttled_log_in_is_recorded_but_not_counted(app: Boxoffice, clock: FakeClock) -> None:
    ada = app.sign_up(name="Ada", email="ada@example.com", password=PASSWORD)
    for _ in range(10):
        with pytest.raises(InvalidCredentials):
            app.log_in(email="ada@example.com", password="wrong password", client=CLIENT)
    with pytest.raises(TooManyAttempts):
        app.log_in(email="ada@example.com", password=PASSWORD, client=CLIENT)
    event = last(app)
    assert (event.action, event.actor_id, event.target, event.client) == (
        AuditAction.LOGIN_THROTTLED,
        ada.id,
        "email:ada@example.com",
        CLIENT,
    )
    # Throttled attempts are not failures: the window still ends on time.
    clock.advance(minutes=15)
    app.log_in(email="ada@example.com", password=PASSWORD, client=CLIENT)
    actions = [e.action for e in events(app)]
    assert actions.count(AuditAction.LOGIN_FAILED) == 10
    assert actions.count(AuditAction.LOGIN_THROTTLED) == 1
    assert actions[-1] is AuditAction.LOGGED_IN


def test_an_email_no_account_can_have_is_not_recorded(app: Boxoffice) -> None:
    for email in ["x" * 300 + "@example.com", "a\x00b@example.com", 7]:
        with pytest.raises(InvalidCredentials):
            app.log_in(email=email, password="wrong password")
    assert events(app) == []


def test_a_booking_and_its_cancellation_are_recorded_with_show_and_seats(
    app: Boxoffice, make_show: MakeShow, make_user: MakeActor, clock: FakeClock
) -> None:
    show = make_show(seats=10)
    ada = make_user("ada@example.com")
    booking = app.book_seats(ada, show_id=show.id, num_seats=3, client=CLIENT)
    booked = last(app)
    clock.advance(minutes=1)
    app.cancel_booking(ada, booking.id, client="198.51.100.1")
    cancelled = last(app)
    assert (booked.action, booked.actor_id, booked.target, booked.client) == (
        AuditAction.BOOKED,
        ada.id,
        f"booking:{booking.id}",
        CLIENT,
    )
    assert booked.detail == {"show_id": show.id, "num_seats": 3}
    assert (cancelled.action, cancelled.actor_id, cancelled.target, cancelled.client) == (
        AuditAction.BOOKING_CANCELLED,
        ada.id,
        f"booking:{booking.id}",
        "198.51.100.1",
    )
    assert cancelled.detail == {"show_id": show.id, "num_seats": 3}
    assert booked.occurred_at == booking.created_at
    assert cancelled.occurred_at == clock.now() > booking.created_at


def test_replays_of_an_idempotent_request_record_nothing_more(
    app: Boxoffice, make_show: MakeShow, make_user: MakeActor
) -> None:
    show = make_show(seats=10)
    ada = make_user("ada@example.com")
    before = len(events(app))
    for _ in range(3):
        booking = app.book_seats(ada, show_id=show.id, num_seats=2, idempotency_key="order-1")
    for _ in range(3):
        app.cancel_booking(ada, booking.id, idempotency_key="undo-1")
    assert [e.action for e in events(app)[before:]] == [
        AuditAction.BOOKED,
        AuditAction.BOOKING_CANCELLED,
    ]


def test_a_refused_booking_records_nothing(
    app: Boxoffice, make_show: MakeShow, make_user: MakeActor
) -> None:
    show = make_show(seats=2)
    ada = make_user("ada@example.com")
    before = events(app)
    with pytest.raises(NotEnoughSeats):
        app.book_seats(ada, show_id=show.id, num_seats=3)
    assert events(app) == before


class BrokenAuditLog:
    def add(self, event: AuditEvent) -> AuditEvent:
        raise StorageUnavailable("the audit log is unavailable")

    def list(self, *, after: int | None, limit: int) -> list[AuditEvent]:
        return []


class UnitOfWorkWithBrokenAudit(InMemoryUnitOfWork):
    @property
    def audit(self) -> BrokenAuditLog:  # type: ignore[override]
        return BrokenAuditLog()


def test_an_action_whose_event_cannot_be_stored_does_not_happen(
    hasher: FakePasswordHasher, tokens: FakeTokenService, clock: FakeClock
) -> None:
    store = InMemoryStore()
    working = Boxoffice.from_ports(
        uow=InMemoryUnitOfWorkFactory(store), hasher=hasher, tokens=tokens, clock=clock
    )
    broken = Boxoffice.from_ports(
        uow=lambda read_only=False: UnitOfWorkWithBrokenAudit(store),
        hasher=hasher,
        tokens=tokens,
        clock=clock,
    )
    working.sign_up(name="O", email="owner@example.com", password=PASSWORD, role="owner")
    owner = working.authenticate(working.log_in(email="owner@example.com", password=PASSWORD))
    film = working.add_movie(owner, title="Alien", genre="Sci-fi", duration=117)
    show = working.add_show(
        owner, movie_id=film.id, timing=clock.now() + timedelta(days=1), available_seats=5
    )
    working.sign_up(name="Ada", email="ada@example.com", password=PASSWORD)
    ada = working.authenticate(working.log_in(email="ada@example.com", password=PASSWORD))
    booking = working.book_seats(ada, show_id=show.id, num_seats=1)

    with pytest.raises(StorageUnavailable):
        broken.sign_up(name="Bob", email="bob@example.com", password=PASSWORD)
    with pytest.raises(StorageUnavailable):
        broken.book_seats(ada, show_id=show.id, num_seats=2)
    with pytest.raises(StorageUnavailable):
        broken.cancel_booking(ada, booking.id)
    with pytest.raises(StorageUnavailable):
        broken.log_in(email="ada@example.com", password="wrong password")

    # Each action and its event are one transaction: neither happened.
    assert working.get_show(show.id).available_seats == 4
    assert working.get_booking(ada, booking.id).is_active
    assert [u.email for u in store.users.rows.values()] == ["owner@example.com", "ada@example.com"]
    assert store.login_failures == {}


def test_no_password_or_token_is_ever_recorded(
    app: Boxoffice, make_show: MakeShow, make_user: MakeActor
) -> None:
    show = make_show(seats=10)
    ada = make_user("ada@example.com")
    token = app.log_in(email="ada@example.com", password=PASSWORD, client=CLIENT)
    with pytest.raises(InvalidCredentials):
        app.log_in(email="ada@example.com", password="my other password", client=CLIENT)
    booking = app.book_seats(ada, show_id=show.id, num_seats=1, idempotency_key="key-1")
    app.cancel_booking(ada, booking.id)
    recorded = repr(events(app))
    for secret in [PASSWORD, "my other password", token, "key-1", "hashed:"]:
        assert secret not in recorded


@pytest.mark.parametrize("client", [5, "", "x" * 101, "a\x00b"])
def test_the_client_is_short_text_everywhere(
    app: Boxoffice, make_show: MakeShow, make_user: MakeActor, client: object
) -> None:
    show = make_show(seats=10)
    ada = make_user("ada@example.com")
    before = events(app)
    with pytest.raises(ValidationError):
        app.sign_up(name="Bob", email="bob@example.com", password=PASSWORD, client=client)
    with pytest.raises(ValidationError):
        app.book_seats(ada, show_id=show.id, num_seats=1, client=client)
    booking = app.book_seats(ada, show_id=show.id, num_seats=1)
    with pytest.raises(ValidationError):
        app.cancel_booking(ada, booking.id, client=client)
    assert [e.action for e in events(app)[len(before) :]] == [AuditAction.BOOKED]


def test_the_trail_pages_by_id(app: Boxoffice) -> None:
    for n in range(5):
        app.sign_up(name="U", email=f"u{n}@example.com", password=PASSWORD)
    first = app.list_audit_events(limit=2)
    assert [e.id for e in first] == [1, 2]
    assert first.next_after == 2
    rest = app.list_audit_events(after=first.next_after, limit=10)
    assert [e.id for e in rest] == [3, 4, 5]
    assert rest.next_after is None
    with pytest.raises(ValidationError):
        app.list_audit_events(limit=0)
