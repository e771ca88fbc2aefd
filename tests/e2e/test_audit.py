"""The audit trail of a real `boxoffice serve --workers 4`, read back with `boxoffice audit`."""

from __future__ import annotations

import json
import os
import subprocess
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.e2e.server import Reply, Server, _boxoffice_command
from tests.e2e.test_service import PASSWORD, add_show, sign_up_and_log_in

pytestmark = pytest.mark.slow

USERS = 8
CANCELLING = 4
RETRIES = 3


def boxoffice_audit(server: Server) -> list[dict[str, Any]]:
    """What an operator sees, from a separate process on the server's database."""
    command = [*_boxoffice_command(), "audit", "--data-dir", str(server.data_dir)]
    if server.database_url:
        command += ["--database-url", server.database_url]
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOXOFFICE_")}
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    assert PASSWORD not in done.stdout
    assert "wrong password" not in done.stdout
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_every_audited_request_is_recorded_once(server: Server) -> None:
    started = datetime.now(UTC)
    owner = sign_up_and_log_in(server, "owner@example.com", "owner")
    show = add_show(server, owner, seats=USERS)
    emails = [f"u{n}@example.com" for n in range(USERS)]
    # Concurrent, so the requests land on all four worker processes.
    with ThreadPoolExecutor(max_workers=USERS) as pool:
        tokens = list(pool.map(lambda e: sign_up_and_log_in(server, e, "user"), emails))
        failed = list(
            pool.map(
                lambda e: server.call("POST", "/login", {"email": e, "password": "wrong password"}),
                [*emails, "nobody@example.com"],
            )
        )

        def book(n: int) -> Reply:
            body = {"show_id": show["id"], "num_seats": 1}
            key = {"Idempotency-Key": f"order-{n // RETRIES}"}
            return server.call("POST", "/bookings", body, tokens[n // RETRIES], key)

        booked = list(pool.map(book, range(USERS * RETRIES)))
        bookings = {r.body["user_id"]: r.body["id"] for r in booked if r.status == 201}
        ids = [server.call("GET", "/bookings", token=t).body[0]["user_id"] for t in tokens]

        def cancel(n: int) -> Reply:
            token = tokens[n // RETRIES]
            booking_id = bookings[ids[n // RETRIES]]
            key = {"Idempotency-Key": f"undo-{n // RETRIES}"}
            return server.call("DELETE", f"/bookings/{booking_id}", None, token, key)

        cancelled = list(pool.map(cancel, range(CANCELLING * RETRIES)))

    assert {r.status for r in failed} == {401}
    # A retry replays its booking, or is told that its twin is still in progress.
    assert {r.status for r in booked + cancelled} <= {200, 201, 409}
    assert len(bookings) == USERS

    events = boxoffice_audit(server)

    assert Counter(e["action"] for e in events) == {
        "signed_up": 1 + USERS,
        "logged_in": 1 + USERS,
        "login_failed": USERS + 1,
        "booked": USERS,
        "booking_cancelled": CANCELLING,
    }
    assert [e["id"] for e in events] == sorted({e["id"] for e in events})
    assert {e["client"] for e in events} == {"127.0.0.1"}
    assert all(started <= datetime.fromisoformat(e["occurred_at"]) for e in events)
    by_action = {
        action: {(e["actor_id"], e["target"]) for e in events if e["action"] == action}
        for action in ("booked", "booking_cancelled", "login_failed", "signed_up")
    }
    assert by_action["booked"] == {(user, f"booking:{b}") for user, b in bookings.items()}
    assert by_action["booking_cancelled"] == {
        (user, f"booking:{bookings[user]}") for user in ids[:CANCELLING]
    }
    assert by_action["login_failed"] == {
        *((user, f"email:{email}") for user, email in zip(ids, emails, strict=True)),
        (None, "email:nobody@example.com"),
    }
    assert {(user, f"user:{user}") for user in ids} < by_action["signed_up"]
    assert {e["detail"]["show_id"] for e in events if e["action"] == "booked"} == {show["id"]}
    for token in [owner, *tokens]:
        assert token not in json.dumps(events)
