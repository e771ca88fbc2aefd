"""One access log line per request, with no token, query or body in it."""

from __future__ import annotations

import io
import logging
import re
import time

import falcon.testing
import pytest

from boxoffice.domain.service import Boxoffice
from boxoffice.entrypoints.http import create_app
from boxoffice.entrypoints.http.app import ACCESS_LOGGER
from boxoffice.entrypoints.logs import SERVICE_FORMAT, AccessLines
from tests.http.conftest import PASSWORD, Api

LINE = re.compile(r"^(?P<method>[A-Z]+) (?P<path>\S+) (?P<status>\d{3}) (?P<millis>\d+\.\d)ms$")


@pytest.fixture
def access_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="boxoffice.access")
    return caplog


def lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "boxoffice.access"]


def test_each_request_logs_method_path_status_and_duration(
    api: Api, access_log: pytest.LogCaptureFixture
) -> None:
    api.call("GET", "/health")
    api.call("GET", "/nowhere")
    api.call("GET", "/movies/abc")

    logged = [LINE.match(line) for line in lines(access_log)]

    assert [(m["method"], m["path"], m["status"]) for m in logged if m] == [
        ("GET", "/health", "200"),
        ("GET", "/nowhere", "404"),
        ("GET", "/movies/abc", "400"),
    ]


def test_tokens_queries_and_bodies_stay_out_of_the_log(
    api: Api, access_log: pytest.LogCaptureFixture
) -> None:
    token = api.account("user@example.com")
    api.call("GET", "/bookings", token=token, params={"limit": 5})
    api.call("GET", "/bookings", token=token, params={"access_token": "q-secret"})

    text = "\n".join(lines(access_log))

    assert PASSWORD not in text
    assert token not in text
    assert "q-secret" not in text
    assert "limit" not in text
    assert "GET /bookings 200" in text
    assert "GET /bookings 400" in text
    assert "POST /login 200" in text


def test_a_hostile_path_stays_on_one_line(api: Api, access_log: pytest.LogCaptureFixture) -> None:
    api.call("GET", "/movies/1%0AGET /forged 200 0.0ms")

    (line,) = lines(access_log)
    assert "\n" not in line
    assert line.startswith("GET /movies/1\\nGET")


def test_with_the_access_log_off_requests_are_served_and_not_logged(
    app: Boxoffice, access_log: pytest.LogCaptureFixture
) -> None:
    quiet = falcon.testing.TestClient(create_app(app, token_ttl_seconds=60, access_log=False))

    assert quiet.simulate_get("/health").status_code == 200
    assert quiet.simulate_get("/nowhere").status_code == 404
    assert lines(access_log) == []


@pytest.mark.parametrize("times", [[1_790_000_000.25], [1_790_000_000.999, 1_790_000_001.0005]])
def test_the_service_writes_its_access_lines_as_its_log_handler_writes_the_rest(
    times: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    stream = io.StringIO()
    write = AccessLines(ACCESS_LOGGER, stream, clock=iter(times).__next__)
    expected = []
    for at in times:
        write("GET /health 200 0.1ms")
        monkeypatch.setattr(time, "time", lambda at=at: at)
        record = logging.LogRecord(
            ACCESS_LOGGER, logging.INFO, __file__, 1, "%s", ("GET /health 200 0.1ms",), None
        )
        expected.append(logging.Formatter(SERVICE_FORMAT).format(record) + "\n")

    assert stream.getvalue() == "".join(expected)


def test_a_broken_log_stream_loses_the_line_not_the_request() -> None:
    class Broken(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError("the log reader is gone")

    AccessLines(ACCESS_LOGGER, Broken())("GET /health 200 0.1ms")
