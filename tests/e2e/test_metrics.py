"""GET /metrics of `boxoffice serve --workers 2`: every worker's counts, summed, whichever
worker answers the scrape, on the main port or on a port of its own."""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Callable

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.server import Server, free_port
from tests.e2e.test_service import PASSWORD, add_show, sign_up_and_log_in

pytestmark = pytest.mark.slow

# Enough requests that both workers answer some, as the kernel spreads the connections.
MOST_REQUESTS = 200


def scrape(url: str) -> dict[str, float]:
    """Each sample by its name and labels, as `name{label="value",...}` in label order."""
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310
        text = response.read().decode()
    return {
        sample.name + _labels(sample.labels): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _labels(labels: dict[str, str]) -> str:
    inside = ",".join(f'{name}="{value}"' for name, value in sorted(labels.items()))
    return f"{{{inside}}}" if inside else ""


def pids_serving(server: Server, line: str) -> set[str]:
    """The processes whose access log lines start with `line` ("POST /bookings 201")."""
    found = re.findall(rf"\[(\d+)\] \[INFO\] boxoffice\.access: {re.escape(line)} ", server.log())
    return set(found)


def test_the_counts_of_both_workers_add_up(server_factory: Callable[..., Server]) -> None:
    server = server_factory(workers=2)
    owner = sign_up_and_log_in(server, "owner@example.com", "owner")
    user = sign_up_and_log_in(server, "user@example.com", "user")
    show = add_show(server, owner, seats=10_000)
    seats = []
    while len(seats) < MOST_REQUESTS and (
        len(seats) < 10 or len(pids_serving(server, "POST /bookings 201")) < 2
    ):
        num_seats = len(seats) % 4 + 1
        booked = server.call(
            "POST", "/bookings", {"show_id": show["id"], "num_seats": num_seats}, user
        )
        assert booked.status == 201, booked
        seats.append(num_seats)
    wrong = server.call("POST", "/login", {"email": "user@example.com", "password": "nope nope"})
    assert wrong.status == 401
    assert server.call("GET", "/nowhere/at/all").status == 404
    assert len(pids_serving(server, "POST /bookings 201")) == 2

    scrapes = []
    while len(scrapes) < MOST_REQUESTS and (
        not scrapes or len(pids_serving(server, "GET /metrics 200")) < 2
    ):
        scrapes.append(scrape(server.base_url + "/metrics"))
    assert len(pids_serving(server, "GET /metrics 200")) == 2

    for samples in scrapes:
        assert samples["boxoffice_bookings_total"] == len(seats)
        assert samples["boxoffice_seats_sold_total"] == sum(seats)
        requests = "boxoffice_http_requests_total{method=%s,route=%s,status=%s}"
        booked_requests = requests % ('"POST"', '"/bookings"', '"201"')
        assert samples[booked_requests] == len(seats)
        assert samples[requests % ('"POST"', '"/login"', '"200"')] == 2
        assert samples[requests % ('"POST"', '"/login"', '"401"')] == 1
        assert samples[requests % ('"GET"', '"unmatched"', '"404"')] == 1
        assert samples["boxoffice_login_failures_total"] == 1
        latency = 'boxoffice_http_request_duration_seconds_count{method="POST",route="/bookings"}'
        assert samples[latency] == len(seats)
    assert PASSWORD not in server.log()


def test_a_metrics_port_serves_them_instead_of_the_main_port(
    server_factory: Callable[..., Server],
) -> None:
    port = free_port()
    server = server_factory(workers=2, extra_env={"BOXOFFICE_METRICS_PORT": str(port)})
    owner = sign_up_and_log_in(server, "owner@example.com", "owner")
    user = sign_up_and_log_in(server, "user@example.com", "user")
    show = add_show(server, owner, seats=50)
    for _ in range(6):
        booked = server.call("POST", "/bookings", {"show_id": show["id"], "num_seats": 2}, user)
        assert booked.status == 201, booked

    on_the_main_port = server.call("GET", "/metrics")

    samples = scrape(f"http://127.0.0.1:{port}/metrics")

    assert on_the_main_port.status == 404
    assert samples["boxoffice_bookings_total"] == 6
    assert samples["boxoffice_seats_sold_total"] == 12
    requests = 'boxoffice_http_requests_total{method="GET",route="unmatched",status="404"}'
    assert samples[requests] == 1
