"""The bulkhead: requests that wait on bcrypt never wait for, or take, the others' slots."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterable
from wsgiref.types import StartResponse, WSGIEnvironment

import pytest

from boxoffice.entrypoints.bulkhead import Bulkhead, FairSlots
from boxoffice.entrypoints.http.overload import OVERLOADED
from tests.http.conftest import Api

TIMEOUT = 5


class BlockingApp:
    """A WSGI app whose requests to /slow stay in it until released."""

    def __init__(self) -> None:
        self.inside = threading.Semaphore(0)
        self.release = threading.Event()

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ["PATH_INFO"] == "/fail":
            raise RuntimeError("boom")
        self.inside.release()
        if environ["PATH_INFO"] == "/slow":
            assert self.release.wait(TIMEOUT)
        return [environ["PATH_INFO"].encode()]


def call(app: Bulkhead, path: str, method: str = "GET") -> bytes:
    environ = {"PATH_INFO": path, "REQUEST_METHOD": method}
    return b"".join(app(environ, lambda status, headers, exc_info=None: None))


def in_thread(app: Bulkhead, path: str, method: str = "GET") -> threading.Thread:
    thread = threading.Thread(target=call, args=(app, path, method), daemon=True)
    thread.start()
    return thread


def test_a_request_waits_for_a_slot_and_gets_it_when_one_frees() -> None:
    inner = BlockingApp()
    app = Bulkhead(inner, threads=8, slots=1)
    slow = in_thread(app, "/slow")
    assert inner.inside.acquire(timeout=TIMEOUT)

    waiting = in_thread(app, "/shows")
    assert not inner.inside.acquire(timeout=0.2), "ran without a free slot"

    inner.release.set()
    assert inner.inside.acquire(timeout=TIMEOUT), "never got the freed slot"
    slow.join(TIMEOUT)
    waiting.join(TIMEOUT)


@pytest.mark.parametrize("path", ["/login", "/signup"])
def test_hashing_requests_pass_while_every_slot_is_taken(path: str) -> None:
    inner = BlockingApp()
    app = Bulkhead(inner, threads=8, slots=1)
    slow = in_thread(app, "/slow")
    assert inner.inside.acquire(timeout=TIMEOUT)

    hashing = in_thread(app, path)
    hashing.join(TIMEOUT)
    assert not hashing.is_alive(), "waited for a slot"

    inner.release.set()
    slow.join(TIMEOUT)


def test_a_request_that_fails_gives_its_slot_back() -> None:
    inner = BlockingApp()
    app = Bulkhead(inner, threads=8, slots=1)

    with pytest.raises(RuntimeError):
        call(app, "/fail")

    assert call(app, "/shows") == b"/shows"


def test_a_freed_slot_goes_to_the_longest_waiter_not_to_a_newcomer() -> None:
    slots = FairSlots(1)
    slots.acquire()
    entered: list[str] = []

    def take(name: str) -> None:
        slots.acquire()
        entered.append(name)
        slots.release()

    waiter = threading.Thread(target=take, args=("waiter",))
    waiter.start()
    deadline = time.monotonic() + TIMEOUT
    while not slots._waiters:  # until the waiter is queued
        assert time.monotonic() < deadline
        time.sleep(0.01)
    slots.release()
    take("newcomer")  # arrives while the waiter may not have been scheduled yet
    waiter.join(TIMEOUT)

    assert entered == ["waiter", "newcomer"]


def test_a_waiter_for_several_slots_gets_them_all_and_newcomers_queue_behind_it() -> None:
    slots = FairSlots(2)
    slots.acquire()
    entered: list[str] = []

    def take(name: str, count: int) -> None:
        slots.acquire(count)
        entered.append(name)
        slots.release(count)

    both = threading.Thread(target=take, args=("both", 2), daemon=True)
    both.start()
    deadline = time.monotonic() + TIMEOUT
    while not slots._waiters:  # until it is queued, one slot still free
        assert time.monotonic() < deadline
        time.sleep(0.01)
    one = threading.Thread(target=take, args=("one", 1), daemon=True)
    one.start()
    one.join(0.2)
    assert entered == [], "took the free slot ahead of the waiter for two"

    slots.release()
    both.join(TIMEOUT)
    one.join(TIMEOUT)
    assert entered == ["both", "one"]


@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_where_writes_run_alone_a_write_waits_for_the_reads_and_the_reads_for_it(
    method: str,
) -> None:
    inner = BlockingApp()
    app = Bulkhead(inner, threads=8, slots=4, writes_alone=True)
    reading = in_thread(app, "/slow")
    assert inner.inside.acquire(timeout=TIMEOUT)

    writing = in_thread(app, "/bookings", method)
    assert not inner.inside.acquire(timeout=0.2), "a write ran beside a read"
    later_read = in_thread(app, "/shows")
    assert not inner.inside.acquire(timeout=0.2), "a read went ahead of the waiting write"

    inner.release.set()
    for thread in (reading, writing, later_read):
        thread.join(TIMEOUT)
        assert not thread.is_alive()


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
def test_reads_run_side_by_side_and_so_do_writes_unless_told_otherwise(method: str) -> None:
    inner = BlockingApp()
    alone = Bulkhead(inner, threads=8, slots=4, writes_alone=True)
    together = Bulkhead(inner, threads=8, slots=4)
    running = [in_thread(alone, "/slow", method), in_thread(alone, "/slow", method)]
    running += [in_thread(together, "/slow"), in_thread(together, "/slow", "POST")]

    for _ in running:
        assert inner.inside.acquire(timeout=TIMEOUT), "waited for a slot it should have had"

    inner.release.set()
    for thread in running:
        thread.join(TIMEOUT)


class TwoGates:
    """A WSGI app whose writes to /write and reads of /slow wait for gates of their own."""

    def __init__(self) -> None:
        self.inside = threading.Semaphore(0)
        self.gates = {"/write": threading.Event(), "/slow": threading.Event()}

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ["PATH_INFO"] == "/fail":
            raise RuntimeError("boom")
        self.inside.release()
        gate = self.gates.get(environ["PATH_INFO"])
        if gate is not None:
            assert gate.wait(TIMEOUT)
        return [b""]


def test_a_write_gives_back_every_slot_and_the_reads_behind_it_go_in_together() -> None:
    inner = TwoGates()
    app = Bulkhead(inner, threads=16, slots=4, writes_alone=True)
    with pytest.raises(RuntimeError):
        call(app, "/fail", "POST")
    writing = in_thread(app, "/write", "POST")
    assert inner.inside.acquire(timeout=TIMEOUT), "a failed write kept some of its slots"

    reads = [in_thread(app, "/slow") for _ in range(3)]
    assert not inner.inside.acquire(timeout=0.2), "a read ran beside the write"
    inner.gates["/write"].set()
    writing.join(TIMEOUT)
    for _ in reads:
        assert inner.inside.acquire(timeout=TIMEOUT), "the reads were let in one at a time"

    inner.gates["/slow"].set()
    for thread in reads:
        thread.join(TIMEOUT)
        assert not thread.is_alive()


def test_nobody_may_ask_for_more_slots_than_there_are() -> None:
    with pytest.raises(ValueError, match="3 of 2"):
        FairSlots(2).acquire(3)


class TricklingBody(io.RawIOBase):
    """A request body whose bytes arrive only once the test lets them."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.arrived = threading.Event()

    def read(self, size: int = -1) -> bytes:
        assert self.arrived.wait(TIMEOUT)
        data, self.data = self.data, b""
        return data


def with_body(path: str, body: TricklingBody, **headers: str) -> WSGIEnvironment:
    return {"PATH_INFO": path, "wsgi.input": body, "wsgi.input_terminated": True, **headers}


class EchoApp:
    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        body = environ.get("wsgi.input")
        return [b"" if body is None else body.read()]


@pytest.mark.parametrize(
    "headers", [{"CONTENT_LENGTH": "7"}, {"HTTP_TRANSFER_ENCODING": "chunked"}]
)
def test_a_body_still_arriving_holds_no_slot(headers: dict[str, str]) -> None:
    app = Bulkhead(EchoApp(), threads=8, slots=1)
    body = TricklingBody(b'{"a":1}')
    replies: list[bytes] = []
    slow = threading.Thread(
        target=lambda: replies.append(
            b"".join(app(with_body("/bookings", body, **headers), lambda *_: None))
        )
    )
    slow.start()

    other = in_thread(app, "/shows")
    other.join(TIMEOUT)
    assert not other.is_alive(), "waited for a slot held by a body in transit"

    body.arrived.set()
    slow.join(TIMEOUT)
    assert replies == [b'{"a":1}']


def test_a_log_in_over_the_limit_is_flagged_and_one_under_it_is_not() -> None:
    gate = BlockingApp()
    seen: list[bytes] = []

    class Recorder:
        def __call__(
            self, environ: WSGIEnvironment, start_response: StartResponse
        ) -> Iterable[bytes]:
            if environ.get(OVERLOADED):
                seen.append(b"overloaded")
                return [b""]
            seen.append(b"admitted")
            return gate({**environ, "PATH_INFO": "/slow"}, start_response)

    app = Bulkhead(Recorder(), threads=3, slots=2)  # one log-in at a time
    holding = in_thread(app, "/login")
    assert gate.inside.acquire(timeout=TIMEOUT)

    call(app, "/signup")  # while the first still hashes
    gate.release.set()
    holding.join(TIMEOUT)
    call(app, "/login")  # once it is done

    assert seen == [b"admitted", b"overloaded", b"admitted"]


def test_the_app_answers_a_request_marked_overloaded_with_a_503_and_changes_nothing(
    api: Api,
) -> None:
    account = {"name": "A", "email": "a@b.io", "password": "password1", "role": "user"}

    refused = api.call("POST", "/signup", json=account, extras={OVERLOADED: True})

    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "1"
    assert refused.json == {
        "title": "Service Unavailable",
        "description": "too many log-ins and sign-ups are in progress; try again shortly",
    }
    assert api.call("POST", "/signup", json=account).status_code == 201
