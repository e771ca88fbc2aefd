"""Input rules shared by the use cases. Library callers may pass anything, so types are checked."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import attrs

from boxoffice.domain.errors import ValidationError
from boxoffice.domain.model import Role

MIN_PASSWORD_CHARS = 8
# bcrypt reads only 72 bytes; a longer password would be silently truncated, so it is refused.
MAX_PASSWORD_BYTES = 72
MAX_NAME_CHARS = 100
MAX_EMAIL_CHARS = 254
MAX_TITLE_CHARS = 200
MAX_GENRE_CHARS = 50
MAX_DURATION_MINUTES = 24 * 60
# Deliberately simple: one @, no spaces, a dot in the domain. Deliverability is not our business.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@attrs.frozen
class Limits:
    """Configurable bounds of the booking rules."""

    max_seats_per_booking: int = 10
    max_show_capacity: int = 100_000
    default_page_size: int = 100
    max_page_size: int = 500
    # Failed log-ins allowed per window, per account and per client address.
    login_failures_per_account: int = 10
    login_failures_per_client: int = 50
    login_window_seconds: int = 15 * 60
    # How long held seats wait for their holder to confirm.
    hold_ttl_seconds: int = 600
    # How long before a show its doors open: tickets are let in from then.
    doors_open_minutes: int = 60
    # How long an offer to a waiting-list entry keeps its seats for the entry's user.
    waitlist_offer_seconds: int = 1800
    # Webhook endpoints on loopback, private or link-local addresses: refused unless allowed
    # (tests, a receiver on the premises).
    webhooks_allow_private: bool = False
    # The first retry of a failed delivery waits about this long; each next one twice as long.
    webhook_first_retry_seconds: float = 1.0


def require_int(field: str, value: Any, *, low: int, high: int) -> int:
    # bool is an int subclass; True seats is a bug, not a number.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(field, "must be an integer")
    if not low <= value <= high:
        raise ValidationError(field, f"must be between {low} and {high}")
    return value


def is_storable(value: str) -> bool:
    """NUL fits no SQL text column, and a lone surrogate is not Unicode: both are refused here,
    once, rather than failing later in an adapter.
    """
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _require_storable(field: str, value: str) -> None:
    if not is_storable(value):
        raise ValidationError(field, "must be Unicode text without NUL characters")


def require_text(field: str, value: Any, *, max_chars: int) -> str:
    if not isinstance(value, str):
        raise ValidationError(field, "must be a string")
    _require_storable(field, value)
    text = value.strip()
    if not text:
        raise ValidationError(field, "must not be blank")
    if len(text) > max_chars:
        raise ValidationError(field, f"must be at most {max_chars} characters")
    return text


def require_email(value: Any) -> str:
    email = require_text("email", value, max_chars=MAX_EMAIL_CHARS)
    if not _EMAIL.match(email):
        raise ValidationError("email", "is not a valid email address")
    return normalize_email(email)


def normalize_email(email: str) -> str:
    """Emails are unique regardless of case; storing them lower-cased makes every adapter agree
    (SQLite's lower() folds only ASCII, so the database must not be the one to fold).
    """
    return email.strip().lower()


def require_password(value: Any) -> str:
    if not isinstance(value, str):
        raise ValidationError("password", "must be a string")
    _require_storable("password", value)
    if len(value) < MIN_PASSWORD_CHARS:
        raise ValidationError("password", f"must be at least {MIN_PASSWORD_CHARS} characters")
    if len(value.encode("utf-8")) > MAX_PASSWORD_BYTES:
        raise ValidationError("password", f"must be at most {MAX_PASSWORD_BYTES} bytes in UTF-8")
    return value


def require_role(value: Any) -> Role:
    if isinstance(value, Role):
        return value
    if isinstance(value, str) and value in Role._value2member_map_:
        return Role(value)
    raise ValidationError("role", "must be 'user' or 'owner'")


def require_aware_datetime(field: str, value: Any) -> datetime:
    if not isinstance(value, datetime):
        raise ValidationError(field, "must be a datetime")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(field, "must include a timezone")
    try:
        # The calendar's first and last hours with an offset that takes them past its ends.
        value.astimezone(UTC)
    except OverflowError:
        raise ValidationError(field, "is outside the calendar in UTC") from None
    return value


def require_day(field: str, value: Any) -> date:
    # A datetime is a date too, but a day with a time of day is not what is asked for.
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ValidationError(field, "must be a date")
    return value


def require_page(limits: Limits, after: Any, limit: Any) -> tuple[int | None, int]:
    page_size = (
        limits.default_page_size
        if limit is None
        else require_int("limit", limit, low=1, high=limits.max_page_size)
    )
    cursor = None if after is None else require_int("after", after, low=0, high=2**63 - 1)
    return cursor, page_size


def require_id(field: str, value: Any) -> int:
    return require_int(field, value, low=1, high=2**63 - 1)


MAX_IDEMPOTENCY_KEY_CHARS = 255


def require_idempotency_key(value: Any) -> str | None:
    """None (no key), or 1 to 255 visible ASCII characters, as HTTP header values allow."""
    if value is None:
        return None
    if (
        not isinstance(value, str)
        or not 1 <= len(value) <= MAX_IDEMPOTENCY_KEY_CHARS
        or not all("!" <= char <= "~" for char in value)
    ):
        raise ValidationError(
            "idempotency_key",
            f"must be 1 to {MAX_IDEMPOTENCY_KEY_CHARS} visible ASCII characters",
        )
    return value


MAX_CLIENT_CHARS = 100


def require_client(value: Any) -> str | None:
    """Who is on the other end (an address), when the caller knows; None when not."""
    if value is None:
        return None
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_CLIENT_CHARS:
        raise ValidationError("client", f"must be text of 1 to {MAX_CLIENT_CHARS} characters")
    _require_storable("client", value)
    return value
