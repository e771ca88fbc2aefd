"""Mistakes at start-up get one line saying what to do, and exit status 2, before anything
starts: a PostgreSQL URL without its driver, an unusable data directory, a short JWT secret, an
audit of a database that is not there."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import boxoffice
from boxoffice.entrypoints import cli, server
from boxoffice.entrypoints.logs import SERVICE_LOGGER
from boxoffice.errors import ConfigurationError

_SOURCE = str(Path(boxoffice.__file__).resolve().parents[1])
POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

# psycopg made unimportable, as in an install without the postgres extra.
_WITHOUT_PSYCOPG = """
import sys
sys.modules["psycopg"] = None
sys.modules["psycopg2"] = None
{body}
"""


def _without_the_driver(body: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _WITHOUT_PSYCOPG.format(body=body)],
        cwd=tmp_path,
        # This checkout's package, wherever the child starts.
        env={**os.environ, "BOXOFFICE_DATA_DIR": str(tmp_path), "PYTHONPATH": _SOURCE},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


@pytest.mark.parametrize(
    "argv", [["serve"], ["db", "upgrade"], ["audit"]], ids=["serve", "db upgrade", "audit"]
)
def test_a_postgres_url_without_the_driver_says_to_install_the_extra(
    argv: list[str], tmp_path: Path
) -> None:
    body = f"from boxoffice.entrypoints.cli import main; sys.exit(main({argv!r}))"
    env_url = f"import os; os.environ['BOXOFFICE_DATABASE_URL'] = {POSTGRES_URL!r}\n"

    done = _without_the_driver(env_url + body, tmp_path)

    assert done.returncode == 2, done.stderr
    (line,) = [text for text in done.stderr.splitlines() if text.startswith("boxoffice: ")]
    assert "install boxoffice[postgres]" in line
    assert "Traceback" not in done.stderr


def test_bootstrap_with_a_postgres_url_without_the_driver_says_to_install_the_extra(
    tmp_path: Path,
) -> None:
    body = f"""
import boxoffice
from boxoffice.errors import ConfigurationError
try:
    boxoffice.bootstrap({POSTGRES_URL!r})
except ConfigurationError as error:
    print(error)
"""
    done = _without_the_driver(body, tmp_path)

    assert "install boxoffice[postgres]" in done.stdout, done.stderr


def _refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """The one line of the refusal (serve may have logged where its data is first)."""
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    (line,) = [text for text in err.splitlines() if text.startswith("boxoffice: ")]
    assert "Traceback" not in err
    return line


@pytest.fixture
def nothing_serves(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("a worker was about to start")

    monkeypatch.setattr(server, "Server", never)
    monkeypatch.delenv("BOXOFFICE_JWT_SECRET", raising=False)
    monkeypatch.delenv("BOXOFFICE_DATABASE_URL", raising=False)
    # serve configures the service's logging: the next tests get it as they found it.
    service = logging.getLogger(SERVICE_LOGGER)
    handlers, level = list(service.handlers), service.level
    yield
    service.handlers[:] = handlers
    service.setLevel(level)


@pytest.mark.usefixtures("nothing_serves")
@pytest.mark.parametrize("command", [["serve"], ["db", "upgrade"]], ids=["serve", "db upgrade"])
def test_a_data_dir_that_is_a_file_is_refused(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "data"
    data_dir.write_text("not a directory")

    line = _refused([*command, "--data-dir", str(data_dir)], capsys)

    assert line.startswith("boxoffice: ")
    assert f"{data_dir} is not a directory" in line
    assert "--data-dir" in line


@pytest.mark.usefixtures("nothing_serves")
@pytest.mark.parametrize("command", [["serve"], ["db", "upgrade"]], ids=["serve", "db upgrade"])
def test_a_data_dir_that_cannot_be_made_is_refused(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "file").write_text("")
    data_dir = tmp_path / "file" / "data"

    line = _refused([*command, "--data-dir", str(data_dir)], capsys)

    assert f"{data_dir} cannot be made" in line


@pytest.mark.usefixtures("nothing_serves")
@pytest.mark.parametrize("command", [["serve"], ["db", "upgrade"]], ids=["serve", "db upgrade"])
def test_a_data_dir_that_is_not_writable_is_refused(
    command: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o500)
    # The kernel's answer for a read-only directory, which root would not get from chmod.
    access = os.access
    monkeypatch.setattr(
        os, "access", lambda path, mode: False if Path(path) == data_dir else access(path, mode)
    )

    line = _refused([*command, "--data-dir", str(data_dir)], capsys)

    assert f"{data_dir} is not writable" in line


@pytest.mark.usefixtures("nothing_serves")
def test_a_short_jwt_secret_is_refused_before_any_worker_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOXOFFICE_JWT_SECRET", "s" * 31)

    line = _refused(["serve", "--data-dir", str(tmp_path)], capsys)

    assert "BOXOFFICE_JWT_SECRET" in line
    assert "at least 32 bytes" in line
    assert "s" * 31 not in line


@pytest.mark.usefixtures("nothing_serves")
def test_a_short_jwt_secret_file_is_refused_before_any_worker_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "jwt_secret").write_text("s" * 31 + "\n")

    line = _refused(["serve", "--data-dir", str(tmp_path)], capsys)

    assert f"the JWT secret in {tmp_path / 'jwt_secret'} is shorter than 32 bytes" in line
    assert "s" * 31 not in line


def test_a_short_jwt_secret_is_refused_by_the_settings() -> None:
    with pytest.raises(ConfigurationError, match="32 bytes"):
        boxoffice.bootstrap(jwt_secret="s" * 31)
    assert boxoffice.bootstrap(jwt_secret="s" * 32) is not None


def test_auditing_a_database_that_is_not_there_is_an_error_and_makes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere" / "boxoffice.db"

    line = _refused(["audit", "--database-url", f"sqlite:///{missing}"], capsys)

    assert f"no database at {missing}" in line
    assert not missing.parent.exists()
    line = _refused(["audit", "--data-dir", str(tmp_path)], capsys)
    assert "no database at" in line
    assert list(tmp_path.iterdir()) == []


@pytest.mark.usefixtures("nothing_serves")
@pytest.mark.parametrize("url", ["mysql://db/x", "not a url"])
def test_serve_refuses_a_database_url_it_cannot_use(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = _refused(["serve", "--data-dir", str(tmp_path), "--database-url", url], capsys)

    assert line.startswith("boxoffice: ")
