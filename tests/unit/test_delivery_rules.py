"""The rules of webhook deliveries: backoff, each show's order, and which endpoints may be
called."""

from __future__ import annotations

from datetime import timedelta

import pytest

from boxoffice.domain.delivery import (
    MAX_DELAY,
    RETRY_FOR,
    Attempt,
    chains,
    deliverable,
    is_public_address,
    next_attempt,
    require_webhook_url,
)
from boxoffice.domain.errors import ValidationError
from boxoffice.domain.model import Delivery, DeliveryStatus
from boxoffice.domain.webhooks import new_secret, require_events
from tests.fakes import START


def test_retries_wait_about_a_second_then_twice_as_long_each_time() -> None:
    waits = [
        next_attempt(START, attempts, START, jitter=0.5) - START  # type: ignore[operator]
        for attempts in (1, 2, 3, 4)
    ]
    assert waits == [timedelta(seconds=s) for s in (1, 2, 4, 8)]
    assert next_attempt(START, 1, START, jitter=0.0) == START + timedelta(seconds=0.5)
    assert next_attempt(START, 1, START, jitter=0.999) < START + timedelta(seconds=1.5)  # type: ignore[operator]
    assert next_attempt(START, 1, START, jitter=0.5, first_delay=0.01) == START + timedelta(
        seconds=0.01
    )


def test_retries_wait_at_most_an_hour_and_stop_a_day_after_the_event() -> None:
    later = START + timedelta(hours=3)
    assert next_attempt(START, 40, later, jitter=0.5) == later + MAX_DELAY
    assert next_attempt(START, 10_000, later, jitter=0.5) == later + MAX_DELAY
    # The last attempt is made when the day is over, and after it none.
    near_end = START + RETRY_FOR - timedelta(minutes=5)
    assert next_attempt(START, 30, near_end, jitter=0.5) == START + RETRY_FOR
    assert next_attempt(START, 31, START + RETRY_FOR, jitter=0.5) is None


def pending(delivery_id: int, webhook_id: int, show_id: int | None, due_in: float = 0) -> Delivery:
    return Delivery(
        delivery_id,
        webhook_id,
        f"evt_{delivery_id}",
        "booking.created",
        show_id,
        0,
        DeliveryStatus.PENDING,
        None,
        None,
        START + timedelta(seconds=due_in),
        START,
    )


def test_each_webhook_and_shows_deliveries_are_due_from_its_first_pending_on() -> None:
    deliveries = [
        pending(5, 1, 10),
        pending(3, 1, 10),
        pending(4, 2, 10),
        pending(6, 1, 11),
        pending(7, 1, None),
        pending(8, 1, None),
    ]
    assert [d.id for d in deliverable(deliveries, START)] == [3, 4, 5, 6, 7, 8]
    assert [[d.id for d in chain] for chain in chains(deliveries, lambda d: d)] == [
        [3, 5],
        [4],
        [6],
        [7],
        [8],
    ]


def test_a_delivery_backing_off_holds_back_the_later_ones_of_its_show() -> None:
    deliveries = [pending(1, 1, 10, due_in=5), pending(2, 1, 10), pending(3, 1, 11)]
    assert [d.id for d in deliverable(deliveries, START)] == [3]
    later = START + timedelta(seconds=5)
    assert [d.id for d in deliverable(deliveries, later)] == [1, 2, 3]


def test_an_attempt_succeeds_on_2xx_only() -> None:
    assert Attempt(status=200).succeeded
    assert Attempt(status=299).succeeded
    assert not Attempt(status=301).succeeded
    assert not Attempt(status=500).succeeded
    assert not Attempt(error="timeout").succeeded


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:2800:220:1:248:1893:25c8:1946", True),
        ("127.0.0.1", False),
        ("::1", False),
        ("10.0.0.1", False),
        ("172.16.5.4", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("fe80::1", False),
        ("fd00:ec2::254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),  # noqa: S104
        ("::", False),
        ("224.0.0.1", False),
        ("240.0.0.1", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:10.0.0.1", False),
        ("not an address", False),
    ],
)
def test_only_public_addresses_are_called(address: str, public: bool) -> None:
    assert is_public_address(address) is public


def test_webhook_urls_are_http_or_https_with_a_host() -> None:
    url, where = require_webhook_url("https://hooks.example.com/in?x=1")
    assert (url, where.scheme, where.host, where.port) == (
        "https://hooks.example.com/in?x=1",
        "https",
        "hooks.example.com",
        443,
    )
    assert require_webhook_url("HTTP://10.0.0.1:8080/")[1].port == 8080
    assert require_webhook_url("http://[::1]/")[1].literal_address
    assert not require_webhook_url("http://localhost/")[1].literal_address


@pytest.mark.parametrize(
    "url",
    [
        "",
        " https://hooks.example.com/",
        "https://hooks.example.com/a b",
        "ftp://hooks.example.com/",
        "https://",
        "https://user:secret@hooks.example.com/",
        "https://hooks.example.com:99999/",
        "https://hooks.example.com/\u00e9",
        "https://hooks.example.com/" + "a" * 2000,
        None,
    ],
)
def test_other_urls_are_refused(url: object) -> None:
    with pytest.raises(ValidationError, match="url"):
        require_webhook_url(url)


def test_events_are_known_types_each_once_or_every_one() -> None:
    assert require_events(["booking.created", "show.cancelled"]) == (
        "booking.created",
        "show.cancelled",
    )
    assert require_events(["*"]) == ("*",)
    for bad in ([], "booking.created", ["booking.made"], ["*", "show.cancelled"], ["*", "*"]):
        with pytest.raises(ValidationError, match="events"):
            require_events(bad)


def test_secrets_are_in_the_standard_webhooks_form() -> None:
    first, second = new_secret(), new_secret()
    assert first.startswith("whsec_")
    assert len(first) == len("whsec_") + 44
    assert first != second
