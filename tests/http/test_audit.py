"""Through the API: each audited request leaves one event naming its actor, target and client."""

from __future__ import annotations

from typing import Any

from boxoffice.domain.model import AuditAction
from boxoffice.domain.service import Boxoffice
from tests.http.conftest import PASSWORD, Api

ADDRESS = "203.0.113.5"


def recorded(app: Boxoffice, after: int = 0) -> list[tuple[Any, ...]]:
    return [
        (e.action, e.actor_id, e.target, e.client, e.detail)
        for e in app.list_audit_events(after=after, limit=500)
    ]


def test_signup_logins_booking_and_cancel_are_recorded_with_the_callers_address(
    api: Api, app: Boxoffice, show: dict[str, Any]
) -> None:
    start = app.list_audit_events(limit=500)[-1].id

    def call(method: str, path: str, **options: Any) -> Any:
        return api.call(method, path, remote_addr=ADDRESS, **options)

    me = call(
        "POST",
        "/signup",
        json={"name": "Ada", "email": "Ada@Example.com", "password": PASSWORD, "role": "user"},
    ).json
    wrong = call("POST", "/login", json={"email": "ada@example.com", "password": "guess"})
    unknown = call("POST", "/login", json={"email": "eve@example.com", "password": "guess"})
    token = call("POST", "/login", json={"email": "ada@example.com", "password": PASSWORD}).json[
        "access_token"
    ]
    booked = call(
        "POST", "/bookings", json={"show_id": show["id"], "num_seats": 2}, token=token
    ).json
    call("DELETE", f"/bookings/{booked['id']}", token=token)

    assert (wrong.status_code, unknown.status_code) == (401, 401)
    detail = {"show_id": show["id"], "num_seats": 2}
    assert recorded(app, after=start) == [
        (AuditAction.SIGNED_UP, me["id"], f"user:{me['id']}", ADDRESS, {}),
        (AuditAction.LOGIN_FAILED, me["id"], "email:ada@example.com", ADDRESS, {}),
        (AuditAction.LOGIN_FAILED, None, "email:eve@example.com", ADDRESS, {}),
        (AuditAction.LOGGED_IN, me["id"], f"user:{me['id']}", ADDRESS, {}),
        (AuditAction.BOOKED, me["id"], f"booking:{booked['id']}", ADDRESS, detail),
        (AuditAction.BOOKING_CANCELLED, me["id"], f"booking:{booked['id']}", ADDRESS, detail),
    ]


def test_a_throttled_login_is_recorded(api: Api, app: Boxoffice) -> None:
    api.sign_up("ada@example.com")
    wrong = {"email": "ada@example.com", "password": "not the password"}
    statuses = [api.call("POST", "/login", json=wrong).status_code for _ in range(11)]
    assert statuses == [401] * 10 + [429]
    assert recorded(app)[-1][:3] == (AuditAction.LOGIN_THROTTLED, 1, "email:ada@example.com")


def test_idempotent_retries_over_http_record_one_event_each(
    api: Api, app: Boxoffice, user: str, show: dict[str, Any]
) -> None:
    start = app.list_audit_events(limit=500)[-1].id
    body = {"show_id": show["id"], "num_seats": 1}
    for _ in range(3):
        booking = api.call(
            "POST", "/bookings", json=body, token=user, headers={"Idempotency-Key": "b-1"}
        )
        assert booking.status_code == 201
    for _ in range(3):
        cancel = api.call(
            "DELETE",
            f"/bookings/{booking.json['id']}",
            token=user,
            headers={"Idempotency-Key": "c-1"},
        )
        assert cancel.status_code == 200
    assert [event[0] for event in recorded(app, after=start)] == [
        AuditAction.BOOKED,
        AuditAction.BOOKING_CANCELLED,
    ]


def test_refused_requests_record_nothing(
    api: Api, app: Boxoffice, owner: str, user: str, show: dict[str, Any]
) -> None:
    for _ in range(2):
        assert api.book(user, show["id"], seats=10).status_code == 201
    before = recorded(app)
    assert api.book(owner, show["id"]).status_code == 403
    assert api.book(user, show["id"], seats=1).status_code == 409
    assert api.call("DELETE", "/bookings/99", token=user).status_code == 404
    assert api.call("POST", "/signup", json={"email": "x@example.com"}).status_code == 400
    assert recorded(app) == before


def test_no_password_or_token_reaches_the_trail(api: Api, app: Boxoffice) -> None:
    token = api.account("ada@example.com")
    api.call("POST", "/login", json={"email": "ada@example.com", "password": "typo password"})
    trail = repr(list(app.list_audit_events(limit=500)))
    for secret in [PASSWORD, "typo password", token]:
        assert secret not in trail
