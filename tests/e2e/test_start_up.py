"""A default `boxoffice serve` starts calmly: no warnings, one log format for boxoffice's lines
and granian's alike, and it says where its data lives and what it did to the schema."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from alembic import command

from boxoffice.adapters.sqlalchemy.migrations import alembic_config
from boxoffice.entrypoints.cli import main
from tests.e2e.server import Server

pytestmark = pytest.mark.slow

# SERVICE_FORMAT: [date time,ms] [pid] [LEVEL] logger: message
_LINE = re.compile(r"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\] \[\d+\] \[[A-Z]+\] [\w.]+: \S")


def test_a_default_start_says_where_its_data_is_in_one_format_without_warnings(
    server_factory: Callable[..., Server], database_url: str | None
) -> None:
    # The defaults: 2 workers of 32 threads, more threads than this machine's cores.
    first = server_factory(workers=2, threads=32)
    first.call("GET", "/health")
    assert first.stop() == 0
    second = server_factory(workers=2, threads=32)
    assert second.stop() == 0

    lines = first.log().splitlines()
    assert lines
    assert [line for line in lines if not _LINE.match(line)] == []
    assert [line for line in lines if "WARNING" in line or "ERROR" in line] == []
    assert any("] granian: " in line for line in lines)
    where = f"SQLite file {first.data_dir / 'boxoffice.db'}" if database_url is None else "postgres"
    assert any(f"data: {where}" in line for line in lines)
    assert any(f"JWT secret in {first.data_dir / 'jwt_secret'}" in line for line in lines)
    _, second_start = first.log().split("created the database schema")
    assert "the database schema is up to date" in second_start


def test_db_upgrade_says_whether_it_created_or_upgraded_the_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    old = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(alembic_config(old), "0003")

    assert main(["db", "upgrade", "--database-url", fresh]) == 0
    assert capsys.readouterr().out.startswith("created the database schema (revision ")
    assert main(["db", "upgrade", "--database-url", fresh]) == 0
    assert capsys.readouterr().out.startswith("the database schema is up to date (revision ")
    assert main(["db", "upgrade", "--database-url", old]) == 0
    assert capsys.readouterr().out.startswith("upgraded the database schema from revision 0003 to ")
