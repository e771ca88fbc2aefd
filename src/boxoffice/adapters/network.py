"""Name resolution for webhook URLs, through the system's resolver."""

from __future__ import annotations

import socket


class SocketResolver:
    def addresses(self, host: str, port: int) -> list[str]:
        """Every address getaddrinfo gives for the host, each once, in its order; none when
        the name does not resolve."""
        try:
            found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError):
            return []
        addresses: list[str] = []
        for *_, address in found:
            text = str(address[0])
            if text not in addresses:
                addresses.append(text)
        return addresses
