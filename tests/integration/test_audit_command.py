"""`boxoffice audit`: the trail of a SQLite file or PostgreSQL schema as JSON lines."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import boxoffice
from boxoffice.domain.errors import InvalidCredentials
from boxoffice.entrypoints.cli import main

PASSWORD = "correct horse"


def some_history(url: str) -> None:
    """Two sign-ups, a failed and two good log-ins, a booking and its cancellation."""
    app = boxoffice.bootstrap(url, bcrypt_rounds=4)
    app.sign_up(name="O", email="owner@example.com", password=PASSWORD, role="owner")
    app.sign_up(name="Ada", email="ada@example.com", password=PASSWORD, client="192.0.2.1")
    with pytest.raises(InvalidCredentials):
        app.log_in(email="ada@example.com", password="wrong password", client="192.0.2.1")
    owner = app.authenticate(app.log_in(email="owner@example.com", password=PASSWORD))
    ada = app.authenticate(app.log_in(email="ada@example.com", password=PASSWORD))
    film = app.add_movie(owner, title="Alien", genre="Sci-fi", duration=117)
    show = app.add_show(
        owner,
        movie_id=film.id,
        timing=datetime.now(UTC) + timedelta(days=1),
        available_seats=5,
    )
    booking = app.book_seats(ada, show_id=show.id, num_seats=2)
    app.cancel_booking(ada, booking.id)


def audit(capsys: pytest.CaptureFixture[str], *argv: str) -> list[dict[str, Any]]:
    assert main(["audit", *argv]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_prints_every_event_as_one_json_object_per_line(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    some_history(database_url)
    before = datetime.now(UTC)

    events = audit(capsys, "--database-url", database_url)

    assert [e["action"] for e in events] == [
        "signed_up",
        "signed_up",
        "login_failed",
        "logged_in",
        "logged_in",
        "booked",
        "booking_cancelled",
    ]
    assert [e["id"] for e in events] == list(range(1, 8))
    assert events[2] == {
        "id": 3,
        "occurred_at": events[2]["occurred_at"],
        "action": "login_failed",
        "actor_id": 2,
        "target": "email:ada@example.com",
        "client": "192.0.2.1",
        "detail": {},
    }
    assert events[5]["target"] == "booking:1"
    assert events[5]["detail"] == {"show_id": 1, "num_seats": 2}
    occurred = datetime.fromisoformat(events[0]["occurred_at"])
    assert occurred.utcoffset() == timedelta(0)
    assert before - timedelta(minutes=1) < occurred <= before


def test_after_and_limit_continue_from_the_last_id_seen(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    some_history(database_url)
    url = ["--database-url", database_url]

    assert [e["id"] for e in audit(capsys, *url, "--limit", "2")] == [1, 2]
    assert [e["id"] for e in audit(capsys, *url, "--after", "2", "--limit", "3")] == [3, 4, 5]
    assert [e["id"] for e in audit(capsys, *url, "--after", "5")] == [6, 7]
    assert audit(capsys, *url, "--after", "7") == []


def test_pages_through_more_events_than_one_page_holds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'boxoffice.db'}"
    app = boxoffice.bootstrap(url, bcrypt_rounds=4)
    for n in range(app.limits.max_page_size + 3):
        with pytest.raises(InvalidCredentials):
            app.log_in(email=f"guess{n}@example.com", password="wrong password")

    events = audit(capsys, "--database-url", url)

    assert [e["id"] for e in events] == list(range(1, app.limits.max_page_size + 4))
    assert len(audit(capsys, "--database-url", url, "--limit", "501")) == 501


def test_reads_the_services_default_database_in_the_data_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("BOXOFFICE_DATABASE_URL", raising=False)
    monkeypatch.setenv("BOXOFFICE_DATA_DIR", str(tmp_path / "elsewhere"))
    some_history(f"sqlite:///{tmp_path / 'boxoffice.db'}")

    assert len(audit(capsys, "--data-dir", str(tmp_path))) == 7


def test_an_unmigrated_database_is_reported_not_migrated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from alembic import command

    from boxoffice.adapters.sqlalchemy.migrations import alembic_config

    url = f"sqlite:///{tmp_path / 'boxoffice.db'}"
    command.upgrade(alembic_config(url), "0003")

    assert main(["audit", "--database-url", url]) == 1
    assert "audit_events" in capsys.readouterr().err
    # Reading left the schema as it was.
    assert main(["audit", "--database-url", url]) == 1


@pytest.mark.parametrize("argv", [["--limit", "0"], ["--after", "-1"], ["--limit", "x"]])
def test_bad_options_are_usage_errors(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["audit", *argv])
    assert exited.value.code == 2
    assert "usage" in capsys.readouterr().err


def test_the_installed_command_prints_the_trail(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'boxoffice.db'}"
    some_history(url)
    done = subprocess.run(
        [Path(sys.executable).with_name("boxoffice"), "audit", "--database-url", url],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 7
    assert PASSWORD not in done.stdout
    assert "wrong password" not in done.stdout
