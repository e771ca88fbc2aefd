"""Webhook deliveries over HTTP: one signed POST per attempt, to an address checked first, on
connections kept alive between attempts.

The URL's host is resolved here and every address it gives is checked (delivery.py) before
anything is sent, and the connection goes to the address checked (libcurl is told the host's
address, and asks no name server), not to whatever a second lookup would give: a name that
resolves to a public address when the webhook is registered cannot be turned to the operator's
own network later. The certificate is checked against the URL's host. Redirects are not
followed, and no proxy of the environment is used: a 3xx answer is a failed attempt like any
other that is not 2xx.

libcurl (pycurl) makes the requests: an attempt costs about a third of the CPU it costs with
http.client, and the dispatcher makes one per event. Each thread has a handle of its own, and
a handle keeps its connections alive between attempts.
"""

from __future__ import annotations

import errno
import os
import ssl
import threading
from collections.abc import Callable
from datetime import UTC, datetime

import pycurl
from standardwebhooks import Webhook as Signer

from boxoffice.domain.delivery import ATTEMPT_TIMEOUT_SECONDS, Attempt, require_webhook_url
from boxoffice.domain.delivery import refused_addresses as refused
from boxoffice.domain.errors import ValidationError
from boxoffice.domain.model import Outgoing
from boxoffice.domain.ports import Resolver

USER_AGENT = "boxoffice-webhooks/1"
# What is read of an answer: its status is all that counts.
MAX_ANSWER_BYTES = 64 * 1024
# Connections a thread's handle keeps alive, to as many endpoints.
CONNECTIONS_PER_THREAD = 8


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
        ca_file: str | None = None,
    ) -> None:
        """ca_file: the certificates to trust, in PEM (default: the system's)."""
        self._resolver = resolver
        self._allow_private = allow_private
        self._timeout_ms = max(1, round(timeout * 1000))
        self._clock = clock
        system = ssl.get_default_verify_paths()
        # The system's certificates, as Python finds them: the CA path compiled into a
        # libcurl wheel is another distribution's.
        self._ca_file = ca_file or system.cafile
        self._ca_path = None if self._ca_file else system.capath
        self._handles = threading.local()
        self._every_handle: list[pycurl.Curl] = []
        self._lock = threading.Lock()

    def __call__(self, outgoing: Outgoing) -> Attempt:
        try:
            url, destination = require_webhook_url(outgoing.url)
        except ValidationError:
            return Attempt(error="invalid url")
        literal = destination.literal_address
        addresses = (
            [destination.host]
            if literal
            else self._resolver.addresses(destination.host, destination.port)
        )
        if not addresses:
            return Attempt(error="host not found")
        if not self._allow_private and refused(addresses):
            return Attempt(error="address not allowed")
        headers = [
            f"{name}: {value}" for name, value in signed_headers(outgoing, self._clock()).items()
        ]
        # Else libcurl asks "Expect: 100-continue" before a large body, and waits for it.
        headers.append("Expect:")
        body = outgoing.body.encode()
        attempt = Attempt(error="connection failed")
        for address in addresses:
            pinned = None
            if not literal:
                shown = f"[{address}]" if ":" in address else address
                pinned = f"{destination.host}:{destination.port}:{shown}"
            attempt = self._post(url, pinned, headers, body)
            # Another address of the host is tried only when this one could not be reached.
            if not (attempt.error or "").startswith(_UNREACHED):
                return attempt
        return attempt

    def close(self) -> None:
        """Close every handle, and the connections it keeps."""
        with self._lock:
            handles, self._every_handle = self._every_handle, []
            # A thread's next attempt makes a handle anew.
            self._handles = threading.local()
        for handle in handles:
            handle.close()

    def _post(self, url: str, pinned: str | None, headers: list[str], body: bytes) -> Attempt:
        handle = self._handle()
        read = 0

        def discard(chunk: bytes) -> int | None:
            nonlocal read
            read += len(chunk)
            # Past the limit, the transfer stops: the status has arrived already.
            return 0 if read > MAX_ANSWER_BYTES else None

        handle.setopt(pycurl.URL, url)
        # An entry for the same host and port replaces the last one.
        handle.setopt(pycurl.RESOLVE, [pinned] if pinned else [])
        handle.setopt(pycurl.HTTPHEADER, headers)
        handle.setopt(pycurl.POSTFIELDS, body)
        handle.setopt(pycurl.WRITEFUNCTION, discard)
        try:
            handle.perform()
        except pycurl.error as error:
            # (libcurl's error code, its message)
            code, message = int(error.args[0]), str(error.args[-1])
            status = int(handle.getinfo(pycurl.RESPONSE_CODE))
            if code == pycurl.E_WRITE_ERROR and status:
                return Attempt(status=status)
            return Attempt(error=_why(handle, code, message))
        return Attempt(status=int(handle.getinfo(pycurl.RESPONSE_CODE)))

    def _handle(self) -> pycurl.Curl:
        handle: pycurl.Curl | None = getattr(self._handles, "handle", None)
        if handle is not None:
            return handle
        handle = pycurl.Curl()
        handle.setopt(pycurl.PROTOCOLS, pycurl.PROTO_HTTP | pycurl.PROTO_HTTPS)
        handle.setopt(pycurl.FOLLOWLOCATION, 0)
        # Never a proxy from http_proxy and the like: the address checked is the one used.
        handle.setopt(pycurl.PROXY, "")
        handle.setopt(pycurl.NOPROXY, "*")
        handle.setopt(pycurl.TIMEOUT_MS, self._timeout_ms)
        # Threads: no signals for timeouts.
        handle.setopt(pycurl.NOSIGNAL, 1)
        handle.setopt(pycurl.MAXCONNECTS, CONNECTIONS_PER_THREAD)
        if self._ca_file:
            handle.setopt(pycurl.CAINFO, self._ca_file)
        elif self._ca_path:
            handle.setopt(pycurl.CAPATH, self._ca_path)
        handle.setopt(pycurl.SSL_VERIFYPEER, 1)
        handle.setopt(pycurl.SSL_VERIFYHOST, 2)
        self._handles.handle = handle
        with self._lock:
            self._every_handle.append(handle)
        return handle


def _why(handle: pycurl.Curl, code: int, message: str) -> str:
    """What an attempt that had no answer is recorded with."""
    if code == pycurl.E_OPERATION_TIMEDOUT:
        return "timeout"
    if code == pycurl.E_COULDNT_CONNECT:
        number = handle.getinfo(pycurl.OS_ERRNO)
        if number == errno.ECONNREFUSED:
            return "connection refused"
        if number == errno.ETIMEDOUT:
            return "timeout"
        return f"connection failed: {os.strerror(number) if number else message}"
    if code in _TLS_ERRORS:
        return f"tls error: {message}"
    return f"bad answer: {message}"


_TLS_ERRORS = frozenset(
    {
        pycurl.E_SSL_CONNECT_ERROR,
        pycurl.E_PEER_FAILED_VERIFICATION,
        pycurl.E_SSL_CACERT_BADFILE,
        pycurl.E_SSL_CERTPROBLEM,
        pycurl.E_SSL_CIPHER,
    }
)
# Errors of an address that could not be reached: nothing was sent to it.
_UNREACHED = ("connection refused", "connection failed")
