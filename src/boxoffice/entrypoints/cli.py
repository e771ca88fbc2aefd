"""The `boxoffice` command: serve the REST API, manage the database schema, read the audit trail."""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path

import attrs

from boxoffice.config import ENV_PREFIX, Settings, setting_help
from boxoffice.domain.errors import BoxofficeError
from boxoffice.errors import ConfigurationError
from boxoffice.version import package_version

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


# Settings that `serve` takes as flags; every setting has its BOXOFFICE_* variable.
_SERVE_FLAGS = ("host", "port", "workers", "threads", "slots", "access_log", "metrics_port")


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _type_of(name: str) -> Callable[[str], object]:
    integral = ("int", int, "int | None")
    return int if attrs.fields_dict(Settings)[name].type in integral else str


def _settings_epilog() -> str:
    """Every setting and its variable, from the settings themselves."""
    lines = ["settings, as environment variables:"]
    for field in attrs.fields(Settings):
        lines.append(f"  {ENV_PREFIX}{field.name.upper()}")
        described = setting_help(field.name, variable=False)
        lines += textwrap.wrap(
            described,
            76,
            initial_indent=" " * 6,
            subsequent_indent=" " * 6,
            break_on_hyphens=False,
        )
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="boxoffice", description=__doc__)
    parser.add_argument("--version", action="version", version=f"boxoffice {package_version()}")
    commands = parser.add_subparsers(dest="command", required=True)

    def database_flags(command: argparse.ArgumentParser) -> None:
        for name in ("database_url", "data_dir"):
            command.add_argument(_flag(name), help=setting_help(name))

    serve = commands.add_parser(
        "serve",
        help="run the REST service under granian",
        description="Run the REST service under granian. Flags win over BOXOFFICE_* "
        "variables, which win over defaults.",
        epilog=_settings_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    for name in _SERVE_FLAGS:
        serve.add_argument(_flag(name), type=_type_of(name), help=setting_help(name))
    database_flags(serve)

    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    upgrade = db_commands.add_parser("upgrade", help="apply every migration not yet applied")
    database_flags(upgrade)

    dispatch = commands.add_parser(
        "dispatch",
        help="deliver webhook events in the foreground, until SIGTERM or SIGINT",
        description="Deliver the webhook events of the database, apart from `boxoffice "
        "serve` (which runs a dispatcher of its own unless BOXOFFICE_WEBHOOKS_POLL_SECONDS=0). "
        "Any number may run: one at a time delivers.",
    )
    database_flags(dispatch)

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
        if args.command == "dispatch":
            return _dispatch(settings)
        from boxoffice.adapters.sqlalchemy.migrations import upgrade

        url = settings.service_database_url()
        change = upgrade(url)
        print(f"{change}: {_without_password(url)}")
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


def _dispatch(settings: Settings) -> int:
    from boxoffice.bootstrap import build
    from boxoffice.entrypoints.dispatcher import dispatcher_for, run_until_signalled
    from boxoffice.entrypoints.logs import configure_service_logging

    configure_service_logging()
    settings = attrs.evolve(settings, database_url=settings.service_database_url())
    try:
        boxoffice = build(settings)
    except BoxofficeError as error:
        print(f"boxoffice: cannot open the database: {error}", file=sys.stderr)
        return 1
    run_until_signalled(dispatcher_for(settings, boxoffice))
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
