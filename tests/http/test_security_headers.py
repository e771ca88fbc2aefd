"""Every response says nosniff; an answer to a request with credentials is never cached."""

from __future__ import annotations

import pytest

from tests.http.conftest import Api


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/health"),
        ("GET", "/shows"),
        ("GET", "/no/such/path"),  # Falcon's own 404
        ("PUT", "/shows"),  # Falcon's own 405
        ("POST", "/bookings"),  # 401 from our error table
    ],
)
def test_every_response_forbids_content_sniffing(api: Api, method: str, path: str) -> None:
    result = api.call(method, path)
    assert result.headers["X-Content-Type-Options"] == "nosniff"


def test_answers_to_authenticated_requests_are_not_stored(api: Api) -> None:
    token = api.account("ada@example.com")
    private = api.call("GET", "/bookings", token=token)
    assert private.status_code == 200
    assert private.headers["Cache-Control"] == "no-store"
    # Even a refusal: its body may say something about the caller.
    refused = api.call("GET", "/bookings/999", token=token)
    assert refused.status_code == 404
    assert refused.headers["Cache-Control"] == "no-store"


def test_public_answers_may_be_cached(api: Api) -> None:
    assert "Cache-Control" not in api.call("GET", "/shows").headers
