"""The rules of delivering events to webhooks: which endpoints may be called, in what order
events go, and when a failed attempt is tried again.

Pure: the dispatcher (entrypoints/dispatcher.py) does the network, the use cases the storage.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Protocol, TypeVar
from urllib.parse import urlsplit

import attrs

from boxoffice.domain.errors import ValidationError

# An event is tried again for this long after it happened, then its delivery has failed.
RETRY_FOR = timedelta(hours=24)
# The first retry waits about this long; each next one twice as long, up to MAX_DELAY.
FIRST_DELAY_SECONDS = 1.0
MAX_DELAY = timedelta(hours=1)
# What one attempt may take, connecting and answering, before it counts as a timeout.
ATTEMPT_TIMEOUT_SECONDS = 10.0
MAX_URL_CHARS = 2000
# http(s), then printable ASCII without spaces: what the HTTP API's schema says as well.
URL_PATTERN = r"^[Hh][Tt][Tt][Pp][Ss]?://[!-~]+$"
_URL = re.compile(URL_PATTERN)


@attrs.frozen
class Attempt:
    """What an attempt came to: the endpoint's HTTP status, or why there was none."""

    status: int | None = None
    error: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def next_attempt(
    created_at: datetime,
    attempts: int,
    now: datetime,
    *,
    jitter: float,
    first_delay: float = FIRST_DELAY_SECONDS,
) -> datetime | None:
    """When to try again after `attempts` failed attempts (the last one at `now`), or None:
    the event is RETRY_FOR old, and its delivery failed.

    The delay doubles from `first_delay` up to MAX_DELAY, times 0.5 to 1.5 by `jitter` (in
    [0, 1)) so that the endpoints' failures, which come together, do not retry together. The
    last attempt is made RETRY_FOR after the event."""
    deadline = created_at + RETRY_FOR
    if now >= deadline:
        return None
    # Capped before it is raised: 2**1024 is no float.
    delay = min(first_delay * 2 ** min(max(attempts - 1, 0), 32), MAX_DELAY.total_seconds())
    return min(now + timedelta(seconds=delay * (0.5 + jitter)), deadline)


class Queued(Protocol):
    """What the order of deliveries looks at: a Delivery, or an adapter's row of one."""

    @property
    def id(self) -> int: ...

    @property
    def webhook_id(self) -> int: ...

    @property
    def show_id(self) -> int | None: ...

    @property
    def next_attempt_at(self) -> datetime | None: ...


Q = TypeVar("Q", bound=Queued)
T = TypeVar("T")


def deliverable(pending: Iterable[Q], now: datetime) -> list[Q]:
    """The pending deliveries to attempt at `now`, by id: of each webhook and show, those from
    its first still pending on, while they are due. Attempted in that order, each once the one
    before it succeeded, a show's events reach an endpoint in the order they happened: a later
    one waits while an earlier one retries."""
    blocked: set[tuple[int, int]] = set()
    due: list[Q] = []
    for delivery in sorted(pending, key=lambda d: d.id):
        key = None if delivery.show_id is None else (delivery.webhook_id, delivery.show_id)
        if key is not None and key in blocked:
            continue
        if delivery.next_attempt_at is not None and delivery.next_attempt_at <= now:
            due.append(delivery)
        elif key is not None:
            blocked.add(key)
    return due


def chains(items: Iterable[T], delivery: Callable[[T], Queued]) -> list[list[T]]:
    """Items (deliveries, or what carries one) grouped by webhook and show, each group in id
    order, groups by their first id: a dispatcher attempts each group in turn, and stops a
    group at its first failure."""
    groups: dict[tuple[int, int | None, int], list[T]] = {}
    for item in sorted(items, key=lambda i: delivery(i).id):
        queued = delivery(item)
        # A delivery of no show is in order with nothing: a group of its own.
        show = queued.show_id
        key = (queued.webhook_id, show, 0 if show is not None else queued.id)
        groups.setdefault(key, []).append(item)
    return list(groups.values())


def is_public_address(address: str) -> bool:
    """Whether an IP address is on the public internet: not loopback, private, link-local
    (cloud metadata services answer there), shared, multicast, reserved or unspecified."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (
        ip.is_multicast
        or ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_unspecified
    )


@attrs.frozen
class Destination:
    """Where a webhook URL points: its scheme, host (a name or an address) and port."""

    scheme: str
    host: str
    port: int

    @property
    def literal_address(self) -> bool:
        try:
            ipaddress.ip_address(self.host.split("%", 1)[0])
        except ValueError:
            return False
        return True


def require_webhook_url(value: object) -> tuple[str, Destination]:
    """An http(s) URL with a host and no credentials, and where it points."""
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_URL_CHARS or not _URL.match(value):
        raise ValidationError(
            "url",
            f"must be an http or https URL of at most {MAX_URL_CHARS} characters, "
            "printable ASCII without spaces",
        )
    url = value
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise ValidationError("url", f"is not a valid URL: {error}") from None
    if parts.scheme not in ("http", "https"):
        raise ValidationError("url", "must be an http or https URL")
    if not parts.hostname:
        raise ValidationError("url", "must name a host")
    if parts.username is not None or parts.password is not None:
        # Credentials would be shown in every listing of the webhook.
        raise ValidationError("url", "must not carry a user name or password")
    default = 443 if parts.scheme == "https" else 80
    return url, Destination(parts.scheme, parts.hostname, port or default)


def refused_addresses(addresses: Iterable[str]) -> list[str]:
    return [address for address in addresses if not is_public_address(address)]
