"""What metrics ask of the library (nothing) and of `boxoffice serve`'s master."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from boxoffice.config import Settings
from boxoffice.entrypoints import cli, server
from boxoffice.errors import ConfigurationError
from tests.e2e.server import free_port

SRC = str(Path(__file__).resolve().parents[2] / "src")


def test_the_library_never_loads_prometheus_client() -> None:
    script = (
        "import sys, boxoffice\n"
        "app = boxoffice.bootstrap()\n"
        "print(sorted(m for m in sys.modules if m.startswith(('prometheus', 'falcon'))))\n"
    )
    env = {**os.environ, "PYTHONPATH": SRC}
    env = {k: v for k, v in env.items() if not k.startswith("BOXOFFICE_")}

    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
    )

    assert done.stdout.strip() == "[]"


def test_each_server_writes_its_metrics_in_a_fresh_directory_removed_when_it_stops() -> None:
    with server.metrics_directory() as first, server.metrics_directory() as second:
        assert first != second
        assert os.listdir(first) == []
        assert os.environ["PROMETHEUS_MULTIPROC_DIR"] == second
        (Path(first) / "counter_1.db").write_bytes(b"")

    assert not Path(first).exists()
    assert not Path(second).exists()
    assert "PROMETHEUS_MULTIPROC_DIR" not in os.environ


def test_the_metrics_port_is_a_setting_and_a_serve_flag() -> None:
    assert Settings.from_env({}).metrics_port is None
    assert Settings.from_env({"BOXOFFICE_METRICS_PORT": "9100"}).metrics_port == 9100
    for bad in ("0", "70000", "nine"):
        with pytest.raises(ConfigurationError, match="BOXOFFICE_METRICS_PORT"):
            Settings.from_env({"BOXOFFICE_METRICS_PORT": bad})
    args = cli._parser().parse_args(["serve", "--metrics-port", "9101"])
    assert args.metrics_port == 9101


def test_the_master_serves_every_workers_metrics_on_the_metrics_port(tmp_path: Path) -> None:
    port = free_port()
    settings = Settings(metrics_port=port)

    stop = server._serve_metrics(settings, "127.0.0.1", 8000, str(tmp_path))
    assert stop is not None
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as reply:
            assert reply.status == 200
    finally:
        stop()


def test_a_metrics_port_that_is_taken_or_the_main_one_stops_the_server(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        refused = server._serve_metrics(
            Settings(metrics_port=port), "127.0.0.1", 8000, str(tmp_path)
        )
        same = server._serve_metrics(Settings(metrics_port=8000), "127.0.0.1", 8000, str(tmp_path))

    assert (refused, same) == (None, None)
    assert f"cannot serve metrics on port {port}" in caplog.text
    assert "cannot serve metrics on port 8000: it is the service's own port" in caplog.text
