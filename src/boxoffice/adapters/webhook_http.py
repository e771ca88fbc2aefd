"""Webhook deliveries over HTTP: one signed POST per attempt, to an address checked first.

The URL's host is resolved here and every address it gives is checked (delivery.py) before
anything is sent, and the connection goes to the address checked, not to whatever a second
lookup would give: a name that resolves to a public address when the webhook is registered
cannot be turned to the operator's own network later. Redirects are not followed: a 3xx
answer is a failed attempt like any other that is not 2xx.
"""

from __future__ import annotations

import http.client
import socket
import ssl
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


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """HTTP to one address, the URL's host in the Host header."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to one address; the certificate is checked against the URL's host."""

    def __init__(
        self, host: str, port: int, address: str, timeout: float, context: ssl.SSLContext
    ) -> None:
        super().__init__(host, port, timeout=timeout, context=context)
        self._address = address
        self._tls = context

    def connect(self) -> None:
        plain = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._tls.wrap_socket(plain, server_hostname=self.host)


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
    """Makes one attempt of a delivery; never raises for what the network or endpoint does."""

    def __init__(
        self,
        resolver: Resolver,
        *,
        allow_private: bool = False,
        timeout: float = ATTEMPT_TIMEOUT_SECONDS,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        tls: ssl.SSLContext | None = None,
    ) -> None:
        """tls: how certificates are checked (default: the system's trusted ones)."""
        self._resolver = resolver
        self._allow_private = allow_private
        self._timeout = timeout
        self._clock = clock
        self._tls = tls or ssl.create_default_context()

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
        attempt = Attempt(error="connection failed")
        for address in addresses:
            attempt = self._post(
                destination.scheme,
                destination.host,
                destination.port,
                address,
                target,
                outgoing.body.encode(),
                headers,
            )
            # Another address of the host is tried only when this one could not be reached.
            if not (attempt.error or "").startswith(_UNREACHED):
                return attempt
        return attempt

    def _post(
        self,
        scheme: str,
        host: str,
        port: int,
        address: str,
        target: str,
        body: bytes,
        headers: dict[str, str],
    ) -> Attempt:
        connection: http.client.HTTPConnection
        if scheme == "https":
            connection = _PinnedHTTPSConnection(host, port, address, self._timeout, self._tls)
        else:
            connection = _PinnedHTTPConnection(host, port, address, self._timeout)
        try:
            connection.request("POST", target, body=body, headers=headers)
            answer = connection.getresponse()
            answer.read(MAX_ANSWER_BYTES)
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
            connection.close()


# Errors of an address that could not be reached: nothing was sent to it.
_UNREACHED = ("connection refused", "connection failed")
