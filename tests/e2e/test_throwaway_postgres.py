"""The fault tests' own cluster: skipped without PostgreSQL, never when it was asked for."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.databases import POSTGRES_URL_VARIABLE
from tests.e2e import throwaway_postgres


def test_without_a_postgres_url_the_leg_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(POSTGRES_URL_VARIABLE, raising=False)
    with pytest.raises(pytest.skip.Exception):
        throwaway_postgres.require_throwaway_postgres()


def test_with_a_postgres_url_missing_binaries_fail_rather_than_skip(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(POSTGRES_URL_VARIABLE, "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    monkeypatch.setattr(throwaway_postgres, "POSTGRES_LIB", tmp_path)
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    with pytest.raises(pytest.fail.Exception, match="initdb"):
        throwaway_postgres.require_throwaway_postgres()
