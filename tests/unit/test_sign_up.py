from __future__ import annotations

import pytest

from boxoffice.domain.errors import EmailTaken, ValidationError
from boxoffice.domain.model import Role
from boxoffice.domain.service import Boxoffice
from tests.fakes import FakePasswordHasher


def test_sign_up_stores_a_hashed_password_and_assigns_an_id(
    app: Boxoffice, hasher: FakePasswordHasher
) -> None:
    user = app.sign_up(
        name=" Ada ", email="ada@example.com", password="correct horse", role="owner"
    )
    assert user.id > 0
    assert user.name == "Ada"
    assert user.role is Role.OWNER
    assert user.password_hash == hasher.hash("correct horse")
    assert "correct horse" not in repr(user)


def test_role_defaults_to_user(app: Boxoffice) -> None:
    user = app.sign_up(name="Bob", email="bob@example.com", password="correct horse")
    assert user.role is Role.USER


def test_emails_are_unique_case_insensitively(app: Boxoffice) -> None:
    ada = app.sign_up(name="Ada", email="Ada@Example.com", password="correct horse")
    assert ada.email == "ada@example.com"
    with pytest.raises(EmailTaken):
        app.sign_up(name="Eve", email="ada@EXAMPLE.COM", password="another pass")
    app.sign_up(name="Émile", email="Émile@example.com", password="correct horse")
    with pytest.raises(EmailTaken):
        app.sign_up(name="Emile", email="émile@EXAMPLE.com", password="correct horse")


@pytest.mark.parametrize(
    "email",
    ["", "   ", "no-at-sign", "two@@example.com", "a b@example.com", "ada@localhost", 42, None],
)
def test_invalid_emails_are_refused(app: Boxoffice, email: object) -> None:
    with pytest.raises(ValidationError) as error:
        app.sign_up(name="Ada", email=email, password="correct horse")
    assert error.value.field == "email"


@pytest.mark.parametrize(
    "password",
    ["short", "1234567", "é" * 37, "x" * 73, 12345678, None, "password\x00", "password\udfff"],
    ids=[
        "5 chars",
        "7 chars",
        "74 bytes in 37 chars",
        "73 bytes",
        "int",
        "none",
        "nul",
        "surrogate",
    ],
)
def test_passwords_need_8_characters_and_at_most_72_bytes(
    app: Boxoffice, hasher: FakePasswordHasher, password: object
) -> None:
    with pytest.raises(ValidationError) as error:
        app.sign_up(name="Ada", email="ada@example.com", password=password)
    assert error.value.field == "password"
    assert hasher.hashes == 0


@pytest.mark.parametrize("password", ["8 chars!", "x" * 72, "é" * 36])
def test_passwords_at_the_bounds_are_accepted(app: Boxoffice, password: str) -> None:
    assert app.sign_up(name="Ada", email="ada@example.com", password=password).id > 0


@pytest.mark.parametrize("role", ["admin", "USER", "", None, 1, True])
def test_unknown_roles_are_refused(app: Boxoffice, role: object) -> None:
    with pytest.raises(ValidationError) as error:
        app.sign_up(name="Ada", email="ada@example.com", password="correct horse", role=role)
    assert error.value.field == "role"


@pytest.mark.parametrize("name", ["", "   ", "x" * 101, 7, None, "Ada\x00", "Ada\ud800"])
def test_names_must_be_non_blank_text_of_bounded_length(app: Boxoffice, name: object) -> None:
    with pytest.raises(ValidationError) as error:
        app.sign_up(name=name, email="ada@example.com", password="correct horse")
    assert error.value.field == "name"


def test_a_refused_sign_up_stores_nothing(app: Boxoffice) -> None:
    with pytest.raises(ValidationError):
        app.sign_up(name="Ada", email="ada@example.com", password="short")
    # The email is still free.
    assert app.sign_up(name="Ada", email="ada@example.com", password="correct horse").id > 0
