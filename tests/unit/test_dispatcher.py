"""The webhook dispatcher against a real HTTP receiver on this machine: retries until it
accepts, Standard Webhooks signatures, each show's order, the address checks, the lease."""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import attrs
import pytest
from standardwebhooks import Webhook as Verifier

from boxoffice.adapters.memory import InMemoryUnitOfWorkFactory
from boxoffice.adapters.network import SocketResolver
from boxoffice.adapters.webhook_http import HttpWebhookSender
from boxoffice.config import Settings
from boxoffice.domain.delivery import Attempt
from boxoffice.domain.model import Actor, Delivery, DeliveryStatus, Outgoing, Show
from boxoffice.domain.rules import Limits
from boxoffice.domain.service import Boxoffice
from boxoffice.entrypoints.dispatcher import Dispatcher
from tests.e2e.server import running
from tests.fakes import START, FakeClock, FakePasswordHasher, FakeResolver, FakeTokenService

PASSWORD = "correct horse"


@attrs.define
class Received:
    headers: dict[str, str]
    body: bytes


@attrs.define
class Receiver:
    """An endpoint that answers `fail_first` requests with 500, then 204; `pause` (when set)
    holds each answer until it is set."""

    fail_first: int = 0
    received: list[Received] = attrs.field(factory=list)
    answered: int = 0
    pause: threading.Event | None = None
    delay: float = 0.0
    lock: threading.Lock = attrs.field(factory=threading.Lock)

    def answer(self, headers: dict[str, str], body: bytes) -> int:
        if self.pause is not None:
            self.pause.wait(10)
        if self.delay:
            time.sleep(self.delay)
        with self.lock:
            self.answered += 1
            if self.answered <= self.fail_first:
                return 500
            self.received.append(Received(headers, body))
            return 204


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, int]]:
    endpoint = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            status = endpoint.answer({k.lower(): v for k, v in self.headers.items()}, body)
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield endpoint, server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def app(clock: FakeClock) -> Boxoffice:
    return Boxoffice.from_ports(
        uow=InMemoryUnitOfWorkFactory(),
        hasher=FakePasswordHasher(),
        tokens=FakeTokenService(),
        clock=clock,
        limits=Limits(webhooks_allow_private=True),
    )


def sign_up(app: Boxoffice, email: str, role: str = "user") -> Actor:
    app.sign_up(name=email.split("@")[0], email=email, password=PASSWORD, role=role)
    return app.actor_for(email=email, password=PASSWORD)


def shows_in_a_cinema(app: Boxoffice, owner: Actor, count: int) -> list[Show]:
    cinema = app.add_cinema(owner, name="Rex", time_zone="UTC", currency="EUR")
    hall = app.add_screen(owner, cinema.id, name="Hall", capacity=50)
    film = app.add_movie(owner, title="Metropolis", genre="drama", duration=100)
    return [
        app.add_show(
            owner,
            movie_id=film.id,
            timing=START + timedelta(days=1, hours=3 * n),
            screen_id=hall.id,
        )
        for n in range(count)
    ]


def sender(**options: object) -> HttpWebhookSender:
    options.setdefault("allow_private", True)
    return HttpWebhookSender(SocketResolver(), **options)  # type: ignore[arg-type]


def run_until(
    dispatcher: Dispatcher, clock: FakeClock, done: Callable[[], bool], rounds: int = 20
) -> None:
    """Tick, wait for the attempts, and let the retries come due, until done()."""
    for _ in range(rounds):
        dispatcher.tick()
        assert dispatcher.wait_idle(10)
        if done():
            return
        clock.advance(minutes=1)
    raise AssertionError("the deliveries did not finish")


def deliveries(app: Boxoffice, owner: Actor, webhook_id: int) -> list[Delivery]:
    return list(app.list_deliveries(owner, webhook_id))


def test_every_event_arrives_signed_and_in_each_shows_order_after_failures(
    app: Boxoffice,
    clock: FakeClock,
    receiver: tuple[Receiver, int],
    caplog: pytest.LogCaptureFixture,
) -> None:
    endpoint, port = receiver
    endpoint.fail_first = 3
    owner = sign_up(app, "owner@example.com", "owner")
    buyer = sign_up(app, "buyer@example.com")
    shows = shows_in_a_cinema(app, owner, 3)
    cinema_id = shows[0].cinema_id
    assert cinema_id is not None
    webhook = app.add_webhook(owner, cinema_id, url=f"http://127.0.0.1:{port}/hooks", events=["*"])
    bookings = [app.book_seats(buyer, show_id=s.id, num_seats=1) for s in shows * 3]
    app.cancel_booking(buyer, bookings[0].id)
    dispatcher = Dispatcher(app, sender(), interval=1, concurrency=4)
    caplog.set_level(logging.DEBUG)

    run_until(
        dispatcher,
        clock,
        lambda: all(
            d.status is DeliveryStatus.DELIVERED for d in deliveries(app, owner, webhook.id)
        ),
    )

    verifier = Verifier(webhook.secret)
    bodies = [verifier.verify(r.body, r.headers) for r in endpoint.received]
    assert all(
        r.headers["webhook-id"] == b["id"] for r, b in zip(endpoint.received, bodies, strict=True)
    )
    assert len({b["id"] for b in bodies}) == len(bodies) == 10
    for show in shows:
        heard = [(b["type"], b["data"]["id"]) for b in bodies if b["data"]["show_id"] == show.id]
        made = [("booking.created", b.id) for b in bookings if b.show_id == show.id]
        if show.id == bookings[0].show_id:
            made.append(("booking.cancelled", bookings[0].id))
        assert heard == made
    recorded = deliveries(app, owner, webhook.id)
    assert sum(d.attempts for d in recorded) == 13
    assert {d.last_status for d in recorded} == {204}
    assert all(d.next_attempt_at is None for d in recorded)
    assert webhook.secret not in caplog.text
    assert "not accepted: 500" in caplog.text


def test_a_slow_endpoint_never_holds_up_bookings(
    app: Boxoffice, clock: FakeClock, receiver: tuple[Receiver, int]
) -> None:
    endpoint, port = receiver
    endpoint.pause = threading.Event()
    owner = sign_up(app, "owner@example.com", "owner")
    buyer = sign_up(app, "buyer@example.com")
    (show,) = shows_in_a_cinema(app, owner, 1)
    assert show.cinema_id is not None
    webhook = app.add_webhook(owner, show.cinema_id, url=f"http://127.0.0.1:{port}/", events=["*"])
    app.book_seats(buyer, show_id=show.id, num_seats=1)
    dispatcher = Dispatcher(app, sender(), interval=1)
    try:
        assert dispatcher.tick() == 1
        started = time.monotonic()
        app.book_seats(buyer, show_id=show.id, num_seats=1)
        assert time.monotonic() - started < 1
        # In flight: not handed out again, and the show's next event waits for it.
        assert dispatcher.tick() == 0
    finally:
        endpoint.pause.set()
    assert dispatcher.wait_idle(10)
    run_until(dispatcher, clock, lambda: len(endpoint.received) == 2)
    assert [d.status for d in deliveries(app, owner, webhook.id)] == [DeliveryStatus.DELIVERED] * 2


def outgoing(url: str, body: str = '{"id": "evt_1"}') -> Outgoing:
    delivery = Delivery(
        1, 1, "evt_1", "booking.created", 1, 0, DeliveryStatus.PENDING, None, None, START, START
    )
    return Outgoing(delivery, url, "whsec_" + "A" * 43 + "=", body)


def test_private_addresses_are_refused_at_delivery_unless_allowed(
    receiver: tuple[Receiver, int],
) -> None:
    endpoint, port = receiver
    refused = sender(allow_private=False)(outgoing(f"http://127.0.0.1:{port}/"))
    assert (refused.status, refused.error) == (None, "address not allowed")
    # A name that resolves to the operator's network is refused after resolving it...
    rebound = FakeResolver({"hooks.test": ["93.184.216.34", "127.0.0.1"]})
    named = HttpWebhookSender(rebound, allow_private=False)(outgoing(f"http://hooks.test:{port}/"))
    assert named.error == "address not allowed"
    assert endpoint.received == []
    # ...and when allowed, the connection goes to the address checked, the name in Host.
    pinned = HttpWebhookSender(FakeResolver({"hooks.test": ["127.0.0.1"]}), allow_private=True)
    assert pinned(outgoing(f"http://hooks.test:{port}/in")).status == 204
    assert endpoint.received[0].headers["host"] == f"hooks.test:{port}"


def test_timeouts_refusals_and_unknown_hosts_are_failed_attempts(
    receiver: tuple[Receiver, int],
) -> None:
    endpoint, port = receiver
    endpoint.delay = 0.5
    assert sender(timeout=0.05)(outgoing(f"http://127.0.0.1:{port}/")).error == "timeout"
    with SocketBound() as closed:
        assert sender()(outgoing(f"http://127.0.0.1:{closed}/")).error == "connection refused"
    assert sender(allow_private=False)(outgoing("http://no-such-host.invalid/")).error == (
        "host not found"
    )


class SocketBound:
    """A port nobody listens on: bound, never listening."""

    def __enter__(self) -> int:
        import socket

        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        return int(self._socket.getsockname()[1])

    def __exit__(self, *exc: object) -> None:
        self._socket.close()


def test_one_dispatcher_at_a_time_delivers(app: Boxoffice) -> None:
    first = Dispatcher(app, sender(), interval=1, holder="first")
    second = Dispatcher(app, sender(), interval=1, holder="second")
    first.tick()
    assert app.take_lease("webhook-dispatcher", "second", seconds=1) is False
    assert second.tick() == 0
    assert app.take_lease("webhook-dispatcher", "first", seconds=1) is True


def test_serve_runs_one_dispatcher_process_at_a_lower_priority_and_restarts_it(
    tmp_path: Path,
) -> None:
    from boxoffice.adapters.sqlalchemy.migrations import upgrade
    from boxoffice.entrypoints.server import DISPATCHER_NICENESS, dispatcher_process

    url = f"sqlite:///{tmp_path / 'boxoffice.db'}"
    upgrade(url)
    with dispatcher_process(Settings(database_url=url, webhooks_poll_seconds=0)) as off:
        assert off is None
    settings = Settings(database_url=url, webhooks_poll_seconds=0.05)
    with dispatcher_process(settings) as process:
        assert process is not None
        first = process.pid
        assert first is not None
        # Delivering: it holds the lease, with its priority lowered before it began.
        holder = _lease_holder(url)
        assert holder is not None
        assert f":{first}:" in holder
        assert _niceness(first) == os.nice(0) + DISPATCHER_NICENESS
        os.kill(first, signal.SIGKILL)
        # A crashed dispatcher is replaced.
        deadline = time.monotonic() + 10
        while process.pid == first:
            assert time.monotonic() < deadline, "the dispatcher was not started again"
            time.sleep(0.05)
        assert process.pid is not None
    assert not running(process.pid)


def _niceness(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[16])


def _lease_holder(url: str, seconds: float = 10) -> str | None:
    """Who holds the dispatcher's lease, once somebody does."""
    import sqlalchemy

    engine = sqlalchemy.create_engine(url)
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            with engine.connect() as connection:
                holder = connection.exec_driver_sql(
                    "SELECT holder FROM leases WHERE name = 'webhook-dispatcher'"
                ).scalar()
            if holder is not None:
                return str(holder)
            time.sleep(0.05)
    finally:
        engine.dispose()
    return None


def test_a_failing_database_is_logged_once_and_the_next_tick_retries(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class Down:
        def take_lease(self, name: str, holder: str, *, seconds: float) -> bool:
            raise OSError("the database is down")

        def due_deliveries(self, *, limit: int = 100) -> list[Outgoing]:
            return []

        def record_attempts(self, attempts: Sequence[tuple[int, Attempt]]) -> list[Delivery | None]:
            return []

    dispatcher = Dispatcher(Down(), sender(), interval=1)
    assert dispatcher.tick() == 0
    assert dispatcher.tick() == 0
    assert caplog.text.count("webhook dispatch failed") == 1


def test_bodies_show_the_resource_as_the_http_api_does(
    receiver: tuple[Receiver, int], clock: FakeClock
) -> None:
    from boxoffice.bootstrap import build

    app = build(Settings(webhooks_allow_private=1, bcrypt_rounds=4), clock=clock)
    owner = sign_up(app, "owner@example.com", "owner")
    buyer = sign_up(app, "buyer@example.com")
    (show,) = shows_in_a_cinema(app, owner, 1)
    assert show.cinema_id is not None
    app.add_webhook(owner, show.cinema_id, url="http://localhost/in", events=["booking.created"])
    booking = app.book_seats(buyer, show_id=show.id, num_seats=2)
    (due,) = app.due_deliveries()
    body = json.loads(due.body)
    assert set(body) == {"id", "type", "occurred_at", "data"}
    assert body["occurred_at"] == clock.now().isoformat()
    data = body["data"]
    assert (data["id"], data["num_seats"], data["status"], data["currency"]) == (
        booking.id,
        2,
        "active",
        "EUR",
    )
    assert [line["ticket_code"] for line in data["lines"]] == [t.code for t in booking.tickets]


@pytest.fixture
def tls_receiver(tmp_path: Path) -> Iterator[tuple[Receiver, int, Path]]:
    """A receiver over HTTPS with a certificate of its own for hooks.test."""
    if shutil.which("openssl") is None:
        pytest.skip("needs openssl to make a certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=hooks.test",
            "-addext",
            "subjectAltName=DNS:hooks.test",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    endpoint = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            self.send_response(endpoint.answer(dict(self.headers.items()), body))
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield endpoint, server.server_address[1], cert
    finally:
        server.shutdown()
        server.server_close()


def test_https_checks_the_certificate_against_the_urls_host(
    tls_receiver: tuple[Receiver, int, Path],
) -> None:
    endpoint, port, cert = tls_receiver
    resolver = FakeResolver({"hooks.test": ["127.0.0.1"]})
    url = f"https://hooks.test:{port}/in"
    untrusted = HttpWebhookSender(resolver, allow_private=True)(outgoing(url))
    assert (untrusted.error or "").startswith("tls error")
    sent = HttpWebhookSender(resolver, allow_private=True, ca_file=str(cert))(outgoing(url))
    assert sent.status == 204
    # The address is not the name the certificate is for.
    by_address = HttpWebhookSender(resolver, allow_private=True, ca_file=str(cert))(
        outgoing(f"https://127.0.0.1:{port}/in")
    )
    assert (by_address.error or "").startswith("tls error")
    assert len(endpoint.received) == 1


@attrs.define
class CountingRecords:
    """A Boxoffice whose record_attempts calls are counted."""

    app: Boxoffice
    batches: list[int] = attrs.field(factory=list)

    def take_lease(self, name: str, holder: str, *, seconds: float) -> bool:
        return self.app.take_lease(name, holder, seconds=seconds)

    def due_deliveries(self, *, limit: int = 100) -> list[Outgoing]:
        return self.app.due_deliveries(limit=limit)

    def record_attempts(self, attempts: Sequence[tuple[int, Attempt]]) -> list[Delivery | None]:
        self.batches.append(len(attempts))
        return self.app.record_attempts(attempts)


def test_a_busy_shows_events_go_in_one_round_recorded_in_one_transaction(
    app: Boxoffice, receiver: tuple[Receiver, int]
) -> None:
    endpoint, port = receiver
    owner = sign_up(app, "owner@example.com", "owner")
    buyer = sign_up(app, "buyer@example.com")
    first, second = shows_in_a_cinema(app, owner, 2)
    assert first.cinema_id is not None
    webhook = app.add_webhook(owner, first.cinema_id, url=f"http://127.0.0.1:{port}/", events=["*"])
    made = [app.book_seats(buyer, show_id=s.id, num_seats=1).id for s in [first, second] * 10]
    counting = CountingRecords(app)
    dispatcher = Dispatcher(counting, sender(), interval=1, concurrency=4)

    assert dispatcher.tick() == 20
    assert dispatcher.wait_idle(10)

    assert counting.batches == [20]
    assert {d.status for d in deliveries(app, owner, webhook.id)} == {DeliveryStatus.DELIVERED}
    heard = [json.loads(r.body)["data"] for r in endpoint.received]
    for show in (first, second):
        assert [b["id"] for b in heard if b["show_id"] == show.id] == [
            booking for n, booking in enumerate(made) if n % 2 == (show is second)
        ]
