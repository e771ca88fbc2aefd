"""GET /metrics: what each series counts, and labels from fixed sets only."""

from __future__ import annotations

from typing import Any

import falcon.testing
import pytest
from prometheus_client.parser import text_string_to_metric_families

from boxoffice.domain.service import Boxoffice
from boxoffice.entrypoints.http import create_app
from boxoffice.entrypoints.http.metrics import Metrics
from boxoffice.entrypoints.http.overload import OVERLOADED
from tests.fakes import FakeClock, FakePasswordHasher, FakeTokenService
from tests.http.conftest import TOKEN_TTL_SECONDS, Api

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(api: Api) -> Samples:
    result = api.call("GET", "/metrics")
    assert result.status_code == 200
    assert result.headers["Content-Type"].startswith("text/plain; version=")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(result.text)
        for sample in family.samples
    }


def requests(samples: Samples, method: str, route: str, status: int) -> float:
    labels = frozenset({"method": method, "route": route, "status": str(status)}.items())
    return samples.get(("boxoffice_http_requests_total", labels), 0.0)


def total(samples: Samples, name: str) -> float:
    return samples[(f"boxoffice_{name}_total", frozenset())]


@pytest.fixture
def metrics() -> Metrics:
    return Metrics()


@pytest.fixture
def events(metrics: Metrics) -> Metrics:
    return metrics


@pytest.fixture
def api(app: Boxoffice, metrics: Metrics) -> Api:
    served = create_app(app, token_ttl_seconds=TOKEN_TTL_SECONDS, metrics=metrics)
    return Api(falcon.testing.TestClient(served))


def test_requests_are_counted_by_route_template_never_by_path(
    api: Api, user: str, show: dict[str, Any]
) -> None:
    for booking_id in (991, 992, 993):
        assert api.call("GET", f"/bookings/{booking_id}", token=user).status_code == 404

    samples = scrape(api)

    assert requests(samples, "GET", "/bookings/{booking_id}", 404) == 3
    assert not any("99" in value for _, labels in samples for _, value in labels)
    count = (
        "boxoffice_http_request_duration_seconds_count",
        frozenset({"method": "GET", "route": "/bookings/{booking_id}"}.items()),
    )
    assert samples[count] == 3


# falcon.testing's WSGI validator warns of the unknown method this test sends on purpose.
@pytest.mark.filterwarnings("ignore:Unknown REQUEST_METHOD")
def test_paths_no_route_matches_share_one_label_and_odd_methods_another(api: Api) -> None:
    for path in ("/nowhere", "/nowhere/1", "/" + "x" * 300):
        assert api.call("GET", path).status_code == 404
    api.call("BREW", "/health")
    api.call("BREW", "/coffee")

    samples = scrape(api)

    assert requests(samples, "GET", "unmatched", 404) == 3
    labelled = {dict(labels).get("route") for name, labels in samples if "http_" in name}
    assert labelled <= {None, "unmatched", "/metrics", *(r for r in _declared_routes())}
    methods = {dict(labels).get("method") for name, labels in samples if "http_" in name}
    assert "BREW" not in methods
    assert "other" in methods


def _declared_routes() -> set[str]:
    from boxoffice.entrypoints.http.contract import OPERATIONS

    return {op.route for op in OPERATIONS}


def test_bookings_and_seats_sold_count_what_was_booked_and_a_replay_counts_once(
    api: Api, user: str, show: dict[str, Any]
) -> None:
    key = {"Idempotency-Key": "retry-1"}
    body = {"show_id": show["id"], "num_seats": 3}
    first = api.call("POST", "/bookings", json=body, token=user, headers=key)
    replayed = api.call("POST", "/bookings", json=body, token=user, headers=key)
    assert api.book(user, show["id"], seats=2).status_code == 201
    held = api.call("POST", "/holds", json={"show_id": show["id"], "num_seats": 4}, token=user)
    assert api.call("POST", f"/holds/{held.json['id']}/confirm", token=user).status_code == 201
    assert api.call("DELETE", f"/bookings/{first.json['id']}", token=user).status_code == 200
    assert api.book(user, show["id"], seats=99).status_code == 400

    samples = scrape(api)

    assert (first.status_code, replayed.status_code) == (201, 201)
    assert requests(samples, "POST", "/bookings", 201) == 3
    assert total(samples, "bookings") == 3
    assert total(samples, "seats_sold") == 3 + 2 + 4
    assert total(samples, "holds") == 1
    assert total(samples, "cancellations") == 1


def test_log_in_failures_and_throttles_are_counted(api: Api) -> None:
    api.sign_up("ada@example.com")
    wrong = {"email": "ada@example.com", "password": "not the password"}
    statuses = [api.call("POST", "/login", json=wrong).status_code for _ in range(12)]

    samples = scrape(api)

    assert statuses == [401] * 10 + [429] * 2
    assert total(samples, "login_failures") == 10
    assert total(samples, "login_throttled") == 2
    assert requests(samples, "POST", "/login", 401) == 10


class _UnavailableUnitOfWork:
    def __call__(self, *, read_only: bool = False) -> Any:
        from boxoffice.domain.errors import StorageUnavailable

        raise StorageUnavailable("could not connect")


def test_database_errors_count_the_503s_of_storage_not_those_of_overload(
    hasher: FakePasswordHasher, tokens: FakeTokenService, clock: FakeClock
) -> None:
    metrics = Metrics()
    down = Boxoffice.from_ports(
        uow=_UnavailableUnitOfWork(), hasher=hasher, tokens=tokens, clock=clock, events=metrics
    )
    api = Api(falcon.testing.TestClient(create_app(down, token_ttl_seconds=60, metrics=metrics)))
    account = {"name": "A", "email": "a@b.io", "password": "password1", "role": "user"}

    assert api.call("GET", "/movies").status_code == 503
    assert api.call("POST", "/signup", json=account, extras={OVERLOADED: True}).status_code == 503

    samples = scrape(api)

    assert total(samples, "database_errors") == 1
    assert requests(samples, "POST", "/signup", 503) == 1


def test_with_a_metrics_port_the_main_app_has_no_metrics_route(
    app: Boxoffice, metrics: Metrics
) -> None:
    served = create_app(app, token_ttl_seconds=60, metrics=metrics, metrics_route=False)
    api = Api(falcon.testing.TestClient(served))

    assert api.call("GET", "/metrics").status_code == 404
    assert b'route="unmatched",status="404"' in metrics.exposition()


def test_an_app_without_metrics_serves_none(app: Boxoffice) -> None:
    api = Api(falcon.testing.TestClient(create_app(app, token_ttl_seconds=60)))

    assert api.call("GET", "/metrics").status_code == 404
