"""One access log line per request, with no token, query or body in it."""

from __future__ import annotations

import io
import logging
import re
import sys

import falcon.testing
import pytest

from boxoffice.domain.service import Boxoffice
from boxoffice.entrypoints.http import create_app
from boxoffice.entrypoints.http.app import ACCESS_LOGGER
from boxoffice.entrypoints.logs import (
    SERVICE_FORMAT,
    AccessLines,
    access_line_writer,
    configure_service_logging,
)
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


@pytest.mark.parametrize("times", [[1_790_000_000.25], [1_790_000_000.75, 1_790_000_001.5]])
def test_the_service_writes_its_access_lines_as_its_log_handler_writes_the_rest(
    times: list[float],
) -> None:
    stream = io.StringIO()
    write = AccessLines(ACCESS_LOGGER, stream, clock=iter(times).__next__)
    expected = []
    for at in times:
        write("GET /health 200 0.1ms")
        record = logging.LogRecord(
            ACCESS_LOGGER, logging.INFO, __file__, 1, "%s", ("GET /health 200 0.1ms",), None
        )
        # Instants a float holds exactly, so any Python's LogRecord agrees on the milliseconds.
        record.created, record.msecs = at, (at % 1) * 1000
        expected.append(logging.Formatter(SERVICE_FORMAT).format(record) + "\n")

    assert stream.getvalue() == "".join(expected)


@pytest.mark.parametrize("stream", [None, "broken"])
def test_a_missing_or_broken_stderr_loses_the_line_not_the_request(
    stream: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Broken(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError("the log reader is gone")

    monkeypatch.setattr(sys, "stderr", None if stream is None else Broken())

    AccessLines(ACCESS_LOGGER)("GET /health 200 0.1ms")


@pytest.fixture
def worker_logging(monkeypatch: pytest.MonkeyPatch) -> None:
    """Logging as in a worker: the handler configure_service_logging() installs (pytest's own,
    on the root logger, are set aside where the test needs it, see below)."""
    service = logging.getLogger("boxoffice")
    monkeypatch.setattr(service, "handlers", [])
    monkeypatch.setattr(service, "level", service.level)
    configure_service_logging()


@pytest.mark.usefixtures("worker_logging")
def test_a_worker_writes_its_access_lines_itself_when_logging_would_only_print_them() -> None:
    # pytest's capture handlers sit on the root logger during the test: set them aside.
    kept = logging.root.handlers[:]
    logging.root.handlers.clear()
    try:
        chosen = access_line_writer(ACCESS_LOGGER)
    finally:
        logging.root.handlers[:] = kept

    assert isinstance(chosen, AccessLines)
    # A handler of the host's, on the root logger, is configuration of its own.
    assert not isinstance(access_line_writer(ACCESS_LOGGER), AccessLines)


@pytest.mark.usefixtures("worker_logging")
def test_logging_the_host_configured_still_receives_the_access_lines(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    received: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            received.append(record.getMessage())

    monkeypatch.setattr(logging.getLogger(ACCESS_LOGGER), "handlers", [Keep()])

    access_line_writer(ACCESS_LOGGER)("GET /health 200 0.1ms")

    assert received == ["GET /health 200 0.1ms"]


def test_an_app_logs_its_access_lines_on_the_logger_it_is_given(app: Boxoffice) -> None:
    received: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            received.append(record.getMessage())

    logger = logging.Logger("elsewhere")
    logger.addHandler(Keep())
    client = falcon.testing.TestClient(create_app(app, token_ttl_seconds=60, access_logger=logger))

    assert client.simulate_get("/health").status_code == 200
    assert [LINE.match(line) is not None for line in received] == [True]
