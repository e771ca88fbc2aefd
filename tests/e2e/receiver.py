"""A webhook receiver on 127.0.0.1, in threads of the test (or benchmark) process.

It answers the first `failures` attempts of each event (by its webhook-id) with a 503, then
accepts with a 204, and keeps every attempt. With a secret it verifies each signature as it
arrives, with the `standardwebhooks` package, as a cinema's own receiver would: the timestamp
is checked against the clock at receipt. `stall()` keeps answers waiting, for a service
killed while a delivery is in flight.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import attrs

WAIT_SECONDS = 30.0


@attrs.frozen
class Attempt:
    """One POST as it arrived, and what the receiver answered."""

    event_id: str
    headers: dict[str, str]  # names in lower case
    body: bytes
    answered: int
    # None: no secret to verify with; otherwise whether the signature verified.
    verified: bool | None

    def payload(self) -> Any:
        return json.loads(self.body)


class Receiver:
    def __init__(self, *, failures: int = 0, secret: str | None = None) -> None:
        self.failures = failures
        self.secret = secret
        self._attempts: list[Attempt] = []
        # Each accepted event's payload by its id, the first time it came; kept as they arrive
        # so that waiting on thousands of events stays cheap.
        self._events: dict[str, Any] = {}
        self._types: Counter[str] = Counter()
        self._lock = threading.RLock()
        self._arrived = threading.Condition(self._lock)
        self._open = threading.Event()
        self._open.set()
        self._stalled = 0
        self._server = _QuietServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/hooks"

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._open.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def stall(self) -> None:
        """Hold every answer until release(): deliveries stay in flight."""
        self._open.clear()

    def release(self) -> None:
        self._open.set()

    @property
    def attempts(self) -> list[Attempt]:
        with self._lock:
            return list(self._attempts)

    def accepted(self) -> list[Attempt]:
        """The attempts answered 2xx, in the order they arrived (a redelivery included)."""
        return [attempt for attempt in self.attempts if attempt.answered < 300]

    def events(self) -> dict[str, Any]:
        """Each accepted event's payload by its id, once however often it came."""
        with self._lock:
            return dict(self._events)

    def count(self, event_type: str) -> int:
        """How many events of the type were accepted, each once."""
        with self._lock:
            return self._types[event_type]

    def wait_for(
        self, done: Callable[[Receiver], bool], timeout: float = WAIT_SECONDS, what: str = ""
    ) -> None:
        deadline = time.monotonic() + timeout
        with self._arrived:
            while not done(self):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"the receiver waited {timeout}s in vain{': ' + what if what else ''}; "
                        f"{len(self._attempts)} attempts arrived"
                    )
                # Released to check, as `done` reads the attempts itself.
                self._arrived.wait(min(left, 0.5))

    @property
    def stalled(self) -> int:
        """Attempts that arrived and wait for release() to be answered."""
        with self._lock:
            return self._stalled

    def _answer(self, headers: dict[str, str], body: bytes) -> int:
        if not self._open.is_set():
            with self._arrived:
                self._stalled += 1
                self._arrived.notify_all()
            self._open.wait()
            with self._lock:
                self._stalled -= 1
        event_id = headers.get("webhook-id", "")
        verified = None if self.secret is None else _verifies(self.secret, headers, body)
        with self._arrived:
            tried = sum(1 for attempt in self._attempts if attempt.event_id == event_id)
            status = 503 if tried < self.failures else 204
            if verified is False:
                status = 400
            self._attempts.append(Attempt(event_id, headers, body, status, verified))
            if status < 300 and event_id not in self._events:
                payload = json.loads(body)
                self._events[event_id] = payload
                self._types[payload["type"]] += 1
            self._arrived.notify_all()
        return status

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                headers = {name.lower(): value for name, value in self.headers.items()}
                status = receiver._answer(headers, body)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # An answer to a sender that died meanwhile (a killed service) has nowhere to go.
        pass


def _verifies(secret: str, headers: dict[str, str], body: bytes) -> bool:
    # Imported here: the benchmark's receiver verifies nothing and needs no test extra.
    from standardwebhooks import Webhook, WebhookVerificationError

    try:
        Webhook(secret).verify(body, headers)
    except WebhookVerificationError:
        return False
    return True


def show_of(payload: dict[str, Any]) -> int:
    """The show an event is about: a show's own id, or the show_id of a booking, waiting-list
    entry or ticket."""
    data = payload["data"]
    return int(data["id"] if payload["type"].startswith("show.") else data["show_id"])


def label(payload: dict[str, Any]) -> str:
    """What happened, as a test names it: "booking.created 7", "checkin.admitted <code>"."""
    data = payload["data"]
    return f"{payload['type']} {data['code'] if 'code' in data else data['id']}"


def per_show(accepted: list[Attempt]) -> dict[int, list[str]]:
    """Each show's events in the order they were accepted, a redelivery of the event just
    accepted folded into it (at least once allows it; order forbids anything else)."""
    shows: dict[int, list[str]] = {}
    for attempt in accepted:
        payload = attempt.payload()
        seen = shows.setdefault(show_of(payload), [])
        if not seen or seen[-1] != label(payload):
            seen.append(label(payload))
    return shows
