"""Driver exceptions become typed errors here, so none leaves the adapter."""

from __future__ import annotations

import sqlite3

from sqlalchemy import exc

from boxoffice.adapters.sqlalchemy.tables import (
    EMAIL_INDEX,
    IDEMPOTENCY_KEY,
    ONE_ACTIVE_HOLD,
    SCREEN_OVERLAP,
    SCREEN_WINDOW_EXCLUSION,
    TICKET_TYPE_CODE,
)
from boxoffice.domain.errors import (
    AlreadyHolding,
    BoxofficeError,
    EmailTaken,
    IdempotencyKeyInFlight,
    ScheduleConflict,
    StorageError,
    StorageUnavailable,
    TicketTypeTaken,
)

_PG_UNIQUE_VIOLATION = "23505"
_PG_FOREIGN_KEY_VIOLATION = "23503"
_PG_EXCLUSION_VIOLATION = "23P01"


class MissingReference(StorageError):
    """A foreign key names a row that does not exist."""

    def __init__(self) -> None:
        super().__init__("a referenced row does not exist")


class ScheduleGuardViolated(ScheduleConflict):
    """Two scheduled shows would overlap on one screen. The domain refuses these itself, under a
    lock, naming the shows in the way: reaching the database's guard means a bug let one
    through, and the change is refused all the same, without the names.
    """

    def __init__(self) -> None:
        super().__init__(())


class TicketTypeCodeTaken(TicketTypeTaken):
    """A cinema's second ticket type of one code. The unique index names no code: the
    repository adding the type raises TicketTypeTaken with its own."""

    def __init__(self) -> None:
        super().__init__("")


def translate(error: exc.SQLAlchemyError) -> BoxofficeError:
    """The typed error a SQLAlchemy or driver exception stands for."""
    if isinstance(error, exc.IntegrityError):
        return _integrity(error.orig)
    if isinstance(
        error,
        exc.OperationalError | exc.InterfaceError | exc.DisconnectionError | exc.TimeoutError,
    ):
        return StorageUnavailable(f"the database is unavailable: {_reason(error)}")
    return StorageError(f"the database failed: {_reason(error)}")


def _integrity(orig: BaseException | None) -> BoxofficeError:
    sqlstate = getattr(orig, "sqlstate", None)
    if isinstance(orig, sqlite3.IntegrityError):
        if orig.sqlite_errorname == "SQLITE_CONSTRAINT_FOREIGNKEY":
            return MissingReference()
        if orig.sqlite_errorname == "SQLITE_CONSTRAINT_UNIQUE" and EMAIL_INDEX in str(orig):
            return EmailTaken()
        if orig.sqlite_errorname == "SQLITE_CONSTRAINT_PRIMARYKEY" and "idempotency_keys" in str(
            orig
        ):
            return IdempotencyKeyInFlight()
        # The overlap triggers' RAISE(ABORT, ...) message (tables.SCREEN_OVERLAP_TRIGGERS).
        if orig.sqlite_errorname == "SQLITE_CONSTRAINT_TRIGGER" and str(orig) == SCREEN_OVERLAP:
            return ScheduleGuardViolated()
        # SQLite names a unique index's columns, not the index.
        if orig.sqlite_errorname == "SQLITE_CONSTRAINT_UNIQUE" and "holds.user_id" in str(orig):
            return AlreadyHolding()
        if orig.sqlite_errorname == "SQLITE_CONSTRAINT_UNIQUE" and "ticket_types.code" in str(orig):
            return TicketTypeCodeTaken()
    elif sqlstate == _PG_EXCLUSION_VIOLATION and _pg_constraint(orig) == SCREEN_WINDOW_EXCLUSION:
        return ScheduleGuardViolated()
    elif sqlstate == _PG_FOREIGN_KEY_VIOLATION:
        return MissingReference()
    elif sqlstate == _PG_UNIQUE_VIOLATION and _pg_constraint(orig) == EMAIL_INDEX:
        return EmailTaken()
    elif sqlstate == _PG_UNIQUE_VIOLATION and _pg_constraint(orig) == IDEMPOTENCY_KEY:
        return IdempotencyKeyInFlight()
    elif sqlstate == _PG_UNIQUE_VIOLATION and _pg_constraint(orig) == ONE_ACTIVE_HOLD:
        return AlreadyHolding()
    elif sqlstate == _PG_UNIQUE_VIOLATION and _pg_constraint(orig) == TICKET_TYPE_CODE:
        return TicketTypeCodeTaken()
    return StorageError(f"the database refused the change: {orig}")


def _pg_constraint(orig: BaseException | None) -> str | None:
    diag = getattr(orig, "diag", None)
    return getattr(diag, "constraint_name", None)


def _reason(error: exc.SQLAlchemyError) -> str:
    # The driver's own message, without SQLAlchemy's statement dump and help link.
    orig = getattr(error, "orig", None)
    return str(orig if orig is not None else error).strip().splitlines()[0]
