"""The installed package's version: one source, the package metadata (pyproject.toml)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version


def package_version() -> str:
    try:
        return version("boxoffice")
    except PackageNotFoundError:
        # Imported from a source tree that was never installed.
        return "0+unknown"
