from __future__ import annotations

from datetime import timedelta

import pytest

from boxoffice.domain.errors import (
    InvalidCredentials,
    InvalidToken,
    TooManyAttempts,
    ValidationError,
)
from boxoffice.domain.model import Actor, Role
from boxoffice.domain.service import Boxoffice
from tests.fakes import FakeClock, FakePasswordHasher, FakeTokenService


@pytest.fixture
def ada(app: Boxoffice) -> int:
    return app.sign_up(name="Ada", email="ada@example.com", password="correct horse").id


def test_log_in_returns_a_token_naming_the_user(app: Boxoffice, ada: int) -> None:
    token = app.log_in(email="ada@example.com", password="correct horse")
    assert app.authenticate(token) == Actor(id=ada, role=Role.USER)


def test_log_in_ignores_email_case_and_surrounding_space(app: Boxoffice, ada: int) -> None:
    token = app.log_in(email="  ADA@example.COM ", password="correct horse")
    assert app.authenticate(token).id == ada


def test_wrong_password_is_refused(app: Boxoffice, ada: int) -> None:
    with pytest.raises(InvalidCredentials):
        app.log_in(email="ada@example.com", password="Correct horse")


def test_unknown_email_costs_a_password_check_like_a_wrong_password(
    app: Boxoffice, hasher: FakePasswordHasher, ada: int
) -> None:
    hasher.verifies = 0
    with pytest.raises(InvalidCredentials) as unknown:
        app.log_in(email="nobody@example.com", password="correct horse")
    assert hasher.verifies == 1
    with pytest.raises(InvalidCredentials) as wrong:
        app.log_in(email="ada@example.com", password="wrong password")
    assert hasher.verifies == 2
    assert str(unknown.value) == str(wrong.value)


@pytest.mark.parametrize(
    ("email", "password"),
    [(None, "x"), ("ada@example.com", None), (1, 2), ("ada@example.com\x00", "correct horse")],
)
def test_non_text_credentials_are_refused(app: Boxoffice, email: object, password: object) -> None:
    with pytest.raises(InvalidCredentials):
        app.log_in(email=email, password=password)


@pytest.mark.parametrize("token", ["", None, "garbage", 123])
def test_authenticate_refuses_missing_or_invalid_tokens(app: Boxoffice, token: object) -> None:
    with pytest.raises(InvalidToken):
        app.authenticate(token)


def test_a_token_for_a_user_that_does_not_exist_is_refused_when_used(
    app: Boxoffice, tokens: FakeTokenService, clock: FakeClock
) -> None:
    owner = app.sign_up(name="O", email="o@example.com", password="correct horse", role="owner")
    movie = app.add_movie(Actor(owner.id, Role.OWNER), title="Alien", genre="Sci-fi", duration=117)
    show = app.add_show(
        Actor(owner.id, Role.OWNER),
        movie_id=movie.id,
        timing=clock.now() + timedelta(days=1),
        available_seats=10,
    )
    # The token alone is read: a well-formed one names an actor ...
    ghost = app.authenticate(tokens.issue(Actor(999, Role.USER)))
    assert ghost == Actor(999, Role.USER)
    # ... whom every use case then refuses, in its own transaction, and nothing changes.
    with pytest.raises(InvalidToken):
        app.book_seats(ghost, show_id=show.id, num_seats=1)
    with pytest.raises(InvalidToken):
        app.list_bookings(ghost)
    with pytest.raises(InvalidToken):
        app.add_movie(
            app.authenticate(tokens.issue(Actor(998, Role.OWNER))),
            title="Alien",
            genre="Sci-fi",
            duration=117,
        )
    assert app.get_show(show.id).available_seats == 10


def test_the_role_comes_from_the_store_not_the_token(
    app: Boxoffice, tokens: FakeTokenService, clock: FakeClock
) -> None:
    owner = app.sign_up(name="O", email="o@example.com", password="correct horse", role="owner")
    user = app.sign_up(name="U", email="u@example.com", password="correct horse")
    # A token claiming owner for an account stored as a user is refused when used ...
    claims_owner = app.authenticate(tokens.issue(Actor(user.id, Role.OWNER)))
    with pytest.raises(InvalidToken):
        app.add_movie(claims_owner, title="Alien", genre="Sci-fi", duration=117)
    with pytest.raises(InvalidToken):
        app.list_bookings(claims_owner)
    # ... and so is one claiming user for an owner, whatever the use case asks for.
    claims_user = app.authenticate(tokens.issue(Actor(owner.id, Role.USER)))
    with pytest.raises(InvalidToken):
        app.list_bookings(claims_user)
    with pytest.raises(InvalidToken):
        app.add_movie(claims_user, title="Alien", genre="Sci-fi", duration=117)
    # The tokens log_in issues carry the stored role, and work.
    logged_in = app.authenticate(app.log_in(email="o@example.com", password="correct horse"))
    assert logged_in == Actor(owner.id, Role.OWNER)
    movie = app.add_movie(logged_in, title="Alien", genre="Sci-fi", duration=117)
    assert (
        app.add_show(
            logged_in, movie_id=movie.id, timing=clock.now() + timedelta(days=1), available_seats=3
        ).owner_id
        == owner.id
    )


def test_actor_for_gives_the_stored_actor_without_a_token(
    app: Boxoffice, ada: int, tokens: FakeTokenService
) -> None:
    owner = app.sign_up(name="O", email="o@example.com", password="correct horse", role="owner")
    assert app.actor_for(email="ada@example.com", password="correct horse") == Actor(ada, Role.USER)
    assert app.actor_for(email=" O@EXAMPLE.com", password="correct horse") == Actor(
        owner.id, Role.OWNER
    )
    with pytest.raises(InvalidCredentials):
        app.actor_for(email="ada@example.com", password="wrong password")
    with pytest.raises(InvalidCredentials):
        app.actor_for(email="nobody@example.com", password="correct horse")


def test_actor_for_is_throttled_like_log_in(app: Boxoffice, ada: int) -> None:
    for _ in range(5):
        with pytest.raises(InvalidCredentials):
            app.log_in(email="ada@example.com", password="wrong password")
    for _ in range(5):
        with pytest.raises(InvalidCredentials):
            app.actor_for(email="ada@example.com", password="wrong password")
    # Ten failures, whichever way they came, pause the account for both.
    with pytest.raises(TooManyAttempts):
        app.actor_for(email="ada@example.com", password="correct horse")
    with pytest.raises(TooManyAttempts):
        app.log_in(email="ada@example.com", password="correct horse")


def test_ten_failures_pause_the_account_for_the_window(
    app: Boxoffice, ada: int, clock: FakeClock
) -> None:
    for _ in range(10):
        with pytest.raises(InvalidCredentials):
            app.log_in(email="ada@example.com", password="wrong password")
    # Now even the right password waits: otherwise guessing would simply go on.
    with pytest.raises(TooManyAttempts) as paused:
        app.log_in(email="ada@example.com", password="correct horse")
    assert paused.value.retry_after == 15 * 60
    clock.advance(seconds=15 * 60 - 1)
    with pytest.raises(TooManyAttempts) as still:
        app.log_in(email="ada@example.com", password="wrong password")
    # Attempts while paused are not counted, so the pause never outlasts the window.
    assert still.value.retry_after == 1
    clock.advance(seconds=1)
    assert app.authenticate(app.log_in(email="ada@example.com", password="correct horse")).id == ada


def test_unknown_emails_are_paused_alike(app: Boxoffice) -> None:
    for _ in range(10):
        with pytest.raises(InvalidCredentials):
            app.log_in(email="nobody@example.com", password="wrong password")
    with pytest.raises(TooManyAttempts):
        app.log_in(email="NOBODY@example.com", password="wrong password")


def test_a_success_forgives_earlier_typos(app: Boxoffice, ada: int) -> None:
    for _ in range(2):
        for _ in range(9):
            with pytest.raises(InvalidCredentials):
                app.log_in(email="ada@example.com", password="wrong password")
        app.log_in(email="ada@example.com", password="correct horse")


def test_one_client_failing_on_many_accounts_is_paused(app: Boxoffice, ada: int) -> None:
    for n in range(50):
        with pytest.raises(InvalidCredentials):
            app.log_in(email=f"guess{n}@example.com", password="wrong", client="10.0.0.9")
    with pytest.raises(TooManyAttempts):
        app.log_in(email="ada@example.com", password="correct horse", client="10.0.0.9")
    # Another client, and the account itself, are not affected.
    assert app.log_in(email="ada@example.com", password="correct horse", client="10.0.0.7")


@pytest.mark.parametrize("client", [5, "", "x" * 101, "a\x00b"])
def test_the_client_is_short_text(app: Boxoffice, ada: int, client: object) -> None:
    with pytest.raises(ValidationError):
        app.log_in(email="ada@example.com", password="correct horse", client=client)
