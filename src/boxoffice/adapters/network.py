"""Name resolution for webhook URLs, through the system's resolver, within a time limit."""

from __future__ import annotations

import re
import socket
import threading

# A DNS name: dot-separated labels of letters, digits and inner hyphens (IDNA's "xn--" too).
_LABEL = r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)"
_HOST_NAME = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*\.?$")
MAX_HOST_NAME_CHARS = 253
RESOLVE_TIMEOUT_SECONDS = 3.0


class SocketResolver:
    def __init__(self, timeout: float = RESOLVE_TIMEOUT_SECONDS) -> None:
        self._timeout = timeout

    def addresses(self, host: str, port: int) -> list[str]:
        """Every address getaddrinfo gives for the host, each once, in its order; none when
        the name is not a host name, does not resolve, or takes longer than the timeout."""
        if len(host) > MAX_HOST_NAME_CHARS or not _HOST_NAME.match(host):
            return []
        found: list[str] = []
        # getaddrinfo takes no timeout: it runs in a thread of its own, abandoned if late.
        lookup = threading.Thread(
            target=_resolve, args=(host, port, found), name="resolve", daemon=True
        )
        lookup.start()
        lookup.join(self._timeout)
        return [] if lookup.is_alive() else list(found)


def _resolve(host: str, port: int, found: list[str]) -> None:
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return
    for *_, address in answers:
        text = str(address[0])
        if text not in found:
            found.append(text)
