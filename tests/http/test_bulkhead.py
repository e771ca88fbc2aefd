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
HASHING = frozenset({"/login", "/signup"})


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
    app = Bulkhead(inner, threads=8, slots=1, hashing_paths=HASHING)
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
    app = Bulkhead(inner, threads=8, slots=1, hashing_paths=HASHING)
    slow = in_thread(app, "/slow")
    assert inner.inside.acquire(timeout=TIMEOUT)

    hashing = in_thread(app, path)
    hashing.join(TIMEOUT)
    assert not hashing.is_alive(), "waited for a slot"

    inner.release.set()
    slow.join(TIMEOUT)


def test_every_other_request_takes_one_slot_whatever_its_method() -> None:
    inner = BlockingApp()
    app = Bulkhead(inner, threads=8, slots=3, hashing_paths=HASHING)
    running = [in_thread(app, "/slow", method) for method in ("POST", "GET", "DELETE")]

    for _ in running:
        assert inner.inside.acquire(timeout=TIMEOUT), "waited for a slot it should have had"

    inner.release.set()
    for thread in running:
        thread.join(TIMEOUT)


def test_only_the_paths_it_is_given_pass_as_hashing() -> None:
    inner = BlockingApp()
    app = Bulkhead(inner, threads=8, slots=1, hashing_paths=frozenset({"/hash"}))
    slow = in_thread(app, "/slow")
    assert inner.inside.acquire(timeout=TIMEOUT)

    hashing = in_thread(app, "/hash", "POST")
    hashing.join(TIMEOUT)
    assert not hashing.is_alive(), "waited for a slot"
    assert inner.inside.acquire(timeout=TIMEOUT)
    login = in_thread(app, "/login", "POST")
    assert not inner.inside.acquire(timeout=0.2), "a path it was not given passed as hashing"

    inner.release.set()
    for thread in (slow, login):
        thread.join(TIMEOUT)
        assert not thread.is_alive()


def test_a_request_that_fails_gives_its_slot_back() -> None:
    inner = BlockingApp()
    app = Bulkhead(inner, threads=8, slots=1, hashing_paths=HASHING)

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
    app = Bulkhead(EchoApp(), threads=8, slots=1, hashing_paths=HASHING)
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

    app = Bulkhead(Recorder(), threads=3, slots=2, hashing_paths=HASHING)  # one log-in at a time
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


class BlockingPosts(BlockingApp):
    """POSTs stay in it until released; other methods answer at once."""

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ["REQUEST_METHOD"] != "POST":
            return [b"preflight"]
        self.inside.release()
        assert self.release.wait(TIMEOUT)
        return [b"posted"]


def test_a_preflight_of_a_log_in_waits_for_no_hashing_thread() -> None:
    inner = BlockingPosts()
    app = Bulkhead(inner, threads=2, slots=1, hashing_paths=HASHING)
    # The one thread log-ins may hold is busy hashing.
    hashing = in_thread(app, "/login", "POST")
    assert inner.inside.acquire(timeout=TIMEOUT)
    environ = {"PATH_INFO": "/login", "REQUEST_METHOD": "OPTIONS"}

    answer = b"".join(app(environ, lambda status, headers, exc_info=None: None))

    assert answer == b"preflight"
    assert OVERLOADED not in environ
    inner.release.set()
    hashing.join(TIMEOUT)
