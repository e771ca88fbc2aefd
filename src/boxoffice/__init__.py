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
    SeatsUnavailable,
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
    Hold,
    HoldStatus,
    Movie,
    Role,
    Show,
    User,
)
from boxoffice.domain.paging import Page
from boxoffice.domain.rules import Limits
from boxoffice.domain.seating import SeatMap, SeatRow, SeatState
from boxoffice.domain.service import Boxoffice
from boxoffice.errors import ConfigurationError

__all__ = [
    "Actor",
    "AlreadyCancelled",
    "AlreadyHolding",
    "AuditAction",
    "AuditEvent",
    "Booking",
    "BookingStatus",
    "Boxoffice",
    "BoxofficeError",
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
    "SeatMap",
    "SeatRow",
    "SeatState",
    "SeatsUnavailable",
    "Show",
    "ShowSeats",
    "ShowStarted",
    "StorageError",
    "StorageUnavailable",
    "TooManyAttempts",
    "User",
    "ValidationError",
    "bootstrap",
]
