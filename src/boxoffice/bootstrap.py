"""The composition root: settings in, a wired Boxoffice out. Nothing happens at import."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from boxoffice.adapters.clock import SystemClock
from boxoffice.adapters.memory import InMemoryUnitOfWorkFactory
from boxoffice.adapters.network import SocketResolver
from boxoffice.adapters.security import BcryptPasswordHasher, JwtTokenService
from boxoffice.config import Settings
from boxoffice.domain.model import Booking, OutboxEvent, Show, Ticket, WaitlistEntry
from boxoffice.domain.ports import Clock, Events, Resolver, UnitOfWorkFactory
from boxoffice.domain.rules import Limits
from boxoffice.domain.service import Boxoffice

MEMORY_URL = "memory://"


def bootstrap(database_url: str | None = None, **settings: Any) -> Boxoffice:
    """A ready Boxoffice. Arguments win over BOXOFFICE_* variables, which win over defaults.

    With no database URL anywhere the data lives in memory, for as long as the object does.
    """
    return build(Settings.from_env(database_url=database_url, **settings))


def build(
    settings: Settings,
    *,
    clock: Clock | None = None,
    migrate: bool = True,
    events: Events | None = None,
    resolver: Resolver | None = None,
) -> Boxoffice:
    """migrate=False skips the schema check: for processes whose parent already migrated.
    events: told of committed bookings, cancellations and holds (the service's metrics).
    resolver: how webhook URLs' host names are looked up (default: the system's resolver)."""
    clock = clock or SystemClock()
    # Without a configured secret, tokens are valid for this process only.
    secret = settings.jwt_secret or secrets.token_urlsafe(48)
    return Boxoffice.from_ports(
        uow=unit_of_work_factory(
            settings.database_url or MEMORY_URL,
            migrate=migrate,
            sqlite_synchronous=settings.sqlite_synchronous,
        ),
        hasher=BcryptPasswordHasher(settings.bcrypt_rounds),
        tokens=JwtTokenService(secret, timedelta(seconds=settings.jwt_ttl_seconds), clock),
        clock=clock,
        limits=Limits(
            max_seats_per_booking=settings.max_seats_per_booking,
            hold_ttl_seconds=settings.hold_ttl_seconds,
            doors_open_minutes=settings.doors_open_minutes,
            waitlist_offer_seconds=settings.waitlist_offer_seconds,
            webhooks_allow_private=bool(settings.webhooks_allow_private),
            webhook_first_retry_seconds=settings.webhooks_retry_base_seconds,
        ),
        events=events,
        presenter=HttpShapes(),
        resolver=resolver or SocketResolver(),
    )


class HttpShapes:
    """Webhook bodies as the HTTP API shows their resources. Loaded when the first event is
    written: a library that writes none never loads the web framework."""

    def body(self, event: OutboxEvent, resource: Booking | Show | WaitlistEntry | Ticket) -> str:
        from boxoffice.entrypoints.http.event_bodies import body

        return body(event, resource)


def unit_of_work_factory(
    database_url: str, *, migrate: bool = True, sqlite_synchronous: str = "full"
) -> UnitOfWorkFactory:
    """memory://, sqlite:///path or postgresql+psycopg://...; a SQL schema is brought up to date
    first unless migrate is False.
    """
    if database_url == MEMORY_URL:
        return InMemoryUnitOfWorkFactory()
    # Imported here so the in-memory library never pays for SQLAlchemy and Alembic.
    from boxoffice.adapters.sqlalchemy import SqlAlchemyUnitOfWorkFactory
    from boxoffice.adapters.sqlalchemy.migrations import upgrade

    # Built first: a bad URL or setting is a ConfigurationError before the database is touched.
    factory = SqlAlchemyUnitOfWorkFactory.from_url(
        database_url, sqlite_synchronous=sqlite_synchronous
    )
    if migrate:
        upgrade(database_url)
    return factory
