"""boxoffice: sell cinema tickets without ever selling a seat twice.

import boxoffice
app = boxoffice.bootstrap()

Everything a caller receives or catches is importable from here.
"""

from boxoffice.bootstrap import bootstrap
from boxoffice.domain.catalog import ShowSeats
from boxoffice.domain.errors import (
    AlreadyCancelled,
    AlreadyHolding,
    BoxofficeError,
    CapacityBelowSold,
    Clash,
    EmailTaken,
    Forbidden,
    HoldNotActive,
    IdempotencyKeyInFlight,
    IdempotencyKeyReused,
    InvalidCredentials,
    InvalidToken,
    NotAnActor,
    NotEnoughSeats,
    NotFound,
    ScheduleConflict,
    SeatsUnavailable,
    ShowCancelled,
    ShowEnded,
    ShowStarted,
    StorageError,
    StorageUnavailable,
    TooManyAttempts,
    ValidationError,
)
from boxoffice.domain.model import (
    Actor,
    AuditAction,
    AuditEvent,
    Booking,
    BookingStatus,
    CancelReason,
    Cinema,
    Hold,
    HoldStatus,
    Movie,
    Role,
    Screen,
    Show,
    ShowStatus,
    User,
)
from boxoffice.domain.paging import Page
from boxoffice.domain.rules import Limits
from boxoffice.domain.seating import STANDARD_ZONE, SeatMap, SeatRow, SeatState
from boxoffice.domain.service import Boxoffice
from boxoffice.errors import ConfigurationError

__all__ = [
    "STANDARD_ZONE",
    "Actor",
    "AlreadyCancelled",
    "AlreadyHolding",
    "AuditAction",
    "AuditEvent",
    "Booking",
    "BookingStatus",
    "Boxoffice",
    "BoxofficeError",
    "CancelReason",
    "CapacityBelowSold",
    "Cinema",
    "Clash",
    "ConfigurationError",
    "EmailTaken",
    "Forbidden",
    "Hold",
    "HoldNotActive",
    "HoldStatus",
    "IdempotencyKeyInFlight",
    "IdempotencyKeyReused",
    "InvalidCredentials",
    "InvalidToken",
    "Limits",
    "Movie",
    "NotAnActor",
    "NotEnoughSeats",
    "NotFound",
    "Page",
    "Role",
    "ScheduleConflict",
    "Screen",
    "SeatMap",
    "SeatRow",
    "SeatState",
    "SeatsUnavailable",
    "Show",
    "ShowCancelled",
    "ShowEnded",
    "ShowSeats",
    "ShowStarted",
    "ShowStatus",
    "StorageError",
    "StorageUnavailable",
    "TooManyAttempts",
    "User",
    "ValidationError",
    "bootstrap",
]
