"""A directory the service keeps files in, made if need be, or a ConfigurationError saying why
it cannot be used, before anything starts."""

from __future__ import annotations

import os
from pathlib import Path

from boxoffice.errors import ConfigurationError

DATA_DIR_REMEDY = "choose another with --data-dir or BOXOFFICE_DATA_DIR"


def writable_directory(path: Path, *, remedy: str = DATA_DIR_REMEDY, mode: int = 0o777) -> Path:
    """The directory at path, made with its parents if missing; it must take new files.
    remedy: what the user can do instead, for the error's message."""
    if path.exists() and not path.is_dir():
        raise ConfigurationError(f"{path} is not a directory: {remedy}")
    try:
        path.mkdir(mode=mode, parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise ConfigurationError(f"{path} cannot be made: part of it is a file; {remedy}") from None
    except OSError as error:
        raise ConfigurationError(
            f"{path} cannot be made ({error.strerror or error}): {remedy}"
        ) from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise ConfigurationError(f"{path} is not writable: {remedy}, or fix its permissions")
    return path
