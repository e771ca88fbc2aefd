"""A webhook receiver for benchmarks: a process of its own that accepts every POST with a 204
on kept-alive connections and counts the events by type, each once.

    python -m bench.sink            # prints its port, then serves until killed

Stand-in for a cinema's own receiver, which runs on another machine: it is an asyncio
protocol rather than http.server, so it takes a few hundredths of a core where the test
receiver (tests/e2e/receiver.py, a thread per connection, a signature check an event) takes
a third, on the cores the service under measurement uses. `GET /counts` answers the counts as
JSON, `{"booking.created": 1234, ...}`. It verifies no signature: the tests do.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from bench import cpu

ACCEPTED = b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n"
# A request head longer than this is not a webhook delivery: the connection is dropped.
MAX_HEAD_BYTES = 16 * 1024


class _Counts:
    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.by_type: Counter[str] = Counter()

    def add(self, event_id: str, body: bytes) -> None:
        if event_id not in self.seen:
            self.seen.add(event_id)
            self.by_type[str(json.loads(body).get("type"))] += 1


class _Connection(asyncio.Protocol):
    def __init__(self, counts: _Counts) -> None:
        self._counts = counts
        self._buffer = b""
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while self._answer_one():
            pass

    def _answer_one(self) -> bool:
        """Answer the first whole request in the buffer; False when none is whole yet."""
        assert self._transport is not None
        end = self._buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self._buffer) > MAX_HEAD_BYTES:
                self._transport.close()
            return False
        lines = self._buffer[:end].decode("latin-1").split("\r\n")
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        if len(self._buffer) < end + 4 + length:
            return False
        body = self._buffer[end + 4 : end + 4 + length]
        self._buffer = self._buffer[end + 4 + length :]
        if lines[0].startswith("GET /counts"):
            reply = json.dumps(self._counts.by_type).encode()
            self._transport.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                + f"Content-Length: {len(reply)}\r\n\r\n".encode()
                + reply
            )
        else:
            self._counts.add(headers.get("webhook-id", ""), body)
            self._transport.write(ACCEPTED)
        return True


async def _serve() -> None:
    counts = _Counts()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: _Connection(counts), "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()


class Sink:
    """The sink, run as a child process of the benchmark."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "bench.sink"], stdout=subprocess.PIPE, text=True
        )
        assert self._process.stdout is not None
        self.port = int(self._process.stdout.readline())

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def count(self, event_type: str) -> int:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request("GET", "/counts")
            counts: dict[str, int] = json.loads(connection.getresponse().read())
        finally:
            connection.close()
        return counts.get(event_type, 0)

    def wait_for(self, event_type: str, at_least: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self.count(event_type) < at_least:
            if time.monotonic() > deadline:
                raise SystemExit(
                    f"the sink waited {timeout}s in vain for {at_least} {event_type} events"
                )
            time.sleep(0.05)

    def cpu_seconds(self) -> float:
        """The CPU time the sink has used, user and system."""
        process = cpu.parse_stat(Path(f"/proc/{self._process.pid}/stat").read_text())
        return process.ticks / os.sysconf("SC_CLK_TCK")

    def close(self) -> None:
        self._process.kill()
        self._process.wait()


@contextlib.contextmanager
def running_sink() -> Iterator[Sink]:
    sink = Sink()
    try:
        yield sink
    finally:
        sink.close()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve())
