"""The webhook sender's connections: kept alive between attempts to one endpoint, and never
reused in a state that would turn the next attempt into a failure."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import attrs
import pytest

from boxoffice.adapters.network import SocketResolver
from boxoffice.adapters.webhook_http import MAX_ANSWER_BYTES, HttpWebhookSender
from boxoffice.domain.model import Delivery, DeliveryStatus, Outgoing
from tests.fakes import START

SECRET = "whsec_" + "A" * 43 + "="


@attrs.define
class Endpoint:
    """An HTTP/1.1 endpoint that keeps connections open unless told otherwise, and notes the
    client port of each request it answers: one port, one connection."""

    ports: list[int] = attrs.field(factory=list)
    answer_bytes: int = 0
    close_after_answer: bool = False
    lock: threading.Lock = attrs.field(factory=threading.Lock)

    def connections(self) -> int:
        with self.lock:
            return len(set(self.ports))


@pytest.fixture
def endpoint() -> Iterator[tuple[Endpoint, str]]:
    state = Endpoint()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["content-length"]))
            with state.lock:
                state.ports.append(self.client_address[1])
            self.send_response(200 if state.answer_bytes else 204)
            self.send_header("content-length", str(state.answer_bytes))
            self.end_headers()
            self.wfile.write(b"x" * state.answer_bytes)
            # Closed without a word, as a server does with a connection idle too long.
            self.close_connection = state.close_after_answer

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}/in"
    finally:
        server.shutdown()
        server.server_close()


def outgoing(url: str, n: int = 1) -> Outgoing:
    delivery = Delivery(
        n,
        1,
        f"evt_{n}",
        "booking.created",
        1,
        0,
        DeliveryStatus.PENDING,
        None,
        None,
        START,
        START + timedelta(seconds=n),
    )
    return Outgoing(delivery, url, SECRET, f'{{"id": "evt_{n}"}}')


@pytest.fixture
def sender() -> Iterator[HttpWebhookSender]:
    send = HttpWebhookSender(SocketResolver(), allow_private=True, timeout=5)
    yield send
    send.close()


def test_attempts_to_one_endpoint_share_a_connection(
    endpoint: tuple[Endpoint, str], sender: HttpWebhookSender
) -> None:
    state, url = endpoint
    statuses = [sender(outgoing(url, n)).status for n in range(1, 11)]
    assert statuses == [204] * 10
    assert state.connections() == 1


def test_concurrent_attempts_keep_no_more_connections_than_threads(
    endpoint: tuple[Endpoint, str], sender: HttpWebhookSender
) -> None:
    state, url = endpoint
    with ThreadPoolExecutor(4) as pool:
        statuses = list(pool.map(lambda n: sender(outgoing(url, n)).status, range(1, 201)))
    assert statuses == [204] * 200
    assert 1 <= state.connections() <= 4


def test_a_connection_the_endpoint_closed_is_not_reused(
    endpoint: tuple[Endpoint, str], sender: HttpWebhookSender
) -> None:
    state, url = endpoint
    state.close_after_answer = True
    for n in range(1, 6):
        assert sender(outgoing(url, n)).status == 204
        # The endpoint's close has reached this side before the next attempt.
        time.sleep(0.05)
    assert state.connections() == 5


def test_an_answer_too_long_to_read_leaves_the_next_attempt_unharmed(
    endpoint: tuple[Endpoint, str], sender: HttpWebhookSender
) -> None:
    state, url = endpoint
    state.answer_bytes = 4 * MAX_ANSWER_BYTES
    assert sender(outgoing(url, 1)).status == 200
    state.answer_bytes = 0
    assert sender(outgoing(url, 2)).status == 204
    # The long answer's connection, left unread, was dropped; the next one is new.
    assert state.connections() == 2


def test_a_short_answer_with_a_body_keeps_its_connection(
    endpoint: tuple[Endpoint, str], sender: HttpWebhookSender
) -> None:
    state, url = endpoint
    state.answer_bytes = 100
    assert [sender(outgoing(url, n)).status for n in range(1, 4)] == [200] * 3
    assert state.connections() == 1


def test_a_proxy_in_the_environment_is_not_used(
    endpoint: tuple[Endpoint, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    state, url = endpoint
    # Nobody listens there: a request sent through it would fail.
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "all_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    send = HttpWebhookSender(SocketResolver(), allow_private=True, timeout=5)
    try:
        assert send(outgoing(url)).status == 204
    finally:
        send.close()
    assert state.connections() == 1


def test_a_closed_sender_makes_new_connections(
    endpoint: tuple[Endpoint, str], sender: HttpWebhookSender
) -> None:
    state, url = endpoint
    assert sender(outgoing(url, 1)).status == 204
    sender.close()
    assert sender(outgoing(url, 2)).status == 204
    assert state.connections() == 2
