"""Alembic migrations, shipped inside the package so an installed wheel can migrate.

`upgrade(url)` applies what is missing; it is what `boxoffice db upgrade` and bootstrap run.
To write the next migration from a change to tables.py:

    from alembic import command
    command.revision(alembic_config(url), message="...", autogenerate=True)
"""

from __future__ import annotations

import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
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


def upgrade(database_url: str) -> None:
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
            command.upgrade(config, "head")
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
