"""Persistence with SQLAlchemy Core on SQLite (the embedded default) and PostgreSQL.

    factory = SqlAlchemyUnitOfWorkFactory.from_url("sqlite:///boxoffice.db")

The schema is Alembic's business: `boxoffice.adapters.sqlalchemy.migrations.upgrade(url)`.
"""

from boxoffice.adapters.sqlalchemy.errors import StorageError, StorageUnavailable
from boxoffice.adapters.sqlalchemy.unit_of_work import (
    SqlAlchemyUnitOfWork,
    SqlAlchemyUnitOfWorkFactory,
)

__all__ = [
    "SqlAlchemyUnitOfWork",
    "SqlAlchemyUnitOfWorkFactory",
    "StorageError",
    "StorageUnavailable",
]
