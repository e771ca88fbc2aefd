"""`boxoffice serve` as a subprocess, and a tiny JSON client for it (stdlib only)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import attrs

STARTUP_SECONDS = 30


@attrs.frozen
class Reply:
    status: int
    headers: dict[str, str]
    body: Any


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _boxoffice_command() -> list[str]:
    script = Path(sys.executable).with_name("boxoffice")
    return [str(script)] if script.exists() else [sys.executable, "-m", "boxoffice.entrypoints.cli"]


@attrs.define
class Server:
    """One `boxoffice serve --workers N` process; start() waits until /health answers."""

    data_dir: Path
    database_url: str | None = None
    workers: int = 4
    threads: int = 32
    bcrypt_rounds: int = 4
    # BOXOFFICE_* settings for this server only: the inherited ones are stripped.
    extra_env: dict[str, str] = attrs.field(factory=dict)
    port: int = attrs.field(factory=free_port)
    log_path: Path = attrs.field(default=None)
    _process: subprocess.Popen[bytes] | None = None

    def __attrs_post_init__(self) -> None:
        if self.log_path is None:
            self.log_path = self.data_dir / "server.log"

    @property
    def pid(self) -> int | None:
        """The master process's id while it runs; its workers are its children."""
        return None if self._process is None else self._process.pid

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        command = [
            *_boxoffice_command(),
            "serve",
            "--workers",
            str(self.workers),
            "--threads",
            str(self.threads),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--data-dir",
            str(self.data_dir),
        ]
        if self.database_url:
            command += ["--database-url", self.database_url]
        env = {k: v for k, v in os.environ.items() if not k.startswith("BOXOFFICE_")}
        env["BOXOFFICE_BCRYPT_ROUNDS"] = str(self.bcrypt_rounds)
        env.update(self.extra_env)
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(command, stdout=log, stderr=log, env=env)
        self._wait_until_healthy()
        return self

    def stop(self) -> int:
        """SIGTERM, as a supervisor would; returns the exit code."""
        if self._process is None:
            return 0
        self._process.send_signal(signal.SIGTERM)
        try:
            code = self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._process.kill()
            code = self._process.wait()
        self._process = None
        return code

    def kill(self) -> None:
        """SIGKILL to the master alone, as the OOM killer would."""
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None

    def kill_all(self) -> None:
        """SIGKILL to the master and every process under it at once, as a lost host would:
        no worker finishes what it was doing."""
        if self._process is None:
            return
        tree = [self._process.pid, *descendants(self._process.pid)]
        for pid in tree:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self._process.wait()
        self._process = None
        for pid in tree[1:]:
            _wait_gone(pid)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def _wait_until_healthy(self) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                raise AssertionError(f"server exited early:\n{self.log()}")
            try:
                if self.call("GET", "/health").status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"server did not become healthy:\n{self.log()}")

    def call(
        self,
        method: str,
        path: str,
        json_body: Any = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        data = None if json_body is None else json.dumps(json_body).encode()
        # The URL is ours: http://127.0.0.1:<port>.
        request = urllib.request.Request(self.base_url + path, data=data, method=method)  # noqa: S310
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if token is not None:
            request.add_header("Authorization", f"Bearer {token}")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                return Reply(response.status, dict(response.headers), json.loads(response.read()))
        except urllib.error.HTTPError as error:
            return Reply(error.code, dict(error.headers), json.loads(error.read() or b"null"))


def descendants(pid: int) -> list[int]:
    """Every process under pid, read from /proc (Linux)."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # "pid (comm) state ppid ...": comm may hold spaces, so split after its ")".
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found: list[int] = []
    todo = [pid]
    while todo:
        children = parents.get(todo.pop(), [])
        found += children
        todo += children
    return found


def running(pid: int) -> bool:
    """Whether the process is there (a zombie waiting for init counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def _wait_gone(pid: int, seconds: float = 10.0) -> None:
    """Until a killed process is no longer running."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not running(pid):
            return
        time.sleep(0.05)
    raise AssertionError(f"process {pid} outlived SIGKILL")
