"""POST /signup and POST /login."""

from __future__ import annotations

import pytest

from tests.http.conftest import PASSWORD, TOKEN_TTL_SECONDS, Api

SIGNUP = {"name": "Ada", "email": "ada@example.com", "password": PASSWORD, "role": "user"}


def test_signup_returns_the_account_without_its_password(api: Api) -> None:
    result = api.call("POST", "/signup", json=SIGNUP)

    assert result.status_code == 201
    assert result.json == {"id": 1, "name": "Ada", "email": "ada@example.com", "role": "user"}
    assert PASSWORD not in result.text
    assert "hash" not in result.text


def test_signup_cannot_choose_its_id_or_hash(api: Api) -> None:
    body = {**SIGNUP, "id": 999, "password_hash": "x", "created_at": "1999-01-01T00:00:00Z"}

    result = api.call("POST", "/signup", json=body)

    assert result.status_code == 201
    assert result.json["id"] == 1
    assert api.log_in("ada@example.com")


def test_signup_of_an_owner(api: Api) -> None:
    result = api.call("POST", "/signup", json={**SIGNUP, "role": "owner"})

    assert result.status_code == 201
    assert result.json["role"] == "owner"


def test_signup_with_a_taken_email_conflicts(api: Api) -> None:
    api.call("POST", "/signup", json=SIGNUP)

    result = api.call("POST", "/signup", json={**SIGNUP, "email": "ADA@example.com"})

    assert result.status_code == 409
    assert result.json == {
        "title": "Conflict",
        "description": "an account with this email already exists",
    }


@pytest.mark.parametrize("field", ["name", "email", "password", "role"])
def test_signup_names_a_missing_field(api: Api, field: str) -> None:
    body = {k: v for k, v in SIGNUP.items() if k != field}

    result = api.call("POST", "/signup", json=body)

    assert result.status_code == 400
    assert result.json["description"] == f"{field}: is required"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("role", "admin"),
        ("role", None),
        ("email", "not-an-email"),
        ("email", 42),
        ("password", "short"),
        ("password", "é" * 40),
        ("name", "   "),
        ("name", True),
    ],
)
def test_signup_rejects_an_invalid_field(api: Api, field: str, value: object) -> None:
    result = api.call("POST", "/signup", json={**SIGNUP, field: value})

    assert result.status_code == 400
    assert result.json["description"].startswith(f"{field}: ")


def test_login_returns_a_bearer_token(api: Api) -> None:
    api.sign_up("ada@example.com")

    result = api.call("POST", "/login", json={"email": "ada@example.com", "password": PASSWORD})

    assert result.status_code == 200
    assert result.json == {
        "access_token": "token-for-1-user",
        "token_type": "Bearer",
        "expires_in": TOKEN_TTL_SECONDS,
    }
    assert result.headers["Cache-Control"] == "no-store"


def test_bad_credentials_look_the_same_for_unknown_email_and_wrong_password(api: Api) -> None:
    api.sign_up("ada@example.com")

    wrong_password = api.call(
        "POST", "/login", json={"email": "ada@example.com", "password": "wrong password"}
    )
    unknown_email = api.call(
        "POST", "/login", json={"email": "bob@example.com", "password": "wrong password"}
    )

    assert wrong_password.status_code == unknown_email.status_code == 401
    assert wrong_password.text == unknown_email.text
    assert wrong_password.json == {
        "title": "Unauthorized",
        "description": "email or password is incorrect",
    }
    assert wrong_password.headers == unknown_email.headers
    assert wrong_password.headers["WWW-Authenticate"] == "Bearer"


def test_login_with_a_non_string_password_is_a_client_error_not_bad_credentials(
    api: Api,
) -> None:
    api.sign_up("ada@example.com")

    result = api.call("POST", "/login", json={"email": "ada@example.com", "password": 12345678})

    assert result.status_code == 400
    assert result.json["description"] == "password: must be a string"
    assert "WWW-Authenticate" not in result.headers


@pytest.mark.parametrize("field", ["email", "password"])
def test_login_names_a_missing_field(api: Api, field: str) -> None:
    body = {k: v for k, v in {"email": "a@b.io", "password": PASSWORD}.items() if k != field}

    result = api.call("POST", "/login", json=body)

    assert result.status_code == 400
    assert result.json["description"] == f"{field}: is required"


def test_twenty_wrong_passwords_are_throttled_with_retry_after(api: Api) -> None:
    api.sign_up("ada@example.com")
    wrong = {"email": "ada@example.com", "password": "not the password"}

    statuses = [api.call("POST", "/login", json=wrong).status_code for _ in range(20)]

    assert statuses == [401] * 10 + [429] * 10
    paused = api.call("POST", "/login", json={"email": "ada@example.com", "password": PASSWORD})
    assert paused.status_code == 429
    assert paused.headers["Retry-After"] == str(15 * 60)
    assert set(paused.json) == {"title", "description"}
    # An unknown email is throttled the same way: the 429 reveals no account.
    unknown = {"email": "nobody@example.com", "password": "not the password"}
    assert [api.call("POST", "/login", json=unknown).status_code for _ in range(11)][-1] == 429
