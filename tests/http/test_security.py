"""Tokens with the real JWT service: forged, expired, 'none', orphaned; and roles and ownership."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import falcon.testing
import pytest

from boxoffice.adapters.memory import InMemoryUnitOfWorkFactory
from boxoffice.adapters.security import JwtTokenService
from boxoffice.domain.model import Actor, Role
from boxoffice.domain.service import Boxoffice
from boxoffice.entrypoints.http import create_app
from tests.fakes import FakeClock, FakePasswordHasher
from tests.http.conftest import PASSWORD, Api

SECRET = "s" * 48
TTL = timedelta(minutes=15)


@pytest.fixture
def wall_clock() -> FakeClock:
    # PyJWT checks exp and iat against the real clock, so the service's clock must agree.
    return FakeClock(datetime.now(UTC))


@pytest.fixture
def jwt_api(wall_clock: FakeClock) -> Api:
    boxoffice = Boxoffice.from_ports(
        uow=InMemoryUnitOfWorkFactory(),
        hasher=FakePasswordHasher(),
        tokens=JwtTokenService(SECRET, TTL, wall_clock),
        clock=wall_clock,
    )
    create = create_app(boxoffice, token_ttl_seconds=int(TTL.total_seconds()))
    return Api(falcon.testing.TestClient(create))


@pytest.fixture
def user_id(jwt_api: Api) -> int:
    user: dict[str, Any] = jwt_api.sign_up("user@example.com")
    return int(user["id"])


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def assert_unauthorized(result: falcon.testing.Result) -> None:
    assert result.status_code == 401
    assert result.headers["WWW-Authenticate"] == "Bearer"
    assert set(result.json) == {"title", "description"}


def test_a_real_token_works(jwt_api: Api, user_id: int) -> None:
    token = jwt_api.log_in("user@example.com")

    assert jwt_api.call("GET", "/bookings", token=token).status_code == 200


def test_an_alg_none_token_is_refused(jwt_api: Api, user_id: int) -> None:
    now = int(datetime.now(UTC).timestamp())
    claims = {"sub": str(user_id), "role": "user", "iat": now, "exp": now + 600}
    token = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."

    assert_unauthorized(jwt_api.call("GET", "/bookings", token=token))


def test_a_token_signed_with_another_key_is_refused(
    jwt_api: Api, user_id: int, wall_clock: FakeClock
) -> None:
    forger = JwtTokenService("f" * 48, TTL, wall_clock)

    assert_unauthorized(
        jwt_api.call("GET", "/bookings", token=forger.issue(Actor(user_id, Role.USER)))
    )


def test_an_expired_token_is_refused(jwt_api: Api, user_id: int) -> None:
    yesterday = FakeClock(datetime.now(UTC) - timedelta(days=1))
    expired = JwtTokenService(SECRET, TTL, yesterday).issue(Actor(user_id, Role.USER))

    result = jwt_api.call("GET", "/bookings", token=expired)

    assert_unauthorized(result)
    assert result.json["description"] == "the token has expired"


def test_a_token_whose_user_no_longer_exists_is_refused(
    jwt_api: Api, user_id: int, wall_clock: FakeClock
) -> None:
    # Signed with the service's own key, for an account the store does not hold.
    orphan = JwtTokenService(SECRET, TTL, wall_clock).issue(Actor(user_id + 1000, Role.USER))

    result = jwt_api.call("GET", "/bookings", token=orphan)

    assert_unauthorized(result)
    assert result.json["description"] == "the token's user no longer exists"


def test_a_token_claiming_another_role_than_the_stored_one_is_refused(
    jwt_api: Api, user_id: int, wall_clock: FakeClock
) -> None:
    # Signed with the service's own key: the role in a token never outranks the store.
    claims_owner = JwtTokenService(SECRET, TTL, wall_clock).issue(Actor(user_id, Role.OWNER))

    result = jwt_api.call(
        "POST",
        "/movies",
        token=claims_owner,
        json={"title": "Alien", "genre": "Sci-fi", "duration": 117},
    )

    assert_unauthorized(result)
    assert jwt_api.call("GET", "/movies").json == []
    assert_unauthorized(jwt_api.call("GET", "/bookings", token=claims_owner))


def test_a_tampered_token_is_refused(jwt_api: Api, user_id: int) -> None:
    header, _, signature = jwt_api.log_in("user@example.com").split(".")
    now = int(datetime.now(UTC).timestamp())
    other_claims = _b64({"sub": str(user_id + 1), "role": "user", "iat": now, "exp": now + 600})

    assert_unauthorized(
        jwt_api.call("GET", "/bookings", token=f"{header}.{other_claims}.{signature}")
    )


@pytest.mark.parametrize(
    "header",
    ["", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "token-without-scheme", "Bearer a.b.c"],
)
def test_malformed_authorization_is_refused(jwt_api: Api, user_id: int, header: str) -> None:
    result = jwt_api.call("GET", "/bookings", headers={"Authorization": header})

    assert_unauthorized(result)


def test_the_bearer_scheme_is_case_insensitive(jwt_api: Api, user_id: int) -> None:
    token = jwt_api.log_in("user@example.com")

    result = jwt_api.call("GET", "/bookings", headers={"Authorization": f"bearer {token}"})

    assert result.status_code == 200


def test_no_response_ever_contains_a_password_or_its_hash(jwt_api: Api) -> None:
    hasher = FakePasswordHasher()
    owner = jwt_api.account("owner@example.com", "owner")
    user = jwt_api.account("user@example.com")
    movie = jwt_api.add_movie(owner)
    timing = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    show = jwt_api.add_show(owner, movie["id"], timing=timing)
    booking = jwt_api.book(user, show["id"]).json
    responses = [
        jwt_api.call(
            "POST",
            "/signup",
            json={"name": "C", "email": "c@d.io", "password": PASSWORD, "role": "user"},
        ),
        jwt_api.call("POST", "/login", json={"email": "user@example.com", "password": PASSWORD}),
        jwt_api.call("GET", "/bookings", token=user),
        jwt_api.call("GET", f"/bookings/{booking['id']}", token=user),
        jwt_api.call("GET", "/shows"),
        jwt_api.call("GET", "/movies"),
    ]

    for result in responses:
        assert PASSWORD not in result.text
        assert hasher.hash(PASSWORD) not in result.text
        assert "password" not in result.text
