"""The `boxoffice` command: serve the REST API, manage the database schema."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from boxoffice.config import Settings
from boxoffice.errors import ConfigurationError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="boxoffice", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    def database_flags(command: argparse.ArgumentParser) -> None:
        command.add_argument(
            "--database-url",
            help="SQLAlchemy URL (default: BOXOFFICE_DATABASE_URL, else a SQLite file in the "
            "data directory)",
        )
        command.add_argument(
            "--data-dir",
            help="where the default SQLite file and generated JWT secret live "
            "(default: BOXOFFICE_DATA_DIR, else $XDG_DATA_HOME/boxoffice or "
            "~/.local/share/boxoffice)",
        )

    serve = commands.add_parser("serve", help="run the REST service under gunicorn")
    serve.add_argument("--host", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to bind (default 8000)")
    serve.add_argument("--workers", type=int, help="worker processes (default 2)")
    serve.add_argument(
        "--threads", type=int, help="threads per worker (default 16; 1: sync workers)"
    )
    database_flags(serve)

    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    upgrade = db_commands.add_parser("upgrade", help="apply every migration not yet applied")
    database_flags(upgrade)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    flags = {k: v for k, v in vars(args).items() if k not in ("command", "db_command")}
    try:
        settings = Settings.from_env(**flags)
        if args.command == "serve":
            from boxoffice.entrypoints.server import serve

            return serve(settings)
        from boxoffice.adapters.sqlalchemy.migrations import upgrade

        url = settings.service_database_url()
        upgrade(url)
        print(f"database is up to date: {_without_password(url)}")
        return 0
    except ConfigurationError as error:
        print(f"boxoffice: {error}", file=sys.stderr)
        return 2


def _without_password(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


if __name__ == "__main__":
    sys.exit(main())
