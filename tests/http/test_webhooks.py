"""Webhooks over HTTP: a cinema's owner registers, reads and deletes endpoints, and reads their
deliveries; the secret is shown once; bad input is a 400, never a 500."""

from __future__ import annotations

from typing import Any, ClassVar

import falcon.testing
import pytest

from boxoffice.domain.rules import Limits
from boxoffice.domain.service import Boxoffice
from boxoffice.entrypoints.http import create_app
from tests.fakes import FakeClock, FakePasswordHasher, FakeTokenService
from tests.http.conftest import FUTURE, TOKEN_TTL_SECONDS, Api
from tests.http.test_cinemas import add_cinema
from tests.http.test_paging import next_link

# A public address, written as one: registering it needs no name lookup.
URL = "https://1.1.1.1/hooks/boxoffice"
WEBHOOK_FIELDS = {"id", "cinema_id", "url", "events", "created_at"}
DELIVERY_FIELDS = {
    "id",
    "event_id",
    "event_type",
    "show_id",
    "attempts",
    "status",
    "last_status",
    "last_error",
    "next_attempt_at",
    "created_at",
}
EVENTS = [
    "booking.created",
    "booking.cancelled",
    "show.rescheduled",
    "show.cancelled",
    "waitlist.offered",
    "checkin.admitted",
]


def register(
    api: Api, owner: str | None, cinema_id: int, url: str = URL, events: Any = ("*",)
) -> Any:
    body = {"url": url, "events": list(events)}
    return api.call("POST", f"/cinemas/{cinema_id}/webhooks", json=body, token=owner)


def show_in(api: Api, owner: str, cinema_id: int, seats: int = 20) -> dict[str, Any]:
    """A general-admission show on a new screen of the cinema."""
    screen = api.call(
        "POST",
        f"/cinemas/{cinema_id}/screens",
        json={"name": "Hall", "capacity": seats},
        token=owner,
    )
    assert screen.status_code == 201, screen.text
    movie = api.add_movie(owner)
    body = {"movie_id": movie["id"], "timing": FUTURE, "screen_id": screen.json["id"]}
    show = api.call("POST", "/shows", json=body, token=owner)
    assert show.status_code == 201, show.text
    created: dict[str, Any] = show.json
    return created


@pytest.fixture
def cinema(api: Api, owner: str) -> dict[str, Any]:
    return add_cinema(api, owner)


@pytest.fixture
def webhook(api: Api, owner: str, cinema: dict[str, Any]) -> dict[str, Any]:
    result = register(api, owner, cinema["id"], events=["booking.created"])
    assert result.status_code == 201, result.text
    created: dict[str, Any] = result.json
    return created


def test_registering_is_201_with_the_secret_shown_this_once(
    api: Api, owner: str, cinema: dict[str, Any]
) -> None:
    result = register(api, owner, cinema["id"], events=["booking.created", "show.cancelled"])

    assert result.status_code == 201, result.text
    body = result.json
    assert set(body) == {*WEBHOOK_FIELDS, "secret"}
    assert body["cinema_id"] == cinema["id"]
    assert body["url"] == URL
    assert body["events"] == ["booking.created", "show.cancelled"]
    assert body["secret"].startswith("whsec_")
    assert result.headers["Location"] == f"/webhooks/{body['id']}"
    read = api.call("GET", f"/webhooks/{body['id']}", token=owner)
    assert read.status_code == 200
    assert read.json == {name: body[name] for name in WEBHOOK_FIELDS}


def test_no_listing_or_read_shows_the_secret(
    api: Api, owner: str, cinema: dict[str, Any], webhook: dict[str, Any]
) -> None:
    listed = api.call("GET", f"/cinemas/{cinema['id']}/webhooks", token=owner)
    read = api.call("GET", f"/webhooks/{webhook['id']}", token=owner)
    deleted = api.call("DELETE", f"/webhooks/{webhook['id']}", token=owner)

    for result in (listed, read, deleted):
        assert result.status_code == 200, result.text
        assert webhook["secret"] not in result.text
        assert "secret" not in result.text
    assert [set(item) for item in listed.json] == [WEBHOOK_FIELDS]


def test_every_event_type_and_star_may_be_chosen(
    api: Api, owner: str, cinema: dict[str, Any]
) -> None:
    assert register(api, owner, cinema["id"], events=EVENTS).json["events"] == EVENTS
    assert register(api, owner, cinema["id"], events=["*"]).json["events"] == ["*"]


def test_deleting_is_200_the_endpoint_and_then_it_is_gone(
    api: Api, owner: str, cinema: dict[str, Any], webhook: dict[str, Any]
) -> None:
    deleted = api.call("DELETE", f"/webhooks/{webhook['id']}", token=owner)

    assert deleted.status_code == 200, deleted.text
    assert deleted.json == {name: webhook[name] for name in WEBHOOK_FIELDS}
    assert api.call("GET", f"/webhooks/{webhook['id']}", token=owner).status_code == 404
    assert api.call("DELETE", f"/webhooks/{webhook['id']}", token=owner).status_code == 404
    assert api.call("GET", f"/cinemas/{cinema['id']}/webhooks", token=owner).json == []


def test_the_list_is_paged(api: Api, owner: str, cinema: dict[str, Any]) -> None:
    ids = [register(api, owner, cinema["id"]).json["id"] for _ in range(3)]

    first = api.call("GET", f"/cinemas/{cinema['id']}/webhooks?limit=2", token=owner)
    rest = api.call("GET", next_link(first.headers), token=owner)

    assert [item["id"] for item in first.json] == ids[:2]
    assert [item["id"] for item in rest.json] == ids[2:]


def test_only_the_cinemas_owner_may_touch_its_webhooks(
    api: Api, owner: str, user: str, cinema: dict[str, Any], webhook: dict[str, Any]
) -> None:
    rival = api.account("rival@example.com", "owner")
    routes = [
        ("GET", f"/cinemas/{cinema['id']}/webhooks"),
        ("GET", f"/webhooks/{webhook['id']}"),
        ("GET", f"/webhooks/{webhook['id']}/deliveries"),
        ("DELETE", f"/webhooks/{webhook['id']}"),
    ]

    # Another owner: as if there were none.
    assert register(api, rival, cinema["id"]).status_code == 404
    for method, path in routes:
        assert api.call(method, path, token=rival).status_code == 404, path
    # A user's role may not.
    assert register(api, user, cinema["id"]).status_code == 403
    for method, path in routes:
        assert api.call(method, path, token=user).status_code in (403, 404), path
    # Nobody at all.
    assert register(api, None, cinema["id"]).status_code == 401
    for method, path in routes:
        assert api.call(method, path).status_code == 401, path
    # And it is still there.
    assert api.call("GET", f"/webhooks/{webhook['id']}", token=owner).status_code == 200


def test_an_unknown_cinema_or_webhook_is_404(api: Api, owner: str) -> None:
    assert register(api, owner, 999).status_code == 404
    assert api.call("GET", "/cinemas/999/webhooks", token=owner).status_code == 404
    assert api.call("GET", "/webhooks/999", token=owner).status_code == 404
    assert api.call("GET", "/webhooks/999/deliveries", token=owner).status_code == 404
    assert api.call("DELETE", "/webhooks/999", token=owner).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "ftp://1.1.1.1/hooks",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "1.1.1.1/hooks",
        "https://",
        "http:///no-host",
        "",
        " ",
        "https://1.1.1.1/" + "a" * 3000,
        "https://1.1.1.1/\x00",
        "https://1.1.1.1:99999/",
        "https://[::1/",
        "https://1.1.1.1 /hooks",
    ],
)
def test_a_url_that_is_not_http_or_https_is_400(
    api: Api, owner: str, cinema: dict[str, Any], url: str
) -> None:
    result = register(api, owner, cinema["id"], url=url)

    assert result.status_code == 400, result.text
    assert "url" in result.json["description"]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hooks",
        "http://127.1.2.3/",
        "http://[::1]/",
        "http://0.0.0.0/",
        "http://[::]/",
        "http://10.0.0.1/",
        "http://172.16.5.4/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fe80::1]/",
        "http://[fc00::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://100.64.0.1/",
        "http://224.0.0.1/",
        "http://255.255.255.255/",
        "http://240.0.0.1/",
        "https://[fd00:ec2::254]/",
    ],
)
def test_a_loopback_private_link_local_or_metadata_address_is_400(
    api: Api, owner: str, cinema: dict[str, Any], url: str
) -> None:
    result = register(api, owner, cinema["id"], url=url)

    assert result.status_code == 400, result.text
    assert "url" in result.json["description"]


@pytest.mark.parametrize(
    "events",
    [
        [],
        ["booking.made"],
        ["Booking.Created"],
        ["*", "bogus"],
        ["*", "booking.created"],
        ["booking.created", "booking.created"],
        [""],
        [1],
        "*",
        None,
        ["\x00"],
    ],
)
def test_unknown_or_no_events_are_400(
    api: Api, owner: str, cinema: dict[str, Any], events: Any
) -> None:
    body = {"url": URL, "events": events}
    result = api.call("POST", f"/cinemas/{cinema['id']}/webhooks", json=body, token=owner)

    assert result.status_code == 400, result.text
    assert "events" in result.json["description"]


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        "https://1.1.1.1/",
        {},
        {"url": URL},
        {"events": ["*"]},
        {"url": 7, "events": ["*"]},
        {"url": None, "events": ["*"]},
        {"url": [URL], "events": ["*"]},
        {"url": URL, "events": {"booking.created": True}},
        {"url": URL, "events": [["*"]]},
        {"url": URL, "events": ["*"] * 1000},
        {"url": "http://" + "a" * 300 + ".example/", "events": ["*"]},
        {"url": "http://a..b/", "events": ["*"]},
        {"url": "http://-a-.example/", "events": ["*"]},
        {"url": "http://\u00e9xample.invalid/", "events": ["*"]},
        {"url": "http://xn--/", "events": ["*"]},
        {"url": "http://user:pass@1.1.1.1@127.0.0.1/", "events": ["*"]},
        {"url": "http://0x7f000001/", "events": ["*"]},
        {"url": "http://2130706433/", "events": ["*"]},
        {"url": "http://017700000001/", "events": ["*"]},
        {"url": "http://1.1.1.1:0/", "events": ["*"]},
        {"url": "http://1.1.1.1:-1/", "events": ["*"]},
        {"url": "http://[1.1.1.1]/", "events": ["*"]},
        {"url": "http://1.1.1.1\r\nX-Evil: 1/", "events": ["*"]},
    ],
)
def test_no_input_is_a_server_error(
    api: Api, owner: str, cinema: dict[str, Any], body: Any
) -> None:
    result = api.call("POST", f"/cinemas/{cinema['id']}/webhooks", json=body, token=owner)

    # Host names are checked when delivering (this app resolves none when registering).
    assert result.status_code < 500, result.text


def test_text_that_is_no_unicode_is_400(api: Api, owner: str, cinema: dict[str, Any]) -> None:
    result = api.call(
        "POST",
        f"/cinemas/{cinema['id']}/webhooks",
        body='{"url": "http://\\ud800/", "events": ["*"]}',
        token=owner,
        headers={"Content-Type": "application/json"},
    )

    assert result.status_code == 400, result.text


@pytest.mark.parametrize(
    "path",
    [
        "/webhooks/0",
        "/webhooks/-1",
        "/webhooks/abc",
        "/webhooks/99999999999999999999999",
        "/webhooks/1/deliveries?limit=0",
        "/webhooks/1/deliveries?after=x",
        "/webhooks/1/deliveries?bogus=1",
        "/cinemas/abc/webhooks",
        "/cinemas/1/webhooks?limit=100000",
    ],
)
def test_bad_ids_and_parameters_are_400_or_404(api: Api, owner: str, path: str) -> None:
    result = api.call("GET", path, token=owner)

    assert result.status_code in (400, 404), result.text


def test_an_event_of_a_subscribed_type_is_a_pending_delivery(
    api: Api, owner: str, user: str, cinema: dict[str, Any], webhook: dict[str, Any]
) -> None:
    show = show_in(api, owner, cinema["id"])

    booking = api.book(user, show["id"]).json
    listed = api.call("GET", f"/webhooks/{webhook['id']}/deliveries", token=owner)

    assert listed.status_code == 200, listed.text
    (delivery,) = listed.json
    assert set(delivery) == DELIVERY_FIELDS
    assert delivery["event_type"] == "booking.created"
    assert delivery["show_id"] == show["id"] == booking["show_id"]
    assert delivery["event_id"]
    assert (delivery["attempts"], delivery["status"]) == (0, "pending")
    assert (delivery["last_status"], delivery["last_error"]) == (None, None)
    assert delivery["next_attempt_at"] is not None


def test_events_of_other_types_other_cinemas_and_refused_changes_are_not_delivered(
    api: Api, owner: str, user: str, cinema: dict[str, Any], webhook: dict[str, Any]
) -> None:
    show = show_in(api, owner, cinema["id"], seats=2)
    elsewhere = show_in(api, owner, add_cinema(api, owner)["id"])
    no_cinema = api.add_show(owner, api.add_movie(owner, "Heat")["id"])
    booking = api.book(user, show["id"], seats=2).json

    # Refused for lack of seats: nothing happened, so nothing is told.
    assert api.book(user, show["id"], seats=1).status_code == 409
    # Not subscribed to cancellations.
    assert api.call("DELETE", f"/bookings/{booking['id']}", token=user).status_code == 200
    # Another cinema, and no cinema at all.
    assert api.book(user, elsewhere["id"]).status_code == 201
    assert api.book(user, no_cinema["id"]).status_code == 201

    listed = api.call("GET", f"/webhooks/{webhook['id']}/deliveries", token=owner).json
    assert [(d["event_type"], d["show_id"]) for d in listed] == [("booking.created", show["id"])]


def test_deliveries_are_paged_oldest_first(
    api: Api, owner: str, user: str, cinema: dict[str, Any], webhook: dict[str, Any]
) -> None:
    show = show_in(api, owner, cinema["id"])
    for _ in range(3):
        assert api.book(user, show["id"], seats=1).status_code == 201

    first = api.call("GET", f"/webhooks/{webhook['id']}/deliveries?limit=2", token=owner)
    rest = api.call("GET", next_link(first.headers), token=owner)

    ids = [d["id"] for d in first.json + rest.json]
    assert len(first.json) == 2
    assert len(rest.json) == 1
    assert ids == sorted(ids)


def test_a_deleted_webhooks_deliveries_are_gone_with_it(
    api: Api, owner: str, user: str, cinema: dict[str, Any], webhook: dict[str, Any]
) -> None:
    show = show_in(api, owner, cinema["id"])
    assert api.book(user, show["id"]).status_code == 201

    assert api.call("DELETE", f"/webhooks/{webhook['id']}", token=owner).status_code == 200

    listed = api.call("GET", f"/webhooks/{webhook['id']}/deliveries", token=owner)
    assert listed.status_code == 404


class FakeResolver:
    """Names and what they stand for, as a DNS server might say."""

    NAMES: ClassVar[dict[str, list[str]]] = {
        "hooks.example.com": ["93.184.215.14"],
        "localhost": ["127.0.0.1", "::1"],
        "metadata.google.internal": ["169.254.169.254"],
        # One public and one private address: the private one is reason enough to refuse.
        "split.example.com": ["93.184.215.14", "10.1.2.3"],
    }

    def addresses(self, host: str, port: int) -> list[str]:
        return list(self.NAMES.get(host.lower().rstrip("."), []))


def _api(app: Boxoffice) -> Api:
    return Api(falcon.testing.TestClient(create_app(app, token_ttl_seconds=TOKEN_TTL_SECONDS)))


@pytest.fixture
def resolving(memory_uow: Any, clock: FakeClock) -> Api:
    """The app as the service wires it: host names resolved when an endpoint is registered."""
    app = Boxoffice.from_ports(
        uow=memory_uow,
        hasher=FakePasswordHasher(),
        tokens=FakeTokenService(),
        clock=clock,
        resolver=FakeResolver(),
    )
    return _api(app)


@pytest.mark.parametrize(
    ("host", "status"),
    [
        ("hooks.example.com", 201),
        ("HOOKS.example.com.", 201),
        ("localhost", 400),
        ("metadata.google.internal", 400),
        ("split.example.com", 400),
        ("nowhere.example.com", 400),
        ("0x7f000001", 400),
        ("2130706433", 400),
    ],
)
def test_a_host_name_is_checked_by_what_it_resolves_to(
    resolving: Api, host: str, status: int
) -> None:
    owner = resolving.account("owner@example.com", "owner")
    cinema = add_cinema(resolving, owner)

    result = register(resolving, owner, cinema["id"], url=f"https://{host}/hooks")

    assert result.status_code == status, result.text
    if status == 400:
        assert "url" in result.json["description"]


def test_private_addresses_may_be_allowed(memory_uow: Any, clock: FakeClock) -> None:
    """BOXOFFICE_WEBHOOKS_ALLOW_PRIVATE=1: for tests, or a receiver on the cinema's premises."""
    app = Boxoffice.from_ports(
        uow=memory_uow,
        hasher=FakePasswordHasher(),
        tokens=FakeTokenService(),
        clock=clock,
        limits=Limits(webhooks_allow_private=True),
        resolver=FakeResolver(),
    )
    api = _api(app)
    owner = api.account("owner@example.com", "owner")
    cinema = add_cinema(api, owner)

    for url in ("http://127.0.0.1:9000/hooks", "http://localhost/", "http://10.0.0.1/"):
        assert register(api, owner, cinema["id"], url=url).status_code == 201, url
    # Still http or https only.
    assert register(api, owner, cinema["id"], url="ftp://127.0.0.1/").status_code == 400
