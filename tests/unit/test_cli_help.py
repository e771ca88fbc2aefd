"""`boxoffice --version`, and `serve --help` naming every setting with its variable."""

from __future__ import annotations

from importlib.metadata import version

import attrs
import pytest

from boxoffice.config import SETTING_HELP, Settings
from boxoffice.entrypoints.cli import main


def test_version_prints_the_installed_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["--version"])

    assert stop.value.code == 0
    assert capsys.readouterr().out.strip() == f"boxoffice {version('boxoffice')}"


def test_every_setting_has_a_line_of_help() -> None:
    assert set(SETTING_HELP) == set(attrs.fields_dict(Settings))


def test_serve_help_names_every_setting_and_its_variable(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["serve", "--help"])

    assert stop.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for field in attrs.fields(Settings):
        assert f"BOXOFFICE_{field.name.upper()}" in text
        assert " ".join(SETTING_HELP[field.name].split()) in text
    assert "--workers WORKERS worker processes (BOXOFFICE_WORKERS, default 2)" in text
    assert "BOXOFFICE_BCRYPT_ROUNDS bcrypt's cost factor for passwords (default 12)" in text


def test_serve_flags_reach_the_settings_with_their_types(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from boxoffice.entrypoints import server

    seen: list[Settings] = []
    monkeypatch.setattr(server, "serve", lambda settings: seen.append(settings) or 0)

    assert main(["serve", "--port", "9001", "--threads", "8", "--access-log", "off"]) == 0

    assert (seen[0].port, seen[0].threads, seen[0].access_log) == (9001, 8, "off")
