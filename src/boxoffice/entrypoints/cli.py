"""The `boxoffice` command: serve the REST API, manage the database schema, read the audit trail."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import attrs

from boxoffice.config import Settings
from boxoffice.domain.errors import BoxofficeError
from boxoffice.errors import ConfigurationError

# Options of a command rather than settings of the service.
_NOT_SETTINGS = ("command", "db_command", "after", "limit")


def _count(low: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        value = int(text)
        if value < low:
            raise ValueError(text)
        return value

    parse.__name__ = f"integer of at least {low}"
    return parse


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

    serve = commands.add_parser("serve", help="run the REST service under granian")
    serve.add_argument("--host", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to bind (default 8000)")
    serve.add_argument("--workers", type=int, help="worker processes (default 2)")
    serve.add_argument("--threads", type=int, help="Python threads per worker (default 32)")
    serve.add_argument(
        "--slots",
        type=int,
        help="requests other than log-ins and sign-ups running at once per worker (default 4)",
    )
    serve.add_argument(
        "--access-log",
        choices=("on", "off"),
        help="one line per request to stderr (default on)",
    )
    database_flags(serve)

    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    upgrade = db_commands.add_parser("upgrade", help="apply every migration not yet applied")
    database_flags(upgrade)

    audit = commands.add_parser(
        "audit",
        help="print the audit trail, one JSON object per line, oldest first",
        description="Sign-ups, log-ins (failed and throttled ones too), bookings and "
        "cancellations: id, occurred_at, action, actor_id, target, client, detail.",
    )
    audit.add_argument(
        "--after", type=_count(0), help="only events with a greater id (the last one seen)"
    )
    audit.add_argument("--limit", type=_count(1), help="print at most this many (default: all)")
    database_flags(audit)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    flags = {k: v for k, v in vars(args).items() if k not in _NOT_SETTINGS}
    try:
        settings = Settings.from_env(**flags)
        if args.command == "serve":
            from boxoffice.entrypoints.server import serve

            return serve(settings)
        if args.command == "audit":
            return _audit(settings, after=args.after, limit=args.limit)
        from boxoffice.adapters.sqlalchemy.migrations import upgrade

        url = settings.service_database_url()
        upgrade(url)
        print(f"database is up to date: {_without_password(url)}")
        return 0
    except ConfigurationError as error:
        print(f"boxoffice: {error}", file=sys.stderr)
        return 2


def _audit(settings: Settings, *, after: int | None, limit: int | None) -> int:
    from boxoffice.bootstrap import build
    from boxoffice.entrypoints.audit_trail import print_events

    # The service's database, read as it is: reading the trail must not migrate it.
    settings = attrs.evolve(settings, database_url=settings.service_database_url())
    _refuse_a_missing_sqlite_file(settings.service_database_url())
    try:
        print_events(build(settings, migrate=False), sys.stdout, after=after, limit=limit)
    except BoxofficeError as error:
        print(f"boxoffice: cannot read the audit trail: {error}", file=sys.stderr)
        return 1
    return 0


def _refuse_a_missing_sqlite_file(url: str) -> None:
    """Opening a SQLite file that is not there would make an empty one, and its directory."""
    from boxoffice.adapters.sqlalchemy.engine import checked_url

    parsed = checked_url(url)
    if parsed.drivername == "sqlite" and parsed.database:
        path = Path(parsed.database).expanduser()
        if not path.is_file():
            raise ConfigurationError(
                f"no database at {path}: give the service's --data-dir or --database-url"
            )


def _without_password(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


if __name__ == "__main__":
    sys.exit(main())
