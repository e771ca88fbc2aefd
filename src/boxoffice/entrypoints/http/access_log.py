"""One log line per request: method, path, status, duration. No query, headers or body,
so neither tokens nor passwords can reach the log."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import falcon

_MAX_PATH_CHARS = 200

# Where each line goes.
AccessLineWriter = Callable[[str], None]


class AccessLog:
    def __init__(self, write: AccessLineWriter) -> None:
        self._write = write

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        req.context.started = time.perf_counter()

    def process_response(
        self, req: falcon.Request, resp: falcon.Response, resource: Any, req_succeeded: bool
    ) -> None:
        started = getattr(req.context, "started", None)
        millis = 0.0 if started is None else (time.perf_counter() - started) * 1000
        self._write(f"{req.method} {_printable(req.path)} {resp.status_code} {millis:.1f}ms")


def to_logger(logger: logging.Logger) -> AccessLineWriter:
    """Each line logged at INFO: the application's logging decides where it goes."""

    def write(line: str) -> None:
        logger.info("%s", line)

    return write


def _printable(path: str) -> str:
    # A decoded path may hold newlines or escapes; one request must stay one log line.
    return path[:_MAX_PATH_CHARS].encode("unicode_escape").decode("ascii")
