"""The documented line for any WSGI server: `boxoffice db upgrade`, then granian on get_app()."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.server import Server, free_port

pytestmark = pytest.mark.slow


def test_a_wsgi_server_runs_the_factory(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOXOFFICE_")}
    env |= {"BOXOFFICE_DATA_DIR": str(tmp_path), "BOXOFFICE_BCRYPT_ROUNDS": "4"}
    bin_dir = Path(sys.executable).parent
    subprocess.run([bin_dir / "boxoffice", "db", "upgrade"], env=env, check=True)
    port = free_port()
    log = (tmp_path / "server.log").open("wb")
    server = subprocess.Popen(
        [
            bin_dir / "granian",
            "--interface",
            "wsgi",
            "--factory",
            "--workers",
            "2",
            "--blocking-threads",
            "16",
            "--workers-kill-timeout",
            "30",
            "--port",
            str(port),
            "boxoffice.entrypoints.wsgi:get_app",
        ],
        env=env,
        stdout=log,
        stderr=log,
    )
    client = Server(data_dir=tmp_path, port=port)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if client.call("GET", "/health").status == 200:
                    break
            except OSError:
                assert time.monotonic() < deadline, (tmp_path / "server.log").read_text()
                time.sleep(0.1)

        signed_up = client.call(
            "POST",
            "/signup",
            {"name": "A", "email": "a@b.io", "password": "password1", "role": "user"},
        )

        # Stopped before both workers have loaded the app, granian waits out the kill timeout
        # (README); that is granian's to fix, not what this test is about.
        while (tmp_path / "server.log").read_text().count("Started worker-") < 2:
            assert time.monotonic() < deadline, (tmp_path / "server.log").read_text()
            time.sleep(0.1)

        assert signed_up.status == 201
        assert (tmp_path / "jwt_secret").exists()
        assert "POST /signup 201" in (tmp_path / "server.log").read_text()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        log.close()
