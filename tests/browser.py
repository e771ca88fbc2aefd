"""A real headless browser for tests: Debian's chromium, run once per call or driven live.

`require_chromium()` skips a test when chromium is not installed, so a newcomer's run stays
green, except under CI=true, where a missing browser fails the test: CI installs it
(`apt-get install -y chromium`) and must run these tests, not pass them by skipping.

`DevTools` drives one browser over the DevTools protocol on a pair of pipes
(--remote-debugging-pipe), with the standard library alone: no port, no websocket client.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

INSTALL = "apt-get install -y chromium"
# Flags every run needs in a container: no sandbox (root, no user namespaces), no GPU.
_HEADLESS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
BROWSER_SECONDS = 90


def require_chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        message = f"browser tests need Debian's chromium: {INSTALL}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message} (CI installs it and runs them)")
        pytest.skip(message)
    return path


def run(chromium: str, profile: Path, *flags: str) -> str:
    """One headless run of chromium with flags; its standard output."""
    done = subprocess.run(
        [chromium, *_HEADLESS, f"--user-data-dir={profile}", *flags],
        capture_output=True,
        timeout=BROWSER_SECONDS,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    return done.stdout.decode()


class DevTools:
    """One headless chromium and one page in it, driven over the DevTools protocol."""

    def __init__(self, chromium: str, profile: Path, log: Path) -> None:
        # Chromium reads commands from its fd 3 and writes answers to its fd 4; bash puts the
        # pipes there (dash takes no fd number over 9).
        to_browser, self._commands = os.pipe()
        self._answers, from_browser = os.pipe()
        script = f'exec "$0" "$@" 3<&{to_browser} 4>&{from_browser}'
        flags = [*_HEADLESS, "--remote-debugging-pipe", f"--user-data-dir={profile}"]
        with log.open("ab") as out:
            self._process = subprocess.Popen(
                ["bash", "-c", script, chromium, *flags, "about:blank"],
                pass_fds=(to_browser, from_browser),
                stdout=out,
                stderr=out,
            )
        os.close(to_browser)
        os.close(from_browser)
        self._buffer = b""
        self._next_id = 0
        # Events read while waiting for an answer, for wait_for.
        self._events: list[str] = []
        page = next(t for t in self.send("Target.getTargets")["targetInfos"] if t["type"] == "page")
        attached = self.send("Target.attachToTarget", targetId=page["targetId"], flatten=True)
        self._session = attached["sessionId"]

    def send(self, method: str, **params: Any) -> Any:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if getattr(self, "_session", None):
            message["sessionId"] = self._session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        while True:
            answer = self._read()
            if answer.get("id") == self._next_id:
                assert "error" not in answer, answer
                return answer["result"]
            if "method" in answer:
                self._events.append(answer["method"])

    def wait_for(self, event: str) -> None:
        """Until the page sends event (e.g. "Page.loadEventFired"), if it has not already."""
        while event not in self._events:
            message = self._read()
            if "method" in message:
                self._events.append(message["method"])
        self._events.remove(event)

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page, awaited if it is a promise."""
        result = self.send(
            "Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True
        )
        assert "exceptionDetails" not in result, result["exceptionDetails"]
        return result["result"].get("value")

    def close(self) -> None:
        self._process.kill()
        self._process.wait()
        os.close(self._commands)
        os.close(self._answers)

    def _read(self) -> dict[str, Any]:
        deadline = time.monotonic() + BROWSER_SECONDS
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            assert left > 0, "chromium did not answer"
            ready, _, _ = select.select([self._answers], [], [], left)
            if ready:
                chunk = os.read(self._answers, 1 << 16)
                assert chunk, "chromium closed its pipe"
                self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        decoded: dict[str, Any] = json.loads(message)
        return decoded
