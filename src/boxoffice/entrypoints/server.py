"""`boxoffice serve`: the REST service under gunicorn, with N worker processes.

The master migrates the schema once and settles the JWT secret before forking; each worker then
builds its own Boxoffice (engine, connection pool) after the fork. SIGTERM is gunicorn's
graceful shutdown: workers finish their requests, then exit.
"""

from __future__ import annotations

import logging
from typing import Any

import falcon
from gunicorn.app.base import BaseApplication  # type: ignore[import-untyped]

from boxoffice.config import Settings
from boxoffice.domain.errors import BoxofficeError
from boxoffice.entrypoints.logs import configure_service_logging
from boxoffice.entrypoints.wsgi import service_settings, worker_app

_log = logging.getLogger("boxoffice.server")


class _Gunicorn(BaseApplication):  # type: ignore[misc]  # gunicorn ships no type hints
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        super().__init__()

    def load_config(self) -> None:
        settings = self._settings
        options: dict[str, Any] = {
            "bind": [_bind_address(settings.host, settings.port)],
            "workers": settings.workers,
            "worker_class": "gthread" if settings.threads > 1 else "sync",
            "threads": settings.threads,
            "proc_name": "boxoffice",
            # Workers build their app after the fork: no connection crosses a fork.
            "preload_app": False,
            # The app logs each request itself, without query strings.
            "accesslog": None,
            "errorlog": "-",
        }
        # Gunicorn 25+ opens a control socket in $HOME, shared by every server of the user.
        if "control_socket_disable" in self.cfg.settings:
            options["control_socket_disable"] = True
        for name, value in options.items():
            self.cfg.set(name, value)

    def load(self) -> falcon.App[falcon.Request, falcon.Response]:
        return worker_app(self._settings)


def serve(settings: Settings) -> int:
    # Imported here so the library and the memory-only app never load SQLAlchemy.
    from boxoffice.adapters.sqlalchemy.migrations import upgrade

    configure_service_logging()
    settings = service_settings(settings)
    try:
        upgrade(settings.service_database_url())
    except BoxofficeError as error:
        # Unreachable or refusing: say why and stop, before any worker starts.
        _log.error("cannot bring the database schema up to date: %s", error.message)
        return 1
    _log.info("database schema is up to date")
    try:
        _Gunicorn(settings).run()
    except SystemExit as stop:
        # Gunicorn's master leaves through sys.exit(), with its own status.
        if stop.code is None:
            return 0
        return stop.code if isinstance(stop.code, int) else 1
    return 0


def _bind_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
