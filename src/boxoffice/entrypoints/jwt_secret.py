"""The service's JWT secret when BOXOFFICE_JWT_SECRET is unset: made once, kept in a 0600 file.

Tokens then survive restarts, and every worker process signs with the same key.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import stat
from pathlib import Path

from boxoffice.config import MIN_JWT_SECRET_BYTES
from boxoffice.directories import writable_directory
from boxoffice.errors import ConfigurationError

FILE_NAME = "jwt_secret"

_log = logging.getLogger("boxoffice.server")


def load_or_create(data_dir: Path) -> str:
    path = data_dir / FILE_NAME
    if not path.is_file():
        # Said before anything starts: missing, unmakeable, a file, or read-only.
        writable_directory(data_dir, mode=0o700)
    secret = _read(path)
    if secret is None:
        _create(path, secrets.token_urlsafe(48))
        secret = _read(path)
    if not secret:
        raise ConfigurationError(f"the JWT secret file is empty: {path}")
    if len(secret.encode("utf-8")) < MIN_JWT_SECRET_BYTES:
        # Said here, in the master: the workers would refuse it one by one.
        raise ConfigurationError(
            f"the JWT secret in {path} is shorter than {MIN_JWT_SECRET_BYTES} bytes: "
            "delete the file to have one generated"
        )
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        # Whoever can read it can sign tokens for any account; the path, never the content.
        _log.warning("the JWT secret file is readable by others; chmod 600 %s", path)
    return secret


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None


def _create(path: Path, secret: str) -> None:
    # Written in full under a private name, then linked into place: a reader never sees a
    # half-written file, and when processes race, the first link wins and the others read it.
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(secret + "\n")
            file.flush()
            os.fsync(file.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(draft, path)
    finally:
        draft.unlink(missing_ok=True)
