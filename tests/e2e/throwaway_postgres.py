"""A PostgreSQL cluster of the test's own, on its own port, to stop and start at will.

The shared server (BOXOFFICE_TEST_POSTGRES_URL) is never touched: fault tests need a database
they may kill. The cluster runs as the `postgres` OS user when we are root (PostgreSQL refuses
to run as root), with trust authentication, a Unix socket in its own directory and TCP on
127.0.0.1 only; exiting the context stops it (immediately) and deletes every file.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

from tests.databases import require_postgres_url
from tests.e2e.server import free_port

POSTGRES_LIB = Path("/usr/lib/postgresql")
SERVICE_USER = "postgres"
START_SECONDS = 60


class ThrowawayPostgresUnavailable(Exception):
    """The binaries (or runuser, under root) to run a cluster of our own are missing."""


def postgres_bin_dir() -> Path:
    """The newest installed server's bin directory (Debian layout, else pg_config's)."""
    versions = sorted(
        (p for p in POSTGRES_LIB.glob("*/bin") if (p / "initdb").exists()),
        key=lambda p: [int(n) for n in re.findall(r"\d+", p.parent.name)],
    )
    if versions:
        return versions[-1]
    pg_config = shutil.which("pg_config")
    if pg_config:
        bindir = Path(
            subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, check=True
            ).stdout.strip()
        )
        if (bindir / "initdb").exists() and (bindir / "pg_ctl").exists():
            return bindir
    raise ThrowawayPostgresUnavailable(
        f"no PostgreSQL server binaries (initdb, pg_ctl) under {POSTGRES_LIB}/<version>/bin or "
        "pg_config --bindir: install the server package (Debian: postgresql)"
    )


def _as_service_user() -> list[str]:
    if os.geteuid() != 0:
        return []
    runuser = shutil.which("runuser")
    if runuser is None:
        raise ThrowawayPostgresUnavailable(
            f"running as root, PostgreSQL must run as {SERVICE_USER!r}, which needs runuser "
            "(util-linux)"
        )
    return [runuser, "-u", SERVICE_USER, "--"]


@attrs.define
class ThrowawayPostgres:
    bin_dir: Path
    root: Path
    port: int = attrs.field(factory=free_port)
    _prefix: list[str] = attrs.field(factory=_as_service_user)

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def log_path(self) -> Path:
        return self.root / "postgres.log"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data_dir), "-A", "trust", "-U", "postgres", "-E", "UTF8")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
        self._run(
            "pg_ctl",
            "start",
            "-w",
            "-t",
            str(START_SECONDS),
            "-D",
            str(self.data_dir),
            "-l",
            str(self.log_path),
            "-o",
            options,
        )

    def stop(self, mode: str = "fast") -> None:
        """mode: fast (backends are told to end, then a checkpoint) or immediate (a crash)."""
        self._run(
            "pg_ctl", "stop", "-w", "-t", str(START_SECONDS), "-D", str(self.data_dir), "-m", mode
        )

    def is_running(self) -> bool:
        status = subprocess.run(
            [*self._prefix, str(self.bin_dir / "pg_ctl"), "status", "-D", str(self.data_dir)],
            capture_output=True,
            check=False,
        )
        return status.returncode == 0

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def _run(self, program: str, *args: str) -> None:
        command = [*self._prefix, str(self.bin_dir / program), *args]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(
                f"{program} failed ({done.returncode}):\n{done.stdout}{done.stderr}\n{self.log()}"
            )


def require_throwaway_postgres() -> None:
    """Skip without BOXOFFICE_TEST_POSTGRES_URL, like every PostgreSQL leg; with it, fail (never
    skip) when this machine cannot run a cluster of its own: the leg was asked for.
    """
    require_postgres_url()
    try:
        postgres_bin_dir()
        _as_service_user()
    except ThrowawayPostgresUnavailable as error:
        pytest.fail(f"cannot run a throwaway PostgreSQL cluster: {error}")


@contextlib.contextmanager
def throwaway_postgres() -> Iterator[ThrowawayPostgres]:
    """A started cluster; stopped and deleted on exit, whatever happened."""
    bin_dir = postgres_bin_dir()
    prefix = _as_service_user()
    # Not pytest's tmp_path: its parents are private to root, and postgres must reach the files.
    root = Path(tempfile.mkdtemp(prefix="boxoffice-pg-"))
    try:
        if prefix:
            shutil.chown(root, user=SERVICE_USER, group=SERVICE_USER)
        cluster = ThrowawayPostgres(bin_dir=bin_dir, root=root, prefix=prefix)
        cluster.init()
        cluster.start()
        try:
            yield cluster
        finally:
            if cluster.is_running():
                cluster.stop("immediate")
    finally:
        shutil.rmtree(root, ignore_errors=True)
