"""Every error is JSON {title, description}: Falcon's own, the domain's, and the unexpected."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import falcon.testing
import pytest

from boxoffice.domain.errors import BoxofficeError, StorageUnavailable
from boxoffice.domain.service import Boxoffice
from boxoffice.entrypoints.http import create_app
from boxoffice.entrypoints.http.body import MAX_BODY_BYTES
from boxoffice.entrypoints.http.errors import STATUS_BY_ERROR, status_for
from tests.fakes import FakeClock, FakePasswordHasher, FakeTokenService
from tests.http.conftest import Api


def assert_error(result: falcon.testing.Result, status: int) -> dict[str, Any]:
    assert result.status_code == status
    assert result.headers["Content-Type"] == "application/json"
    body: dict[str, Any] = result.json
    assert set(body) == {"title", "description"}
    assert body["title"]
    assert body["description"]
    return body


def test_an_unknown_route_is_a_json_404(api: Api) -> None:
    body = assert_error(api.call("GET", "/nowhere"), 404)

    assert body["title"] == "Not Found"


def test_a_wrong_method_is_a_json_405_with_allow(api: Api) -> None:
    result = api.call("PUT", "/movies")

    assert_error(result, 405)
    assert result.headers["Allow"] == "GET, POST, OPTIONS"


def test_errors_are_json_whatever_the_client_accepts(api: Api) -> None:
    result = api.call("GET", "/nowhere", headers={"Accept": "application/xml"})

    assert_error(result, 404)


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", ""])
def test_a_body_that_is_not_json_is_415(api: Api, content_type: str) -> None:
    result = api.call(
        "POST", "/signup", body='{"name": "x"}', headers={"Content-Type": content_type}
    )

    body = assert_error(result, 415)
    assert body["description"] == "the body must be application/json"


def test_json_with_a_charset_or_a_suffix_is_accepted(api: Api) -> None:
    for number, content_type in enumerate(
        ["application/json; charset=utf-8", "application/vnd.boxoffice+json"]
    ):
        body = {"name": "A", "email": f"a{number}@b.io", "password": "p" * 8, "role": "user"}
        result = api.call(
            "POST", "/signup", body=json.dumps(body), headers={"Content-Type": content_type}
        )
        assert result.status_code == 201, result.text


@pytest.mark.parametrize(
    ("raw", "description"),
    [
        ("{", "the body is not valid JSON"),
        ("", "the body is not valid JSON"),
        ("[1, 2]", "the body must be a JSON object"),
        ('"text"', "the body must be a JSON object"),
        ("null", "the body must be a JSON object"),
        ('{"num_seats": NaN}', "the body is not valid JSON"),
        ('{"num_seats": Infinity}', "the body is not valid JSON"),
        ("[" * 100_000, "the body is not valid JSON"),
        ('{"name": 1' + "0" * 5000 + "}", "name: must be a string"),
        (b"\xff\xfe{", "the body is not valid JSON"),
    ],
)
def test_a_malformed_body_is_400(api: Api, raw: str | bytes, description: str) -> None:
    result = api.call("POST", "/signup", body=raw, headers={"Content-Type": "application/json"})

    assert assert_error(result, 400)["description"] == description


@pytest.mark.parametrize("text", ["\\udbcb", "a\\u0000b", "\\ud800x"])
@pytest.mark.parametrize("field", ["name", "email", "password"])
def test_text_no_database_can_store_is_400(api: Api, field: str, text: str) -> None:
    body = {"name": "A", "email": "a@b.io", "password": "password1", "role": "user"}
    raw = json.dumps(body).replace(json.dumps(body[field]), f'"{text}"', 1)

    result = api.call("POST", "/signup", body=raw, headers={"Content-Type": "application/json"})

    # The domain refuses it: NUL fits no SQL text column, a lone surrogate is not Unicode.
    assert assert_error(result, 400)["description"].startswith(f"{field}: ")


def test_unread_fields_may_hold_anything(api: Api) -> None:
    raw = (
        '{"name": "A", "email": "a@b.io", "password": "password1", "role": "user", "x": "\\u0000"}'
    )

    result = api.call("POST", "/signup", body=raw, headers={"Content-Type": "application/json"})

    assert result.status_code == 201


def test_a_body_over_one_mebibyte_is_413(api: Api) -> None:
    padding = "x" * MAX_BODY_BYTES
    raw = json.dumps({"name": padding, "email": "a@b.io", "password": "p" * 8, "role": "user"})

    result = api.call("POST", "/signup", body=raw, headers={"Content-Type": "application/json"})

    assert_error(result, 413)


def test_a_body_of_exactly_one_mebibyte_is_read(api: Api) -> None:
    raw = json.dumps({"email": "a@b.io", "password": "p" * 8, "role": "user", "name": ""})
    raw = raw[:-1] + " " * (MAX_BODY_BYTES - len(raw)) + "}"
    assert len(raw) == MAX_BODY_BYTES

    result = api.call("POST", "/signup", body=raw, headers={"Content-Type": "application/json"})

    assert assert_error(result, 400)["description"] == "name: must not be blank"


def test_a_declared_length_over_the_limit_is_refused_unread(api: Api) -> None:
    result = api.call(
        "POST",
        "/signup",
        body="{}",
        headers={"Content-Type": "application/json", "Content-Length": str(MAX_BODY_BYTES + 1)},
    )

    assert_error(result, 413)


class _BrokenUnitOfWork:
    def __call__(self, *, read_only: bool = False) -> Any:
        raise RuntimeError("secret connection string postgresql://admin:hunter2@db")


class _UnavailableUnitOfWork:
    def __call__(self, *, read_only: bool = False) -> Any:
        raise StorageUnavailable("could not connect to db.internal:5432")


class _OddError(BoxofficeError):
    pass


class _OddUnitOfWork:
    def __call__(self, *, read_only: bool = False) -> Any:
        raise _OddError("internal detail")


def _api_over(uow: Any) -> Api:
    boxoffice = Boxoffice.from_ports(
        uow=uow, hasher=FakePasswordHasher(), tokens=FakeTokenService(), clock=FakeClock()
    )
    return Api(falcon.testing.TestClient(create_app(boxoffice, token_ttl_seconds=60)))


@pytest.fixture
def quiet_http_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    with caplog.at_level(logging.ERROR, logger="boxoffice.http"):
        yield caplog


def test_an_unexpected_exception_is_a_json_500_without_details(
    quiet_http_log: pytest.LogCaptureFixture,
) -> None:
    result = _api_over(_BrokenUnitOfWork()).call("GET", "/movies")

    body = assert_error(result, 500)
    assert body == {"title": "Internal Server Error", "description": "an unexpected error occurred"}
    assert "hunter2" not in result.text
    assert "Traceback" not in result.text
    # The details are for the operator, in the server log.
    assert "RuntimeError" in quiet_http_log.text


def test_an_unmapped_domain_error_is_a_500_without_details(
    quiet_http_log: pytest.LogCaptureFixture,
) -> None:
    result = _api_over(_OddUnitOfWork()).call("GET", "/movies")

    assert assert_error(result, 500)["description"] == "an unexpected error occurred"
    assert "internal detail" not in result.text


def test_storage_unavailable_is_503_with_retry_after(
    caplog: pytest.LogCaptureFixture,
) -> None:
    result = _api_over(_UnavailableUnitOfWork()).call("GET", "/shows/1")

    body = assert_error(result, 503)
    assert "db.internal" not in body["description"]
    assert result.headers["Retry-After"] == "1"


def test_the_error_table_names_only_real_domain_errors() -> None:
    from boxoffice.domain import errors

    domain_errors = {
        value
        for value in vars(errors).values()
        if isinstance(value, type) and issubclass(value, BoxofficeError)
    }

    assert set(STATUS_BY_ERROR) <= domain_errors
    # Deliberately unmapped: the base, storage failures that are not outages (500), and
    # NotAnActor, a library caller's programming error the HTTP layer never makes (were it
    # made, it is a ValidationError: 400).
    assert domain_errors - set(STATUS_BY_ERROR) == {
        BoxofficeError,
        errors.StorageError,
        errors.NotAnActor,
    }
    assert status_for(errors.NotAnActor("user")) == 400
    assert status_for(errors.StorageError("x")) == 500


def _without_length(api: Api, raw: str, *, input_terminated: bool) -> tuple[str, Any]:
    """POST /signup as a server hands over a chunked body: no CONTENT_LENGTH at all."""
    environ = falcon.testing.create_environ(
        method="POST",
        path="/signup",
        body=raw,
        headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
    )
    del environ["CONTENT_LENGTH"]
    environ["wsgi.input_terminated"] = input_terminated
    replies: list[str] = []
    body = b"".join(api.client.app(environ, lambda status, headers: replies.append(status)))
    return replies[0], json.loads(body)


def test_a_chunked_body_is_read_to_its_end_where_the_server_ends_the_input(api: Api) -> None:
    raw = json.dumps({"name": "A", "email": "a@b.io", "password": "password1", "role": "user"})

    status, body = _without_length(api, raw, input_terminated=True)

    assert status.startswith("201"), body
    assert body["email"] == "a@b.io"


def test_a_chunked_body_over_one_mebibyte_is_413(api: Api) -> None:
    raw = json.dumps({"name": "x" * MAX_BODY_BYTES, "email": "a@b.io", "password": "password1"})

    status, body = _without_length(api, raw, input_terminated=True)

    assert status.startswith("413"), body


def test_a_body_of_unknown_length_is_not_read_where_the_input_may_not_end(api: Api) -> None:
    # Reading it could block for ever: it is taken for empty.
    raw = json.dumps({"name": "A", "email": "a@b.io", "password": "password1", "role": "user"})

    status, body = _without_length(api, raw, input_terminated=False)

    assert status.startswith("400"), body
    assert body["description"] == "the body is not valid JSON"
