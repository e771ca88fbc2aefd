"""bootstrap() and `boxoffice db upgrade` over SQLite and PostgreSQL: migrated and persistent."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

import boxoffice
from boxoffice.adapters.sqlalchemy import SqlAlchemyUnitOfWorkFactory, StorageError
from boxoffice.bootstrap import build, unit_of_work_factory
from boxoffice.config import Settings
from boxoffice.entrypoints.cli import main
from boxoffice.errors import ConfigurationError
from tests.integration.test_migrations import TABLES as MIGRATED_TABLES

# The migrated tables, and Alembic's own.
TABLES = MIGRATED_TABLES | {"alembic_version"}


def tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_bootstrap_migrates_a_new_database_and_its_data_outlives_the_process(
    empty_database_url: str,
) -> None:
    first = boxoffice.bootstrap(empty_database_url, bcrypt_rounds=4)
    first.sign_up(name="Ada", email="ada@example.com", password="password")
    restarted = boxoffice.bootstrap(empty_database_url, bcrypt_rounds=4)
    assert restarted.log_in(email="ada@example.com", password="password")


def test_a_worker_can_skip_migrating(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'boxoffice.db'}"
    worker = build(Settings(database_url=url, bcrypt_rounds=4), migrate=False)
    with pytest.raises(StorageError):
        worker.list_movies()
    build(Settings(database_url=url, bcrypt_rounds=4))
    assert list(worker.list_movies()) == []


def test_less_durable_sqlite_commits_are_a_setting(tmp_path: Path) -> None:
    settings = Settings.from_env({"BOXOFFICE_SQLITE_SYNCHRONOUS": "normal"})
    assert settings.sqlite_synchronous == "normal"
    factory = unit_of_work_factory(
        f"sqlite:///{tmp_path / 'b.db'}", sqlite_synchronous=settings.sqlite_synchronous
    )
    assert isinstance(factory, SqlAlchemyUnitOfWorkFactory)
    with factory.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1
    with pytest.raises(ConfigurationError, match="BOXOFFICE_SQLITE_SYNCHRONOUS"):
        Settings.from_env({"BOXOFFICE_SQLITE_SYNCHRONOUS": "off"})


def test_an_unsupported_url_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="unsupported"):
        boxoffice.bootstrap("mysql://localhost/boxoffice")


def test_db_upgrade_migrates_the_url_it_is_given(
    empty_database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "upgrade", "--database-url", empty_database_url]) == 0
    assert "created the database schema" in capsys.readouterr().out
    assert tables(empty_database_url) == TABLES


def test_db_upgrade_defaults_to_a_sqlite_file_in_the_data_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BOXOFFICE_DATABASE_URL", raising=False)
    data_dir = tmp_path / "not" / "yet" / "there"
    assert main(["db", "upgrade", "--data-dir", str(data_dir)]) == 0
    assert tables(f"sqlite:///{data_dir / 'boxoffice.db'}") == TABLES


def test_the_installed_command_migrates_from_the_package(tmp_path: Path) -> None:
    command = Path(sys.executable).with_name("boxoffice")
    url = f"sqlite:///{tmp_path / 'boxoffice.db'}"
    done = subprocess.run(
        [command, "db", "upgrade", "--database-url", url],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert tables(url) == TABLES
