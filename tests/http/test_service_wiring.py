"""What `boxoffice serve` and the WSGI factory add around the app: secret, settings, wiring."""

from __future__ import annotations

import gc
import ipaddress
import logging
import re
import socket
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import falcon.testing
import pytest

from boxoffice.bootstrap import build
from boxoffice.config import Settings
from boxoffice.entrypoints import cli, jwt_secret, server, wsgi
from boxoffice.entrypoints.bulkhead import Bulkhead
from boxoffice.entrypoints.http import create_app
from boxoffice.entrypoints.http.app import PASSWORD_HASHING_ROUTES
from boxoffice.entrypoints.http.metrics import Timed
from boxoffice.errors import ConfigurationError
from tests.http.conftest import PASSWORD, Api


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    # serve() and get_app() set up service logging; the rest of the suite must not inherit it.
    logger = logging.getLogger("boxoffice")
    handlers, level = list(logger.handlers), logger.level
    yield
    logger.handlers[:] = handlers
    logger.setLevel(level)
    # get_app() freezes what the process has loaded, as a worker should; a test run should not.
    gc.unfreeze()


def test_the_secret_is_created_once_with_0600(tmp_path: Path) -> None:
    data_dir = tmp_path / "new" / "dir"

    first = jwt_secret.load_or_create(data_dir)
    second = jwt_secret.load_or_create(data_dir)

    path = data_dir / jwt_secret.FILE_NAME
    assert first == second
    assert len(first) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in data_dir.iterdir()] == [jwt_secret.FILE_NAME]


def test_racing_processes_agree_on_one_secret(tmp_path: Path) -> None:
    secrets: list[str] = []
    start = threading.Barrier(8)

    def create() -> None:
        start.wait()
        secrets.append(jwt_secret.load_or_create(tmp_path))

    threads = [threading.Thread(target=create) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(set(secrets)) == 1
    assert len(list(tmp_path.iterdir())) == 1


def test_an_empty_secret_file_is_a_configuration_error(tmp_path: Path) -> None:
    (tmp_path / jwt_secret.FILE_NAME).write_text("\n")

    with pytest.raises(ConfigurationError, match="empty"):
        jwt_secret.load_or_create(tmp_path)


def test_a_secret_file_others_can_read_is_reported_not_printed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / jwt_secret.FILE_NAME
    path.write_text("x" * 40)
    path.chmod(0o644)

    with caplog.at_level(logging.WARNING, logger="boxoffice.server"):
        secret = jwt_secret.load_or_create(tmp_path)

    assert secret == "x" * 40
    assert "chmod 600" in caplog.text
    assert secret not in caplog.text


def test_service_settings_persist_by_default(tmp_path: Path) -> None:
    settings = wsgi.service_settings(Settings(data_dir=str(tmp_path)))

    assert settings.database_url == f"sqlite:///{tmp_path / 'boxoffice.db'}"
    assert settings.jwt_secret == (tmp_path / jwt_secret.FILE_NAME).read_text().strip()


def test_a_configured_secret_writes_no_file(tmp_path: Path) -> None:
    settings = wsgi.service_settings(
        Settings(data_dir=str(tmp_path), jwt_secret="k" * 40, database_url="sqlite:///x.db")
    )

    assert settings.jwt_secret == "k" * 40
    assert settings.database_url == "sqlite:///x.db"
    assert not (tmp_path / jwt_secret.FILE_NAME).exists()


def test_get_app_reads_the_environment_and_tokens_outlive_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from boxoffice.adapters.sqlalchemy.migrations import upgrade

    monkeypatch.delenv("BOXOFFICE_DATABASE_URL", raising=False)
    monkeypatch.delenv("BOXOFFICE_JWT_SECRET", raising=False)
    monkeypatch.setenv("BOXOFFICE_DATA_DIR", str(tmp_path))
    upgrade(f"sqlite:///{tmp_path / 'boxoffice.db'}")
    first = Api(falcon.testing.TestClient(wsgi.get_app()))
    first.sign_up("ada@example.com")
    token = first.log_in("ada@example.com")

    second = Api(falcon.testing.TestClient(wsgi.get_app()))

    assert second.call("GET", "/bookings", token=token).status_code == 200
    assert second.log_in("ada@example.com", PASSWORD)
    # A worker's app and everything loaded with it stay out of the collector's full passes.
    assert gc.get_freeze_count() > 0


@pytest.mark.parametrize(
    ("database_url", "slots"),
    [
        ("sqlite:///{dir}/b.db", 4),
        ("postgresql+psycopg://nobody@127.0.0.1:1/none", 4),
        ("sqlite:///{dir}/b.db", 3),
    ],
)
def test_a_worker_admits_log_ins_and_sign_ups_apart_and_the_rest_by_slots_on_any_database(
    tmp_path: Path, database_url: str, slots: int
) -> None:
    settings = Settings(
        database_url=database_url.format(dir=tmp_path), jwt_secret="k" * 40, slots=slots
    )

    timed = wsgi.worker_app(settings)

    assert isinstance(timed, Timed)
    app = timed.inner
    assert isinstance(app, Bulkhead)
    assert app.slots == slots
    assert app.hashing_paths == PASSWORD_HASHING_ROUTES == {"/login", "/signup"}


@pytest.mark.parametrize("access_log", ["on", "off"])
def test_a_worker_writes_its_access_lines_to_stderr_in_the_log_format(
    tmp_path: Path, access_log: str, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/b.db", jwt_secret="k" * 40, access_log=access_log
    )
    client = falcon.testing.TestClient(wsgi.worker_app(settings))

    assert client.simulate_get("/health").status_code == 200

    written = [line for line in capsys.readouterr().err.splitlines() if "boxoffice.access" in line]
    if access_log == "off":
        assert written == []
    else:
        (line,) = written
        assert re.fullmatch(
            r"\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\] \[\d+\] \[INFO\] "
            r"boxoffice\.access: GET /health 200 \d+\.\dms",
            line,
        ), line


def test_the_slots_flag_reaches_the_settings(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def never(settings: Settings) -> int:
        raise AssertionError("started serving: the flag never reached the settings")

    monkeypatch.setattr(server, "serve", never)
    # Refused by the settings' validation, so nothing starts.
    assert cli.main(["serve", "--slots", "0"]) == 2
    assert "slots (BOXOFFICE_SLOTS) must be an integer from 1 to 64" in capsys.readouterr().err


def test_an_unmigrated_database_is_503(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'empty.db'}", jwt_secret="k" * 40)
    api = Api(
        falcon.testing.TestClient(create_app(build(settings, migrate=False), token_ttl_seconds=60))
    )

    result = api.call("GET", "/movies")

    assert result.status_code == 503
    assert result.json["title"] == "Service Unavailable"
    assert "empty.db" not in result.text


def test_text_sqlite_cannot_store_is_refused_before_it_gets_there(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'x.db'}", jwt_secret="k" * 40)
    client = falcon.testing.TestClient(create_app(build(settings), token_ttl_seconds=60))
    body = '{"name": "\\udbcb", "email": "a@b.io", "password": "password1", "role": "user"}'

    result = client.simulate_post("/signup", body=body, content_type="application/json")

    assert result.status_code == 400


def test_serve_stops_before_forking_when_the_database_is_unreachable(tmp_path: Path) -> None:
    unreachable = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2"

    code = server.serve(
        Settings(database_url=unreachable, data_dir=str(tmp_path), jwt_secret="k" * 40)
    )

    assert code == 1


def test_the_listen_address_is_an_ip_literal_granian_can_bind() -> None:
    address, port = server.listen_address("localhost", 0)

    assert ipaddress.ip_address(address).is_loopback
    assert port > 0


def test_a_port_in_use_is_refused_before_any_worker_starts(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        with pytest.raises(OSError, match="in use"):
            server.listen_address("127.0.0.1", port)
        code = server.serve(
            Settings(data_dir=str(tmp_path), jwt_secret="k" * 40, host="127.0.0.1", port=port)
        )

    assert code == 1


def test_workers_forget_environment_variables_a_request_could_be_mistaken_for() -> None:
    environment = {
        "HTTP_AUTHORIZATION": "Bearer stolen",
        "HTTP_PROXY": "http://proxy",
        "CONTENT_TYPE": "text/plain",
        "BOXOFFICE_JWT_SECRET": "k" * 40,
        "BOXOFFICE_DATABASE_URL": "postgresql://admin:hunter2@db/boxoffice",
        "BOXOFFICE_WORKERS": "2",
        "PATH": "/usr/bin",
    }

    server.forget_request_like_environment(environment)

    assert environment == {"BOXOFFICE_WORKERS": "2", "PATH": "/usr/bin"}


def test_the_wsgi_factory_runs_no_waitlist_sweeper(tmp_path: Path) -> None:
    # Only `boxoffice serve` runs one: the factory's host may run several apps, or none.
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'app.db'}", jwt_secret="s" * 48, bcrypt_rounds=4
    )
    build(settings)  # migrated, as `boxoffice db upgrade` would
    before = {t.ident for t in threading.enumerate() if t.name == "waitlist-sweeper"}

    wsgi.worker_app(settings)

    assert {t.ident for t in threading.enumerate() if t.name == "waitlist-sweeper"} == before
