"""The original flow, 60 clients racing for 20 seats, and a restart, against the real server."""

from __future__ import annotations

import http.client
import json
import stat
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.e2e.server import Reply, Server

pytestmark = pytest.mark.slow

PASSWORD = "correct horse battery"
CLIENTS = 60
SEATS = 20


def sign_up_and_log_in(server: Server, email: str, role: str) -> str:
    signed_up = server.call(
        "POST", "/signup", {"name": email, "email": email, "password": PASSWORD, "role": role}
    )
    assert signed_up.status == 201, signed_up
    logged_in = server.call("POST", "/login", {"email": email, "password": PASSWORD})
    assert logged_in.status == 200, logged_in
    token: str = logged_in.body["access_token"]
    return token


def add_show(
    server: Server, owner: str, seats: int | None = None, *, seat_map: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A show 30 days ahead: general admission with `seats`, or seated by `seat_map`."""
    layout = {"seat_map": seat_map} if seat_map is not None else {"available_seats": seats}
    movie = server.call(
        "POST", "/movies", {"title": "Alien", "genre": "sci-fi", "duration": 117}, owner
    )
    assert movie.status == 201, movie
    timing = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    show = server.call(
        "POST",
        "/shows",
        {"movie_id": movie.body["id"], "timing": timing, **layout},
        owner,
    )
    assert show.status == 201, show
    body: dict[str, Any] = show.body
    return body


def test_the_original_flow(server: Server) -> None:
    owner = sign_up_and_log_in(server, "owner@example.com", "owner")
    user = sign_up_and_log_in(server, "user@example.com", "user")

    show = add_show(server, owner, seats=50)
    shows = server.call("GET", "/shows")
    booked = server.call("POST", "/bookings", {"show_id": show["id"], "num_seats": 3}, user)
    mine = server.call("GET", "/bookings", token=user)
    cancelled = server.call("DELETE", f"/bookings/{booked.body['id']}", token=user)
    after = server.call("GET", f"/shows/{show['id']}")

    assert [s["id"] for s in shows.body] == [show["id"]]
    assert booked.status == 201
    assert booked.body["num_seats"] == 3
    assert mine.body == [booked.body]
    assert cancelled.body["status"] == "cancelled"
    assert after.body["available_seats"] == 50
    assert (
        server.call("POST", "/bookings", {"show_id": show["id"], "num_seats": 1}, owner).status
        == 403
    )
    assert server.call("GET", "/nowhere").body["title"] == "Not Found"
    # Text the database cannot store is refused up front, not failed on with a 500.
    nul = {"name": "a\x00b", "email": "n@example.com", "password": PASSWORD, "role": "user"}
    assert server.call("POST", "/signup", nul).status == 400


def test_sixty_clients_race_for_twenty_seats(server: Server) -> None:
    race_for_twenty_seats(server)


def test_single_threaded_workers_race_for_twenty_seats_too(
    server_factory: Callable[..., Server],
) -> None:
    race_for_twenty_seats(server_factory(workers=4, threads=1))


def race_for_twenty_seats(server: Server) -> None:
    owner = sign_up_and_log_in(server, "owner@example.com", "owner")
    show = add_show(server, owner, seats=SEATS)
    with ThreadPoolExecutor(max_workers=16) as pool:
        tokens = list(
            pool.map(
                lambda n: sign_up_and_log_in(server, f"u{n}@example.com", "user"), range(CLIENTS)
            )
        )
    start = threading.Barrier(CLIENTS)

    def book(token: str) -> Reply:
        start.wait()
        return server.call("POST", "/bookings", {"show_id": show["id"], "num_seats": 1}, token)

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        replies = list(pool.map(book, tokens))

    statuses = Counter(reply.status for reply in replies)
    print(f"\n{CLIENTS} clients for {SEATS} seats: {dict(statuses)}")
    assert statuses == {201: SEATS, 409: CLIENTS - SEATS}
    assert server.call("GET", f"/shows/{show['id']}").body["available_seats"] == 0
    holders = [t for t in tokens if server.call("GET", "/bookings", token=t).body]
    assert len(holders) == SEATS


def test_concurrent_retries_with_one_idempotency_key_book_once(server: Server) -> None:
    owner = sign_up_and_log_in(server, "owner@example.com", "owner")
    show = add_show(server, owner, seats=SEATS)
    token = sign_up_and_log_in(server, "ada@example.com", "user")
    retries = 20
    start = threading.Barrier(retries)

    def book(_: int) -> Reply:
        start.wait()
        body = {"show_id": show["id"], "num_seats": 2}
        return server.call("POST", "/bookings", body, token, {"Idempotency-Key": "order-1"})

    with ThreadPoolExecutor(max_workers=retries) as pool:
        replies = list(pool.map(book, range(retries)))

    statuses = Counter(reply.status for reply in replies)
    print(f"\n{retries} concurrent retries of one idempotent booking: {dict(statuses)}")
    # A retry replays the booking, or is told its twin is still in progress (409).
    assert set(statuses) <= {201, 409}
    # Every retry that succeeded got the one booking stored. Its id need not be 1: each request
    # takes its booking's id before the show's lock, so the retries that replay use ids up.
    [booking] = server.call("GET", "/bookings", token=token).body
    assert statuses[201] >= 1
    assert {reply.body["id"] for reply in replies if reply.status == 201} == {booking["id"]}
    assert booking["num_seats"] == 2
    assert server.call("GET", f"/shows/{show['id']}").body["available_seats"] == SEATS - 2


def test_wrong_passwords_are_throttled_across_workers(server: Server) -> None:
    sign_up_and_log_in(server, "ada@example.com", "user")
    wrong = {"email": "ada@example.com", "password": "not the password"}
    # Concurrent, so the attempts land on several of the four worker processes.
    with ThreadPoolExecutor(max_workers=5) as pool:
        first = list(pool.map(lambda _: server.call("POST", "/login", wrong).status, range(10)))
    rest = [server.call("POST", "/login", wrong) for _ in range(10)]
    assert first == [401] * 10
    assert {reply.status for reply in rest} == {429}
    headers = {name.lower(): value for name, value in rest[-1].headers.items()}
    assert int(headers["retry-after"]) > 0
    right = {"email": "ada@example.com", "password": PASSWORD}
    assert server.call("POST", "/login", right).status == 429


def test_data_and_tokens_survive_a_restart(server_factory: Callable[..., Server]) -> None:
    first = server_factory()
    owner = sign_up_and_log_in(first, "owner@example.com", "owner")
    user = sign_up_and_log_in(first, "user@example.com", "user")
    show = add_show(first, owner, seats=10)
    booking = first.call("POST", "/bookings", {"show_id": show["id"], "num_seats": 4}, user).body
    assert first.stop() == 0

    second = server_factory()

    assert second.call("GET", f"/shows/{show['id']}").body["available_seats"] == 6
    assert second.call("GET", f"/bookings/{booking['id']}", token=user).body == booking
    assert (
        second.call("POST", "/movies", {"title": "B", "genre": "g", "duration": 90}, owner).status
        == 201
    )
    assert (
        second.call("POST", "/login", {"email": "user@example.com", "password": PASSWORD}).status
        == 200
    )


def test_the_generated_secret_is_private_and_never_logged(server: Server) -> None:
    sign_up_and_log_in(server, "user@example.com", "user")
    secret_file = server.data_dir / "jwt_secret"

    secret = secret_file.read_text().strip()

    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert len(secret) >= 32
    assert secret not in server.log()
    assert PASSWORD not in server.log()
    assert "POST /login 200" in server.log()


def test_a_chunked_body_is_read(server_factory: Callable[..., Server]) -> None:
    server = server_factory(workers=1)
    account = {"name": "Ada", "email": "ada@example.com", "password": "password1", "role": "user"}
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        # An iterable body without a Content-Length goes out as Transfer-Encoding: chunked.
        pieces = iter([json.dumps(account).encode()])
        connection.request(
            "POST",
            "/signup",
            body=pieces,
            headers={"Content-Type": "application/json"},
            encode_chunked=True,
        )
        reply = connection.getresponse()
        body = json.loads(reply.read())
    finally:
        connection.close()

    assert reply.status == 201, body
    assert body["email"] == "ada@example.com"


def test_the_server_environment_never_stands_in_for_a_request_header(
    server_factory: Callable[..., Server],
) -> None:
    first = server_factory(workers=1)
    token = sign_up_and_log_in(first, "user@example.com", "user")
    assert first.stop() == 0

    # granian copies its environment into every request: HTTP_AUTHORIZATION would read as
    # the Authorization header of every request that sends none.
    second = server_factory(workers=1, extra_env={"HTTP_AUTHORIZATION": f"Bearer {token}"})

    assert second.call("GET", "/bookings").status == 401
    assert second.call("GET", "/bookings", token=token).status == 200


def test_the_access_log_can_be_turned_off(server_factory: Callable[..., Server]) -> None:
    # For a deployment whose proxy logs requests already (docs/benchmarks.md: about 9 % of the
    # listings' throughput). Errors and warnings are still logged.
    server = server_factory(extra_env={"BOXOFFICE_ACCESS_LOG": "off"})
    sign_up_and_log_in(server, "user@example.com", "user")

    assert server.call("GET", "/health").status == 200
    assert "POST /login" not in server.log()
    assert "GET /health" not in server.log()
