"""The REST app over in-memory adapters and fakes, driven through falcon.testing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import falcon.testing
import pytest

from boxoffice.domain.service import Boxoffice
from boxoffice.entrypoints.http import create_app

TOKEN_TTL_SECONDS = 900
# The fake clock starts on 2030-01-01; this show is comfortably in its future.
FUTURE = "2030-02-01T20:00:00+00:00"
PASSWORD = "correct horse battery"


class Api:
    """A test client that knows how to sign up, log in and set the bearer header."""

    def __init__(self, client: falcon.testing.TestClient) -> None:
        self.client = client

    def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        token: str | None = None,
        headers: Mapping[str, str] | None = None,
        **options: Any,
    ) -> falcon.testing.Result:
        all_headers = dict(headers or {})
        if token is not None:
            all_headers["Authorization"] = f"Bearer {token}"
        return self.client.simulate_request(method, path, json=json, headers=all_headers, **options)

    def sign_up(self, email: str, role: str = "user", name: str = "Ada") -> dict[str, Any]:
        result = self.call(
            "POST",
            "/signup",
            json={"name": name, "email": email, "password": PASSWORD, "role": role},
        )
        assert result.status_code == 201, result.text
        user: dict[str, Any] = result.json
        return user

    def log_in(self, email: str, password: str = PASSWORD) -> str:
        result = self.call("POST", "/login", json={"email": email, "password": password})
        assert result.status_code == 200, result.text
        token: str = result.json["access_token"]
        return token

    def account(self, email: str, role: str = "user") -> str:
        self.sign_up(email, role)
        return self.log_in(email)

    def add_movie(self, token: str, title: str = "Alien") -> dict[str, Any]:
        result = self.call(
            "POST",
            "/movies",
            json={"title": title, "genre": "sci-fi", "duration": 117},
            token=token,
        )
        assert result.status_code == 201, result.text
        movie: dict[str, Any] = result.json
        return movie

    def add_show(
        self, token: str, movie_id: int, seats: int = 20, timing: str = FUTURE
    ) -> dict[str, Any]:
        result = self.call(
            "POST",
            "/shows",
            json={"movie_id": movie_id, "timing": timing, "available_seats": seats},
            token=token,
        )
        assert result.status_code == 201, result.text
        show: dict[str, Any] = result.json
        return show

    def book(self, token: str, show_id: int, seats: int = 2) -> falcon.testing.Result:
        return self.call(
            "POST", "/bookings", json={"show_id": show_id, "num_seats": seats}, token=token
        )


@pytest.fixture
def api(app: Boxoffice) -> Api:
    return Api(falcon.testing.TestClient(create_app(app, token_ttl_seconds=TOKEN_TTL_SECONDS)))


@pytest.fixture
def owner(api: Api) -> str:
    return api.account("owner@example.com", "owner")


@pytest.fixture
def user(api: Api) -> str:
    return api.account("user@example.com", "user")


@pytest.fixture
def show(api: Api, owner: str) -> dict[str, Any]:
    movie = api.add_movie(owner)
    return api.add_show(owner, movie["id"], seats=20)
