"""SIGTERM under load: in-flight bookings finish, nothing is half-written, every 201 is stored."""

from __future__ import annotations

import socket
import threading
import time
import urllib.error
from collections.abc import Callable

import pytest

from tests.e2e.server import Server, descendants, running
from tests.e2e.test_service import add_show, sign_up_and_log_in

pytestmark = pytest.mark.slow

CLIENTS = 16
SEATS = 5000


def test_sigterm_under_load_loses_and_half_writes_nothing(
    server_factory: Callable[..., Server],
) -> None:
    server = server_factory()
    owner = sign_up_and_log_in(server, "owner@example.com", "owner")
    show = add_show(server, owner, seats=SEATS)
    token = sign_up_and_log_in(server, "ada@example.com", "user")
    acknowledged: set[int] = set()
    # Failures where the request may have reached the server (not a refused connection).
    uncertain: list[str] = []
    refused = threading.Event()
    lock = threading.Lock()

    def keep_booking() -> None:
        while not refused.is_set():
            try:
                reply = server.call(
                    "POST", "/bookings", {"show_id": show["id"], "num_seats": 1}, token
                )
            except urllib.error.URLError as error:
                if isinstance(error.reason, ConnectionRefusedError):
                    refused.set()
                else:
                    with lock:
                        uncertain.append(repr(error.reason))
                continue
            except ConnectionError as error:
                with lock:
                    uncertain.append(repr(error))
                continue
            assert reply.status == 201, reply
            with lock:
                acknowledged.add(reply.body["id"])

    clients = [threading.Thread(target=keep_booking) for _ in range(CLIENTS)]
    for client in clients:
        client.start()
    time.sleep(1.0)
    assert server.stop() == 0  # SIGTERM; in-flight requests finish
    refused.set()
    for client in clients:
        client.join(timeout=60)

    restarted = server_factory()
    stored = {}
    after = 0
    while True:
        page = restarted.call("GET", f"/bookings?limit=500&after={after}", token=token)
        assert page.status == 200, page
        if not page.body:
            break
        stored.update({booking["id"]: booking for booking in page.body})
        after = page.body[-1]["id"]
    print(
        f"\nSIGTERM under load: {len(acknowledged)} bookings acknowledged, {len(stored)} stored, "
        f"{len(uncertain)} requests without an answer"
    )
    assert acknowledged, "the load never got going"
    assert acknowledged <= set(stored)
    assert len(set(stored) - acknowledged) <= len(uncertain)
    left = restarted.call("GET", f"/shows/{show['id']}").body["available_seats"]
    assert left + sum(b["num_seats"] for b in stored.values()) == SEATS


def test_workers_stop_when_their_master_is_killed(server_factory: Callable[..., Server]) -> None:
    server = server_factory(workers=2)
    assert server.call("GET", "/health").status == 200
    assert server.pid is not None
    # Two workers and the webhook dispatcher.
    children = descendants(server.pid)
    assert len(children) >= 3

    server.kill()

    # The workers notice within about a second, and free the port for a new master.
    deadline = time.monotonic() + 15
    while _accepts_connections(server.port):
        assert time.monotonic() < deadline, "workers outlived their master"
        time.sleep(0.2)
    while any(running(pid) for pid in children):
        assert time.monotonic() < deadline, "a child outlived its master"
        time.sleep(0.2)
    assert "the master process is gone" in server.log()
    assert server_factory(workers=1, port=server.port).call("GET", "/health").status == 200


def _accepts_connections(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True
