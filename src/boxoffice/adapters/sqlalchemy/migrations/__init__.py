"""Alembic migrations, shipped inside the package so an installed wheel can migrate.

`upgrade(url)` applies what is missing and says what it did; it is what `boxoffice db upgrade`
and bootstrap run.
To write the next migration from a change to tables.py:

    from alembic import command
    command.revision(alembic_config(url), message="...", autogenerate=True)
"""

from __future__ import annotations

import threading
from pathlib import Path

import attrs
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.util import CommandError
from sqlalchemy import Connection, text
from sqlalchemy.exc import SQLAlchemyError

from boxoffice.adapters.sqlalchemy.engine import create_engine
from boxoffice.adapters.sqlalchemy.errors import translate
from boxoffice.domain.errors import StorageError

SCRIPT_LOCATION = Path(__file__).parent
# Any constant will do: it names the lock concurrent PostgreSQL upgrades wait on.
_PG_MIGRATION_LOCK = 0x626F786F6666
# Alembic runs env.py through module-level proxies: one migration at a time per process.
_IN_PROCESS = threading.Lock()


def alembic_config(database_url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    if database_url is not None:
        # ConfigParser interpolation would read a % in a password as a reference.
        config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


@attrs.frozen
class SchemaChange:
    """What upgrade() did: the revision it found (None: no schema) and the one it left."""

    before: str | None
    after: str | None

    def __str__(self) -> str:
        if self.before is None:
            return f"created the database schema (revision {self.after})"
        if self.before != self.after:
            return f"upgraded the database schema from revision {self.before} to {self.after}"
        return f"the database schema is up to date (revision {self.after})"


def upgrade(database_url: str) -> SchemaChange:
    """Bring the schema up to date. Several processes may run this at once: one migrates while
    the others wait, then find nothing left to do.
    """
    engine = create_engine(database_url)
    try:
        # A write transaction: BEGIN IMMEDIATE on SQLite, the migration lock on PostgreSQL.
        with _IN_PROCESS, engine.begin() as connection:
            _serialize(connection)
            config = alembic_config()
            config.attributes["connection"] = connection
            before = MigrationContext.configure(connection).get_current_revision()
            command.upgrade(config, "head")
            after = MigrationContext.configure(connection).get_current_revision()
            return SchemaChange(before, after)
    except SQLAlchemyError as error:
        raise translate(error) from error
    except CommandError as error:
        # Typically a database migrated by a newer boxoffice than this one.
        raise StorageError(f"cannot migrate this database: {error}") from error
    finally:
        engine.dispose()


def _serialize(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
