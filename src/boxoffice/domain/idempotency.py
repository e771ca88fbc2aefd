"""Safe retries: a request repeated with the same Idempotency-Key gets the first one's booking."""

from __future__ import annotations

from datetime import datetime, timedelta

from boxoffice.domain.errors import IdempotencyKeyReused
from boxoffice.domain.model import Booking, IdempotencyRecord
from boxoffice.domain.ports import UnitOfWork

# How long a key is remembered; after that it may be used afresh (and is overwritten lazily).
WINDOW = timedelta(hours=24)


def replay(
    uow: UnitOfWork, user_id: int, key: str | None, fingerprint: str, now: datetime
) -> Booking | None:
    """The booking an earlier request with this key produced, or None to go ahead.

    Called under the show's lock, so a concurrent twin has either committed (we replay it) or
    waits for us. A replay ends the unit of work's transaction with a commit: the caller
    acknowledges the booking again, and commit() returns once what it read is durable (the
    twin's own commit may still be on its way to disk).
    """
    if key is None:
        return None
    record = uow.idempotency_keys.get(user_id, key)
    if record is None or record.created_at <= now - WINDOW:
        return None
    if record.fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    earlier = uow.bookings.get(record.booking_id)
    if earlier is not None:
        uow.commit()  # only when the caller returns: going ahead needs the show's lock held
    return earlier


def remember(
    uow: UnitOfWork,
    user_id: int,
    key: str | None,
    fingerprint: str,
    booking: Booking,
    now: datetime,
) -> None:
    if key is not None:
        uow.idempotency_keys.put(IdempotencyRecord(user_id, key, fingerprint, booking.id, now))
