"""Persistence with SQLAlchemy Core on SQLite (the embedded default) and PostgreSQL.

    factory = SqlAlchemyUnitOfWorkFactory.from_url("sqlite:///boxoffice.db")

URLs: `sqlite:///path/to/file.db` or `postgresql+psycopg://user:password@host/database`
(`postgresql://` means psycopg too). The service and CLI, given no URL, use the SQLite file
`boxoffice.db` in the data directory: BOXOFFICE_DATA_DIR, else $XDG_DATA_HOME/boxoffice, else
~/.local/share/boxoffice.

Durability: an acknowledged commit survives a crash or a power cut (PostgreSQL's
synchronous_commit is left on; on SQLite, in WAL mode, commit() returns only after an fsync of
the WAL that began after its COMMIT, outside the write lock and shared by the writers that
commit meanwhile; others may read a commit a moment before it is on disk: wal_sync.py).
BOXOFFICE_SQLITE_SYNCHRONOUS=normal (Settings.sqlite_synchronous) trades that for faster SQLite
commits: a power cut, never a crash of the process, may then lose the last ones.

Statements are SQLAlchemy Core, compiled once per dialect and run on the driver's own cursor
(compiled.py): SQLAlchemy writes the SQL, converts the values and keeps the pool.

The schema is Alembic's business: `boxoffice.adapters.sqlalchemy.migrations.upgrade(url)`, which
`boxoffice db upgrade` and bootstrap run.
"""

from boxoffice.adapters.sqlalchemy.unit_of_work import (
    SqlAlchemyUnitOfWork,
    SqlAlchemyUnitOfWorkFactory,
)
from boxoffice.domain.errors import StorageError, StorageUnavailable

__all__ = [
    "SqlAlchemyUnitOfWork",
    "SqlAlchemyUnitOfWorkFactory",
    "StorageError",
    "StorageUnavailable",
]
