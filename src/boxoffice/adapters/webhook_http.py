"""Webhook deliveries over HTTP: one signed POST per attempt, to an address checked first, on
connections kept alive between attempts.

The URL's host is resolved here and every address it gives is checked (delivery.py) before
anything is sent, and the connection goes to the address checked, not to whatever a second
lookup would give: a name that resolves to a public address when the webhook is registered
cannot be turned to the operator's own network later. Redirects are not followed: a 3xx
answer is a failed attempt like any other that is not 2xx.

Connections are kept by that address (and the name its certificate must match), so the next
attempt to an endpoint skips the TCP and TLS handshakes. They are http.client's, pooled here:
urllib3's pool costs about half again as much CPU an attempt (its header checks and response
wrapper), and the dispatcher makes one attempt per event.
"""

from __future__ import annotations

import http.client
import select
import socket
import ssl
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import urlsplit

from standardwebhooks import Webhook as Signer

from boxoffice.domain.delivery import ATTEMPT_TIMEOUT_SECONDS, Attempt, require_webhook_url
from boxoffice.domain.delivery import refused_addresses as refused
from boxoffice.domain.errors import ValidationError
from boxoffice.domain.model import Outgoing
from boxoffice.domain.ports import Resolver

USER_AGENT = "boxoffice-webhooks/1"
# What is read of an answer: its status is all that counts.
MAX_ANSWER_BYTES = 64 * 1024
# Endpoints whose idle connections are kept; the least recently used beyond are closed.
MAX_ENDPOINTS = 64


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """HTTP to one address, the URL's host in the Host header."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = _connected(self._address, self.port, self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to one address; the certificate is checked against the URL's host."""

    def __init__(
        self, host: str, port: int, address: str, timeout: float, context: ssl.SSLContext
    ) -> None:
        super().__init__(host, port, timeout=timeout, context=context)
        self._address = address
        self._tls = context

    def connect(self) -> None:
        plain = _connected(self._address, self.port, self.timeout)
        self.sock = self._tls.wrap_socket(plain, server_hostname=self.host)


def _connected(address: str, port: int, timeout: float | None) -> socket.socket:
    connection = socket.create_connection((address, port), timeout)
    # A request goes out in one write and waits for its answer: nothing to gather.
    connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return connection


# (scheme, URL host, port, address connected)
Endpoint = tuple[str, str, int, str]


class _IdleConnections:
    """Connections whose last answer was read to its end, by endpoint; thread-safe."""

    def __init__(self, per_endpoint: int) -> None:
        self._per_endpoint = per_endpoint
        self._idle: OrderedDict[Endpoint, list[http.client.HTTPConnection]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, endpoint: Endpoint) -> http.client.HTTPConnection | None:
        """An idle connection to the endpoint that its peer has not closed, or None."""
        while True:
            with self._lock:
                idle = self._idle.get(endpoint)
                if not idle:
                    return None
                connection = idle.pop()
            if not _closed_by_peer(connection):
                return connection
            connection.close()

    def give_back(self, endpoint: Endpoint, connection: http.client.HTTPConnection) -> None:
        closing: list[http.client.HTTPConnection] = []
        with self._lock:
            idle = self._idle.setdefault(endpoint, [])
            self._idle.move_to_end(endpoint)
            if len(idle) < self._per_endpoint:
                idle.append(connection)
            else:
                closing.append(connection)
            while len(self._idle) > MAX_ENDPOINTS:
                closing.extend(self._idle.popitem(last=False)[1])
        for extra in closing:
            extra.close()

    def close(self) -> None:
        with self._lock:
            every = [c for idle in self._idle.values() for c in idle]
            self._idle.clear()
        for connection in every:
            connection.close()


def _closed_by_peer(connection: http.client.HTTPConnection) -> bool:
    # An idle connection has nothing to read: if it is readable, the peer closed it (or sent
    # what no request asked for), and a request on it would fail.
    if connection.sock is None:
        return True
    poller = select.poll()
    poller.register(connection.sock, select.POLLIN)
    return bool(poller.poll(0))


def signed_headers(outgoing: Outgoing, now: datetime) -> dict[str, str]:
    """The Standard Webhooks headers: the event's id, the time of sending, and the signature
    of both with the body, by the webhook's secret."""
    event_id = outgoing.delivery.event_id
    signature = Signer(outgoing.secret).sign(event_id, now, outgoing.body)
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }


class HttpWebhookSender:
    """Makes one attempt of a delivery; never raises for what the network or endpoint does.
    Safe to call from several threads at once."""

    def __init__(
        self,
        resolver: Resolver,
        *,
        allow_private: bool = False,
        timeout: float = ATTEMPT_TIMEOUT_SECONDS,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        tls: ssl.SSLContext | None = None,
        connections_per_endpoint: int = 8,
    ) -> None:
        """tls: how certificates are checked (default: the system's trusted ones).
        connections_per_endpoint: how many idle connections to one address are kept."""
        self._resolver = resolver
        self._allow_private = allow_private
        self._timeout = timeout
        self._clock = clock
        self._tls = tls or ssl.create_default_context()
        self._idle = _IdleConnections(connections_per_endpoint)

    def __call__(self, outgoing: Outgoing) -> Attempt:
        try:
            url, destination = require_webhook_url(outgoing.url)
        except ValidationError:
            return Attempt(error="invalid url")
        addresses = (
            [destination.host]
            if destination.literal_address
            else self._resolver.addresses(destination.host, destination.port)
        )
        if not addresses:
            return Attempt(error="host not found")
        if not self._allow_private and refused(addresses):
            return Attempt(error="address not allowed")
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers = signed_headers(outgoing, self._clock())
        body = outgoing.body.encode()
        attempt = Attempt(error="connection failed")
        for address in addresses:
            endpoint = (destination.scheme, destination.host, destination.port, address)
            attempt = self._post(endpoint, target, body, headers)
            # Another address of the host is tried only when this one could not be reached.
            if not (attempt.error or "").startswith(_UNREACHED):
                return attempt
        return attempt

    def close(self) -> None:
        """Close every idle connection kept."""
        self._idle.close()

    def _post(
        self, endpoint: Endpoint, target: str, body: bytes, headers: dict[str, str]
    ) -> Attempt:
        kept = self._idle.take(endpoint)
        if kept is not None:
            attempt = self._exchange(endpoint, kept, target, body, headers)
            # The peer may close a kept connection just as it is used; a new one is tried
            # then, as nothing of the request can have been answered.
            if attempt.error not in _LOST_KEPT_CONNECTION:
                return attempt
        return self._exchange(endpoint, self._connection(endpoint), target, body, headers)

    def _connection(self, endpoint: Endpoint) -> http.client.HTTPConnection:
        scheme, host, port, address = endpoint
        if scheme == "https":
            return _PinnedHTTPSConnection(host, port, address, self._timeout, self._tls)
        return _PinnedHTTPConnection(host, port, address, self._timeout)

    def _exchange(
        self,
        endpoint: Endpoint,
        connection: http.client.HTTPConnection,
        target: str,
        body: bytes,
        headers: dict[str, str],
    ) -> Attempt:
        keep = False
        try:
            connection.request("POST", target, body=body, headers=headers)
            answer = connection.getresponse()
            answer.read(MAX_ANSWER_BYTES)
            # Kept only when its answer was read to the end and it stays open.
            keep = answer.isclosed() and not answer.will_close
            return Attempt(status=answer.status)
        except TimeoutError:
            return Attempt(error="timeout")
        except ConnectionRefusedError:
            return Attempt(error="connection refused")
        except ssl.SSLError as error:
            return Attempt(error=f"tls error: {error.reason or error}")
        except (http.client.HTTPException, ConnectionError) as error:
            return Attempt(error=f"bad answer: {type(error).__name__}")
        except OSError as error:
            return Attempt(error=f"connection failed: {error.strerror or type(error).__name__}")
        finally:
            if keep:
                self._idle.give_back(endpoint, connection)
            else:
                connection.close()


# Errors of an address that could not be reached: nothing was sent to it.
_UNREACHED = ("connection refused", "connection failed")
# How a kept connection that its peer closed meanwhile fails.
_LOST_KEPT_CONNECTION = (
    "bad answer: RemoteDisconnected",
    "bad answer: BrokenPipeError",
    "bad answer: ConnectionResetError",
    "bad answer: ConnectionAbortedError",
)
