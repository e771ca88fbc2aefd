"""Settings: the one place that reads BOXOFFICE_* environment variables.

Precedence: explicit arguments (CLI flags, bootstrap keywords) over the environment over defaults.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from boxoffice.errors import ConfigurationError

ENV_PREFIX = "BOXOFFICE_"


def default_data_dir(environ: Mapping[str, str] | None = None) -> Path:
    """$XDG_DATA_HOME/boxoffice, else ~/.local/share/boxoffice."""
    environ = os.environ if environ is None else environ
    base = environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "boxoffice"


def _env_name(field: attrs.Attribute[Any]) -> str:
    return f"{ENV_PREFIX}{field.name.upper()}"


def _int_in(low: int, high: int) -> Any:
    def check(_: object, field: attrs.Attribute[Any], value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ConfigurationError(
                f"{field.name} ({_env_name(field)}) must be an integer from {low} to {high}"
            )

    return check


def _number_in(low: float, high: float) -> Any:
    def check(_: object, field: attrs.Attribute[Any], value: Any) -> None:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not low <= value <= high
        ):
            raise ConfigurationError(
                f"{field.name} ({_env_name(field)}) must be a number from {low:g} to {high:g}"
            )

    return check


def _one_of(*choices: str) -> Any:
    def check(_: object, field: attrs.Attribute[Any], value: Any) -> None:
        if value not in choices:
            raise ConfigurationError(
                f"{field.name} ({_env_name(field)}) must be one of: {', '.join(choices)}"
            )

    return check


def _optional_text(_: object, field: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and not isinstance(value, str):
        raise ConfigurationError(f"{field.name} ({_env_name(field)}) must be a string")


# HS256 with a shorter key is open to brute force (RFC 7518 3.2).
MIN_JWT_SECRET_BYTES = 32


def _jwt_secret(_: object, field: attrs.Attribute[Any], value: Any) -> None:
    _optional_text(_, field, value)
    if value is not None and len(value.encode("utf-8")) < MIN_JWT_SECRET_BYTES:
        raise ConfigurationError(
            f"{field.name} ({_env_name(field)}) must be at least {MIN_JWT_SECRET_BYTES} bytes; "
            "unset it to have one generated in the data directory"
        )


def _origins(_: object, field: attrs.Attribute[Any], value: Any) -> None:
    _optional_text(_, field, value)
    for origin in _split_origins(value or ""):
        scheme, _sep, host = origin.partition("://")
        if origin != "*" and (scheme not in ("http", "https") or not host or "/" in host):
            raise ConfigurationError(
                f"{field.name} ({_env_name(field)}) must be origins like https://cinema.example "
                f"(scheme, host and port, no path), separated by commas; got {origin!r}"
            )


def _split_origins(text: str) -> tuple[str, ...]:
    return tuple(origin for origin in (part.strip() for part in text.split(",")) if origin)


@attrs.frozen
class Settings:
    # None: in memory for the library; the CLI and service default to a SQLite file.
    database_url: str | None = attrs.field(default=None, validator=_optional_text)
    # None: a random secret (library) or one persisted beside the database (service).
    jwt_secret: str | None = attrs.field(default=None, validator=_jwt_secret, repr=False)
    jwt_ttl_seconds: int = attrs.field(default=3600, validator=_int_in(60, 30 * 24 * 3600))
    bcrypt_rounds: int = attrs.field(default=12, validator=_int_in(4, 31))
    max_seats_per_booking: int = attrs.field(default=10, validator=_int_in(1, 10_000))
    # How long a hold keeps its seats before they are free again.
    hold_ttl_seconds: int = attrs.field(default=600, validator=_int_in(1, 24 * 3600))
    # How long an offer to a waiting-list entry keeps its seats for the entry's user.
    waitlist_offer_seconds: int = attrs.field(default=1800, validator=_int_in(1, 7 * 24 * 3600))
    # How long before a show its doors open: check-ins before then are too early.
    doors_open_minutes: int = attrs.field(default=60, validator=_int_in(0, 24 * 60))
    # Where the service keeps its default SQLite file and generated JWT secret.
    data_dir: str | None = attrs.field(default=None, validator=_optional_text)
    host: str = attrs.field(default="127.0.0.1", validator=_optional_text)
    port: int = attrs.field(default=8000, validator=_int_in(0, 65535))
    workers: int = attrs.field(default=2, validator=_int_in(1, 64))
    # Python threads per worker. Log-ins and sign-ups hold theirs while bcrypt hashes, and may
    # hold all but `slots`; the other requests run `slots` at a time. Enough threads that a
    # storm of log-ins leaves threads for bookings (bench/login.py).
    threads: int = attrs.field(default=32, validator=_int_in(1, 64))
    # Requests other than log-ins and sign-ups running at once per worker, one slot each
    # (entrypoints/bulkhead.py): enough to keep the cores busy, few enough that their threads
    # do not spend their time handing the GIL to each other. Whatever the slots, on SQLite a
    # unit of work that writes runs alone among its worker's (adapters/sqlalchemy/write_gate.py).
    slots: int = attrs.field(default=4, validator=_int_in(1, 64))
    # SQLite only. "full" (default): an acknowledged booking survives a power cut. "normal":
    # faster commits, but a power cut (not a process crash) may lose the last ones.
    sqlite_synchronous: str = attrs.field(default="full", validator=_one_of("full", "normal"))
    # One line per request (method, path, status, duration) to stderr. "off" where a proxy in
    # front logs requests already: the line is a noticeable share of a request's cost.
    access_log: str = attrs.field(default="on", validator=_one_of("on", "off"))
    # GET /metrics on a port of its own, served by the master; None: on the main port.
    metrics_port: int | None = attrs.field(
        default=None, validator=attrs.validators.optional(_int_in(1, 65535))
    )
    # Web sites (origins) whose pages may call the API from a browser; none by default.
    cors_origins: str | None = attrs.field(default=None, validator=_origins)
    # The service only: how often one worker settles the shows whose waiting-list offers
    # lapsed, so the next entry gets its offer with nobody touching the show. 0: never.
    waitlist_sweep_seconds: int = attrs.field(default=1, validator=_int_in(0, 3600))
    # 1: webhook endpoints may be on loopback, private or link-local addresses (tests, a
    # receiver on the premises); 0 refuses them, when registered and when delivered to.
    webhooks_allow_private: int = attrs.field(default=0, validator=_int_in(0, 1))
    # The service only: how often the webhook dispatcher looks for deliveries due; 0: the
    # service runs none (run `boxoffice dispatch` instead).
    webhooks_poll_seconds: float = attrs.field(default=0.5, validator=_number_in(0, 3600))
    # A failed delivery is retried after about this long, then twice as long each time.
    webhooks_retry_base_seconds: float = attrs.field(default=1.0, validator=_number_in(0.001, 3600))
    # How long one attempt may wait to connect, and then for each read of the answer.
    webhooks_timeout_seconds: float = attrs.field(default=10.0, validator=_number_in(0.001, 600))
    # Deliveries in flight at once per dispatcher: a slow endpoint holds one of them.
    webhooks_concurrency: int = attrs.field(default=8, validator=_int_in(1, 256))

    def cors_origin_list(self) -> tuple[str, ...]:
        return _split_origins(self.cors_origins or "")

    def resolved_data_dir(self) -> Path:
        return Path(self.data_dir).expanduser() if self.data_dir else default_data_dir()

    def service_database_url(self) -> str:
        """The service and CLI persist by default: a SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.resolved_data_dir() / 'boxoffice.db'}"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from BOXOFFICE_* variables, with overrides (None means 'not given')."""
        environ = os.environ if environ is None else environ
        fields = attrs.fields_dict(cls)
        unknown = set(overrides) - set(fields)
        if unknown:
            raise ConfigurationError(f"unknown settings: {', '.join(sorted(unknown))}")
        values: dict[str, Any] = {}
        for name, field in fields.items():
            given = overrides.get(name)
            if given is None:
                given = _from_text(field, environ.get(_env_name(field)))
            if given is not None:
                values[name] = given
        return cls(**values)


def _from_text(field: attrs.Attribute[Any], text: str | None) -> Any:
    """An environment string as the field's type; empty means unset. Validators judge the rest."""
    if not text:
        return None
    if field.type in ("int", int, "int | None") and text.strip().isdigit():
        return int(text)
    if field.type in ("float", float):
        try:
            return float(text)
        except ValueError:
            return text
    return text


# What each setting does, in a line: `boxoffice serve --help` lists them with their variables.
SETTING_HELP: Mapping[str, str] = {
    "database_url": "SQLAlchemy URL: sqlite:///path or postgresql+psycopg://user@host/db "
    "(default: a SQLite file in the data directory)",
    # Help text, not a secret.
    "jwt_secret": "key that signs bearer tokens, at least 32 bytes (default: generated once "  # nosec B105
    "and kept in the data directory)",
    "jwt_ttl_seconds": "how long a token is valid",
    "bcrypt_rounds": "bcrypt's cost factor for passwords",
    "max_seats_per_booking": "most seats one booking or hold may take",
    "hold_ttl_seconds": "how long a hold keeps its seats",
    "waitlist_offer_seconds": "how long an offer to a waiting-list entry keeps its seats",
    "doors_open_minutes": "how long before a show tickets are let in at the door",
    "data_dir": "where the default SQLite file and generated JWT secret live "
    "(default: $XDG_DATA_HOME/boxoffice or ~/.local/share/boxoffice)",
    "host": "address to bind",
    "port": "port to bind",
    "workers": "worker processes",
    "threads": "Python threads per worker",
    "slots": "requests other than log-ins and sign-ups running at once per worker",
    "sqlite_synchronous": "full: a booking survives a power cut; normal: faster commits",
    "access_log": "one line per request to stderr (on or off)",
    "metrics_port": "serve GET /metrics on this port of its own instead of the main one "
    "(default: on the main port)",
    "cors_origins": "web sites whose pages may call the API from a browser, comma-separated, "
    "such as https://cinema.example (default: none)",
    "waitlist_sweep_seconds": "how often one worker passes lapsed waiting-list offers on "
    "(0: only when the show next changes)",
    "webhooks_allow_private": "1: webhook URLs may point to loopback, private or link-local "
    "addresses; 0: refused",
    "webhooks_poll_seconds": "how often the service's webhook dispatcher looks for "
    "deliveries due (0: none in the service; run boxoffice dispatch)",
    "webhooks_retry_base_seconds": "how long the first retry of a failed webhook delivery "
    "waits; each next one waits twice as long",
    "webhooks_timeout_seconds": "how long a webhook delivery waits to connect, and for each "
    "read of the answer",
    "webhooks_concurrency": "webhook deliveries in flight at once per dispatcher",
}


def setting_help(name: str, *, variable: bool = True) -> str:
    """A setting's line of help, with its default, and its variable unless told not to."""
    field = attrs.fields_dict(Settings)[name]
    told = [_env_name(field)] if variable else []
    if field.default is not None:
        told.append(f"default {field.default}")
    return f"{SETTING_HELP[name]} ({', '.join(told)})" if told else SETTING_HELP[name]
