"""Ports: what the use cases need from the world, as typing.Protocols named by role.

Adapters need not inherit from these; mypy checks conformance where bootstrap wires them.
Repository attributes are read-only properties because a Protocol attribute is invariant.
"""

from __future__ import annotations

from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from boxoffice.domain.model import (
    AuditEvent,
    Booking,
    Hold,
    IdempotencyRecord,
    Movie,
    Show,
    User,
)


class UserRepository(Protocol):
    def add(self, user: User) -> User:
        """Store a new user and return it with its id. Raises EmailTaken on a duplicate."""

    def get(self, user_id: int) -> User | None: ...

    def get_by_email(self, email: str) -> User | None:
        """Case-insensitive lookup."""


class MovieRepository(Protocol):
    def add(self, movie: Movie) -> Movie: ...

    def get(self, movie_id: int) -> Movie | None: ...

    def list(self, *, after: int | None, limit: int) -> list[Movie]:
        """Movies with id > after, in id order, at most limit."""


class ShowRepository(Protocol):
    def add(self, show: Show, *, seat_codes: str | None = None) -> Show:
        """Store a new show; a seated one with its chart's initial seat codes."""

    def get(self, show_id: int) -> Show | None: ...

    def get_for_update(self, show_id: int) -> Show | None:
        """Read the show and hold it locked until the unit of work ends."""

    def save(self, show: Show) -> None:
        """Persist a show read with get_for_update in this unit of work."""

    def list(self, *, movie_id: int | None, after: int | None, limit: int) -> list[Show]: ...

    def get_with_seat_codes(self, show_id: int) -> tuple[Show, str | None] | None:
        """The show and its stored chart in one read (None for general admission)."""

    def get_seat_codes(self, show_id: int) -> str | None:
        """A seated show's chart as stored (one code per seat); None for general admission."""

    def save_seat_codes(self, show_id: int, codes: str) -> None:
        """Persist the chart of a show read with get_for_update in this unit of work."""


class HoldRepository(Protocol):
    def add(self, hold: Hold) -> Hold:
        """Store a new hold. Raises AlreadyHolding if the user has an active one on the show."""

    def get(self, hold_id: int) -> Hold | None: ...

    def save(self, hold: Hold) -> None: ...

    def active_for(self, user_id: int, show_id: int) -> Hold | None:
        """The user's hold on the show with status active, expired or not."""

    def lapsed(self, show_id: int, now: datetime) -> list[Hold]:
        """The show's holds still marked active whose time ran out by `now`."""

    def lapsed_seat_counts(self, show_ids: list[int], now: datetime) -> dict[int, int]:
        """Per show, the seats of its holds still marked active whose time ran out by `now`
        (shows without any are left out).
        """


class BookingRepository(Protocol):
    def add(self, booking: Booking) -> Booking: ...

    def get(self, booking_id: int) -> Booking | None: ...

    def save(self, booking: Booking) -> None: ...

    def list_for_user(self, user_id: int, *, after: int | None, limit: int) -> list[Booking]: ...

    def list_for_show(self, show_id: int, *, after: int | None, limit: int) -> list[Booking]: ...


class IdempotencyRepository(Protocol):
    def get(self, user_id: int, key: str) -> IdempotencyRecord | None: ...

    def put(self, record: IdempotencyRecord) -> None:
        """Store the record, replacing the one under the same key (an expired one).

        Raises IdempotencyKeyInFlight when another unit of work is storing the same key.
        """


class LoginAttemptRepository(Protocol):
    def failures_since(self, subject: str, since: datetime) -> list[datetime]:
        """When the subject's log-ins failed after `since`, oldest first."""

    def add_failure(self, subject: str, at: datetime) -> None: ...

    def forget(self, subject: str, *, before: datetime | None = None) -> None:
        """Drop the subject's failures: all of them, or those before `before`."""

    def forget_everyone_before(self, before: datetime) -> None:
        """Drop every subject's failures older than `before`: nothing outlives its window."""


class AuditLog(Protocol):
    """Append-only: events are added in the transaction of what they record, never changed."""

    def add(self, event: AuditEvent) -> AuditEvent:
        """Store the event and return it with its id."""

    def list(self, *, after: int | None, limit: int) -> list[AuditEvent]:
        """Events with id > after, in id order, at most limit."""


class UnitOfWork(Protocol):
    """One transaction. Leaving the block without commit() rolls back."""

    @property
    def users(self) -> UserRepository: ...

    @property
    def movies(self) -> MovieRepository: ...

    @property
    def shows(self) -> ShowRepository: ...

    @property
    def bookings(self) -> BookingRepository: ...

    @property
    def holds(self) -> HoldRepository: ...

    @property
    def idempotency_keys(self) -> IdempotencyRepository: ...

    @property
    def login_attempts(self) -> LoginAttemptRepository: ...

    @property
    def audit(self) -> AuditLog: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    """A fresh unit of work per call; never share one between calls or threads.

    read_only=True promises no writes, so an adapter may skip write locks.
    """

    def __call__(self, *, read_only: bool = False) -> UnitOfWork: ...


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, password: str, password_hash: str) -> bool: ...


class TokenService(Protocol):
    def issue(self, user_id: int) -> str: ...

    def subject(self, token: str) -> int:
        """The user id a valid token names. Raises InvalidToken otherwise."""


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware."""
