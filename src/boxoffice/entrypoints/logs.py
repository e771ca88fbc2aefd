"""Service logging: boxoffice's loggers (access lines included) to stderr."""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, TextIO

from boxoffice.entrypoints.http.access_log import AccessLineWriter, to_logger

# The service's loggers all sit under this one.
SERVICE_LOGGER = "boxoffice"
SERVICE_FORMAT = "[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s"
# The name of the handler configure_service_logging() installs.
SERVICE_HANDLER = "boxoffice-service"


def configure_service_logging() -> None:
    logger = logging.getLogger(SERVICE_LOGGER)
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.set_name(SERVICE_HANDLER)
        handler.setFormatter(logging.Formatter(SERVICE_FORMAT))
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def access_line_writer(name: str) -> AccessLineWriter:
    """Where the service's access lines go: through AccessLines where logging would only have
    handed them to the handler configure_service_logging() installed; through the logger `name`
    wherever the host configured logging of its own (handlers, levels or filters).
    """
    access, service, root = logging.getLogger(name), logging.getLogger(SERVICE_LOGGER), logging.root
    only_ours = (
        [handler.name for handler in service.handlers] == [SERVICE_HANDLER]
        and service.level == logging.INFO
        and not service.filters
        and access.parent is service
        and access.propagate
        and not (access.handlers or access.filters or access.level)
        and not root.handlers
    )
    return AccessLines(name) if only_ours else to_logger(access)


class AccessLines:
    """Writes the service's access lines to stderr exactly as its log handler writes every
    other line (SERVICE_FORMAT, at INFO, under `name`), without going through logging: a
    LogRecord, its formatting and the handler cost a sizeable share of a listing's time
    (docs/benchmarks.md has the figures).
    """

    def __init__(
        self,
        name: str,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._prefix = f"] [INFO] {name}: "
        self._stream = stream
        self._clock = clock
        self._lock = threading.Lock()
        # (whole second, its text): the date and time are formatted once a second.
        self._second: tuple[int, str] = (-1, "")

    def __call__(self, line: str) -> None:
        now = self._clock()
        second, stamp = self._second
        if int(now) != second:
            second = int(now)
            stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(second))
            self._second = (second, stamp)
        millis = int((now - second) * 1000)
        text = f"[{stamp},{millis:03d}] [{os.getpid()}{self._prefix}{line}\n"
        stream = sys.stderr if self._stream is None else self._stream
        if stream is None:
            return  # a process without stderr
        try:
            with self._lock:
                stream.write(text)
                stream.flush()
        except Exception:
            # Whatever the cause, as with logging's handlers: a closed or broken stderr loses
            # the line, never the request it describes.
            return


# Granian's own logger (its Rust side logs under the same name).
GRANIAN_LOGGER = "_granian"


def granian_log_config() -> dict[str, Any]:
    """Granian's logging (its `log_dictconfig`) in the service's format, to stderr, under the
    name `granian`, without the warning its thread count answers (GranianRecords)."""
    handler = {
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
        "formatter": "service",
        "filters": ["granian"],
    }
    logger = {"handlers": ["service"], "level": "INFO", "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"service": {"format": SERVICE_FORMAT}},
        "filters": {"granian": {"()": GranianRecords}},
        "handlers": {"service": handler},
        "loggers": {GRANIAN_LOGGER: logger, "granian.access": logger},
    }


class GranianRecords(logging.Filter):
    """Granian's records as the service's: named `granian`, and without its warning that the
    Python threads outnumber the cores. Those threads are meant: log-ins hold theirs while bcrypt
    hashes, and the bulkhead (entrypoints/bulkhead.py) runs the other requests a few at a time,
    the backpressure the warning asks for.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.WARNING and "seems quite high" in record.getMessage():
            return False
        record.name = "granian"
        return True
