"""Failed log-ins are counted in storage, so every adapter (and every process) pauses alike."""

from __future__ import annotations

from datetime import timedelta

import pytest

from boxoffice.domain.errors import InvalidCredentials, TooManyAttempts
from boxoffice.domain.ports import UnitOfWorkFactory
from boxoffice.domain.service import Boxoffice
from tests.fakes import FakeClock


def fail(app: Boxoffice, times: int, email: str = "ada@example.com") -> None:
    for _ in range(times):
        with pytest.raises(InvalidCredentials):
            app.log_in(email=email, password="wrong password", client="192.0.2.1")


def test_an_account_is_paused_for_the_window_then_opens(app: Boxoffice, clock: FakeClock) -> None:
    app.sign_up(name="Ada", email="ada@example.com", password="correct horse")
    fail(app, 5)
    clock.advance(minutes=5)
    fail(app, 5)
    with pytest.raises(TooManyAttempts) as paused:
        app.log_in(email="ada@example.com", password="correct horse", client="192.0.2.1")
    # The oldest failure leaves the window first.
    assert paused.value.retry_after == 10 * 60
    clock.advance(minutes=10)
    # Five failures remain in the window: five more may be tried.
    fail(app, 5)
    with pytest.raises(TooManyAttempts):
        app.log_in(email="ada@example.com", password="correct horse")
    clock.advance(minutes=15)
    assert app.log_in(email="ada@example.com", password="correct horse", client="192.0.2.1")


def test_a_success_clears_the_account_but_not_the_client(app: Boxoffice, clock: FakeClock) -> None:
    app.sign_up(name="Ada", email="ada@example.com", password="correct horse")
    fail(app, 9)
    app.log_in(email="ada@example.com", password="correct horse", client="192.0.2.1")
    fail(app, 9)
    for n in range(50 - 18):
        with pytest.raises(InvalidCredentials):
            app.log_in(email=f"x{n}@example.com", password="wrong", client="192.0.2.1")
    with pytest.raises(TooManyAttempts):
        app.log_in(email="ada@example.com", password="correct horse", client="192.0.2.1")


def test_expired_failures_of_everyone_are_pruned(
    app: Boxoffice, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    fail(app, 3, email="first-guess@example.com")
    clock.advance(minutes=16)
    fail(app, 1, email="second-guess@example.com")
    with uow_factory(read_only=True) as uow:
        long_ago = clock.now() - timedelta(days=1)
        assert uow.login_attempts.failures_since("account:first-guess@example.com", long_ago) == []
        assert len(uow.login_attempts.failures_since("client:192.0.2.1", long_ago)) == 1


def test_an_email_no_account_can_have_is_not_counted(
    app: Boxoffice, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    email = "x" * 300 + "@example.com"
    for _ in range(20):
        with pytest.raises(InvalidCredentials):
            app.log_in(email=email, password="wrong password")
    with uow_factory(read_only=True) as uow:
        assert (
            uow.login_attempts.failures_since(f"account:{email}", clock.now().replace(year=2000))
            == []
        )
