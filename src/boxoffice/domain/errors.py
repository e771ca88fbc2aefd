"""Typed domain errors. They name a condition, never an HTTP status."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time

import attrs


class BoxofficeError(Exception):
    """Base of every error the booking core raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationError(BoxofficeError):
    """An input broke a rule of its own (type, range, format)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class NotAnActor(ValidationError, TypeError):
    """Something other than an Actor was passed where a use case needs one: a programming
    error of the library's caller, not a request the actor's role forbids."""

    def __init__(self, value: object) -> None:
        super().__init__(
            "actor",
            f"must be an Actor (from Boxoffice.authenticate or Boxoffice.actor_for), "
            f"not {type(value).__name__}",
        )


class EmailTaken(BoxofficeError):
    def __init__(self) -> None:
        super().__init__("an account with this email already exists")


class InvalidCredentials(BoxofficeError):
    # One message for unknown email and wrong password, so neither is revealed.
    def __init__(self) -> None:
        super().__init__("email or password is incorrect")


class InvalidToken(BoxofficeError):
    def __init__(self, reason: str = "token is invalid or expired") -> None:
        super().__init__(reason)


class Forbidden(BoxofficeError):
    """The actor is known but its role may not do this."""


class NotFound(BoxofficeError):
    def __init__(self, kind: str, ident: object) -> None:
        super().__init__(f"{kind} {ident} not found")
        self.kind = kind
        self.ident = ident


class NotEnoughSeats(BoxofficeError):
    def __init__(self, requested: int, available: int) -> None:
        super().__init__(f"requested {requested} seats but only {available} are available")
        self.requested = requested
        self.available = available


class SeatsUnavailable(BoxofficeError):
    """Some of the chosen seats are held, booked or blocked; nothing was taken."""

    def __init__(self, seats: list[str]) -> None:
        super().__init__(f"these seats are not free: {', '.join(seats)}")
        self.seats = seats


class AlreadyHolding(BoxofficeError):
    """A user holds at most one set of seats per show at a time."""

    def __init__(self, hold_id: int | None = None) -> None:
        which = "" if hold_id is None else f" (hold {hold_id})"
        super().__init__(f"you already hold seats for this show{which}")
        self.hold_id = hold_id


class HoldNotActive(BoxofficeError):
    """The hold was confirmed, released or has expired: it holds nothing any more."""

    def __init__(self, status: str) -> None:
        super().__init__(f"the hold is {status}")
        self.status = status


class ShowStarted(BoxofficeError):
    """The show has begun: it can no longer be booked or cancelled."""

    def __init__(self) -> None:
        super().__init__("the show has already started")


class AlreadyCancelled(BoxofficeError):
    def __init__(self) -> None:
        super().__init__("the booking is already cancelled")


class TooManyAttempts(BoxofficeError):
    """Log-ins failed too often for this account or client; try again after retry_after s."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed log-ins; try again in {retry_after} seconds")
        self.retry_after = retry_after


class IdempotencyKeyReused(BoxofficeError):
    def __init__(self) -> None:
        super().__init__("this Idempotency-Key was already used for a different request")


class IdempotencyKeyInFlight(BoxofficeError):
    def __init__(self) -> None:
        super().__init__("a request with this Idempotency-Key is in progress; retry shortly")


class StorageError(BoxofficeError):
    """Storage refused or failed an operation for a reason the domain does not name."""


class StorageUnavailable(StorageError):
    """Storage cannot be reached or used right now (down, restarting, locked too long)."""


class ShowCancelled(BoxofficeError):
    """The show was cancelled by its owner: nothing more is sold, held or changed."""

    def __init__(self) -> None:
        super().__init__("the show is cancelled")


@attrs.frozen
class Clash:
    """A show in the way of a schedule: `in_the_way` is the scheduled show whose window
    overlaps. For a series, the day and local time of the show that could not be scheduled;
    for a change of a movie's running time, `show_id` is its show that would overlap."""

    in_the_way: int
    day: date | None = None
    time: time | None = None
    show_id: int | None = None


class ScheduleConflict(BoxofficeError):
    """Scheduling, moving or lengthening would make shows overlap on a screen; nothing was
    changed. `conflicts` names every show in the way."""

    def __init__(self, conflicts: Sequence[Clash]) -> None:
        ids = ", ".join(str(i) for i in sorted({clash.in_the_way for clash in conflicts}))
        super().__init__("the screen is taken at that time" + (f" by show {ids}" if ids else ""))
        self.conflicts = tuple(conflicts)


class CapacityBelowSold(BoxofficeError):
    """A show cannot shrink below the seats already booked and held."""

    def __init__(self, taken: int) -> None:
        super().__init__(f"{taken} seats are booked or held: the capacity cannot go below that")
        self.taken = taken


class ShowEnded(BoxofficeError):
    """The show is over: it can no longer be cancelled."""

    def __init__(self) -> None:
        super().__init__("the show has already ended")


class TicketTypeTaken(BoxofficeError):
    def __init__(self, code: str) -> None:
        super().__init__(f"the cinema already has a ticket type {code!r}")
        self.code = code


class CancellationClosed(BoxofficeError):
    """Users may cancel only until the cinema's cut-off before the show."""

    def __init__(self, minutes: int) -> None:
        super().__init__(f"bookings can be cancelled until {minutes} minutes before the show")
        self.minutes = minutes


class CheckInRefused(BoxofficeError):
    """A ticket presented at the door is not let in. `result` says why: already_checked_in,
    wrong_show, cancelled, too_early, show_ended or not_checked_in (undoing a check-in)."""

    def __init__(self, result: str, message: str, checked_in_at: datetime | None = None) -> None:
        super().__init__(message)
        self.result = result
        self.checked_in_at = checked_in_at


class BookingCheckedIn(BoxofficeError):
    """A ticket of the booking was let in at the door: the booking is used."""

    def __init__(self) -> None:
        super().__init__("a ticket of this booking has been checked in: it cannot be cancelled")


class SeatsAvailable(BoxofficeError):
    """The show can give the seats asked for now: book them instead of waiting."""

    def __init__(self, requested: int, available: int) -> None:
        super().__init__("seats are available: book them")
        self.requested = requested
        self.available = available


class AlreadyWaiting(BoxofficeError):
    """A user has at most one live waiting-list entry per show."""

    def __init__(self, entry_id: int | None = None) -> None:
        which = "" if entry_id is None else f" (entry {entry_id})"
        super().__init__(f"you are already on this show's waiting list{which}")
        self.entry_id = entry_id
