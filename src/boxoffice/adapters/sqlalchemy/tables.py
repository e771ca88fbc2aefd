"""The schema as SQLAlchemy Core tables.

The database guards what the domain guards (checks, foreign keys, unique lower(email)), so a bug
above it cannot oversell or corrupt. Migrations create exactly this; a test compares the two.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    TypeDecorator,
    func,
)
from sqlalchemy.dialects.postgresql import ExcludeConstraint

# SQLite makes only INTEGER PRIMARY KEY an alias of its auto-assigned rowid.
Id = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out.

    PostgreSQL stores timestamptz. SQLite has no time zones, so it stores naive UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        # Statements take bind_processor below; SQLAlchemy still calls this one to render an
        # instant into literal SQL.
        if value is None or dialect.name != "sqlite":
            return value
        return value.astimezone(UTC).replace(tzinfo=None)

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        # Replaces the generic path (process_bind_param, then the dialect's own formatting),
        # as result_processor does below; the text is the same, and must be: SQLite compares
        # these instants as strings.
        return _sqlite_text if dialect.name == "sqlite" else None

    def result_processor(
        self, dialect: Dialect, coltype: object
    ) -> Callable[[Any], datetime | None] | None:
        # Replaces the generic path (the driver's value, then process_result_value), which
        # cost about a microsecond a value: a tenth of a page of 100 shows.
        return _sqlite_utc if dialect.name == "sqlite" else _aware_utc


def _aware_utc(value: datetime | None) -> datetime | None:
    # Our PostgreSQL sessions run in UTC (engine.py): then there is nothing to convert.
    if value is None or value.tzinfo is UTC:
        return value
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _sqlite_text(value: datetime | None) -> str | None:
    # SQLAlchemy's SQLite DATETIME format: "YYYY-MM-DD HH:MM:SS.ffffff", naive UTC.
    if value is None:
        return None
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(" ", "microseconds")


def _sqlite_utc(text: str | None) -> datetime | None:
    # Instants are stored as "YYYY-MM-DD HH:MM:SS.ffffff", naive UTC (_sqlite_text).
    return None if text is None else datetime.fromisoformat(text + "+00:00")


metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

users = Table(
    "users",
    metadata,
    Column("id", Id, primary_key=True),
    Column("name", Text, nullable=False),
    Column("email", Text, nullable=False),
    # Named as in the schema boxoffice stays compatible with; it holds the hash, never the
    # password.
    Column("password", Text, nullable=False),
    Column("role", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    CheckConstraint("role IN ('user', 'owner')", name="role"),
)
# Emails are unique whatever their case; the index also serves log-in's lookup.
EMAIL_INDEX = "uq_users_email_lower"
Index(EMAIL_INDEX, func.lower(users.c.email), unique=True)

movies = Table(
    "movies",
    metadata,
    Column("id", Id, primary_key=True),
    Column("title", Text, nullable=False),
    Column("genre", Text, nullable=False),
    Column("duration", Integer, nullable=False),
    # NULL for movies added before movies had owners: nobody knows whose they are.
    Column("owner_id", Id, ForeignKey("users.id"), nullable=True),
    CheckConstraint("duration > 0", name="duration_positive"),
)

cinemas = Table(
    "cinemas",
    metadata,
    Column("id", Id, primary_key=True),
    Column("owner_id", Id, ForeignKey("users.id"), nullable=False),
    Column("name", Text, nullable=False),
    # An IANA name, such as "Europe/Paris": where the cinema's local times are read.
    Column("time_zone", Text, nullable=False),
    # Minutes a screen stays closed after a show ends, for cleaning.
    Column("gap_minutes", Integer, nullable=False),
    # ISO 4217: the cinema's amounts are integers of this currency's minor units. 'XXX' ("no
    # currency") for cinemas from before prices.
    Column("currency", Text, nullable=False),
    # Users cancel until this many minutes before a show, paying cancel_fee a ticket.
    Column("cancel_until_minutes", Integer, nullable=False, server_default="0"),
    Column("cancel_fee", Integer, nullable=False, server_default="0"),
    CheckConstraint("gap_minutes BETWEEN 0 AND 240", name="gap_minutes_range"),
    CheckConstraint("cancel_until_minutes >= 0", name="cancel_until_minutes_non_negative"),
    CheckConstraint("cancel_fee >= 0", name="cancel_fee_non_negative"),
    # An owner's cinemas, page by page.
    Index("ix_cinemas_owner_id_id", "owner_id", "id"),
)

ticket_types = Table(
    "ticket_types",
    metadata,
    Column("id", Id, primary_key=True),
    Column("cinema_id", Id, ForeignKey("cinemas.id"), nullable=False),
    Column("code", Text, nullable=False),
    Column("name", Text, nullable=False),
    # A cinema's types in the order they were added: the first is its default.
    Index("ix_ticket_types_cinema_id_id", "cinema_id", "id"),
)
# One type of a code per cinema; errors.py turns a duplicate into TicketTypeTaken.
TICKET_TYPE_CODE = "uq_ticket_types_cinema_id_code"
Index(TICKET_TYPE_CODE, ticket_types.c.cinema_id, ticket_types.c.code, unique=True)

screens = Table(
    "screens",
    metadata,
    Column("id", Id, primary_key=True),
    Column("cinema_id", Id, ForeignKey("cinemas.id"), nullable=False),
    Column("name", Text, nullable=False),
    # The screen's seat map as JSON, as the adapter writes it; NULL for a general-admission
    # hall, which has only a capacity.
    Column("layout", Text, nullable=True),
    Column("capacity", Integer, nullable=False),
    CheckConstraint("capacity > 0", name="capacity_positive"),
    # A cinema's screens, page by page.
    Index("ix_screens_cinema_id_id", "cinema_id", "id"),
)

shows = Table(
    "shows",
    metadata,
    Column("id", Id, primary_key=True),
    Column("movie_id", Id, ForeignKey("movies.id"), nullable=False),
    Column("timing", UtcDateTime, nullable=False),
    Column("capacity", Integer, nullable=False),
    Column("available_seats", Integer, nullable=False),
    Column("owner_id", Id, ForeignKey("users.id"), nullable=False),
    # A seated show's map as JSON, and one code per seat of it (see domain.seating); both NULL
    # for general admission. Added by a migration, so SQLite keeps them unchecked.
    Column("seat_map", Text, nullable=True),
    Column("seat_codes", Text, nullable=True),
    Column("held_seats", Integer, nullable=False, server_default="0"),
    Column("status", Text, nullable=False, server_default="scheduled"),
    # Both NULL for a show on no screen, as every show from before migration 0006 is.
    Column("screen_id", Id, ForeignKey("screens.id"), nullable=True),
    Column("cinema_id", Id, ForeignKey("cinemas.id"), nullable=True),
    # timing plus the movie's duration. The migration adds it to SQLite with a default of ''
    # (SQLite adds a NOT NULL column only with a default); the adapter always writes it.
    Column("ends_at", UtcDateTime, nullable=False),
    # ends_at plus the cinema's cleaning gap: the screen is taken over [timing, occupied_until).
    Column("occupied_until", UtcDateTime, nullable=True),
    # The cinema's currency (NULL for a show in none), and the price list as JSON, a list of
    # {ticket_type, zone, amount}; NULL when the show has no prices and sells at 0.
    Column("currency", Text, nullable=True),
    Column("prices", Text, nullable=True),
    # Live waiting-list entries (waiting or offered): the inventory reads the list only when
    # there are some.
    Column("waitlisted", Integer, nullable=False, server_default="0"),
    CheckConstraint("capacity > 0", name="capacity_positive"),
    CheckConstraint("waitlisted >= 0", name="waitlisted_non_negative"),
    CheckConstraint(
        "available_seats >= 0 AND available_seats <= capacity", name="available_within_capacity"
    ),
    CheckConstraint("status IN ('scheduled', 'cancelled')", name="status"),
    CheckConstraint(
        "(screen_id IS NULL) = (occupied_until IS NULL)", name="occupied_iff_on_screen"
    ),
    # Shows of one movie, page by page.
    Index("ix_shows_movie_id_id", "movie_id", "id"),
    Index("ix_shows_owner_id", "owner_id"),
    # Shows of a cinema, of a screen, and of everywhere, by time; the screen's also serves the
    # overlap guard's search.
    Index("ix_shows_cinema_id_timing_id", "cinema_id", "timing", "id"),
    Index("ix_shows_screen_id_timing_id", "screen_id", "timing", "id"),
    Index("ix_shows_timing_id", "timing", "id"),
)
# No two scheduled shows on one screen overlap: the domain decides this under a lock, and the
# database refuses what slips past it. PostgreSQL has this exclusion constraint (btree_gist
# gives bigint's = to GiST; '[)' lets one show begin as the previous one's window ends). SQLite
# has none: the migration creates triggers that raise SCREEN_OVERLAP instead. errors.py turns
# either into ScheduleGuardViolated.
SCREEN_WINDOW_EXCLUSION = "ex_shows_screen_id_window"
SCREEN_OVERLAP = "shows_overlap_on_screen"
SCREEN_OVERLAP_TRIGGERS = ("shows_no_overlap_on_insert", "shows_no_overlap_on_update")
shows.append_constraint(
    ExcludeConstraint(
        (shows.c.screen_id, "="),
        (func.tstzrange(shows.c.timing, shows.c.occupied_until, "[)"), "&&"),
        name=SCREEN_WINDOW_EXCLUSION,
        using="gist",
        where="status = 'scheduled' AND screen_id IS NOT NULL",
    )
)

bookings = Table(
    "bookings",
    metadata,
    Column("id", Id, primary_key=True),
    Column("user_id", Id, ForeignKey("users.id"), nullable=False),
    Column("show_id", Id, ForeignKey("shows.id"), nullable=False),
    Column("num_seats", Integer, nullable=False),
    Column("status", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("cancelled_at", UtcDateTime, nullable=True),
    # The seats of a seated show's booking, comma-separated in map order; NULL otherwise.
    Column("seats", Text, nullable=True),
    # Why a cancelled booking was cancelled; NULL while active.
    Column("cancel_reason", Text, nullable=True),
    # The show's currency when booked; what a cancellation gave back (0 while active).
    Column("currency", Text, nullable=True),
    Column("refund", Integer, nullable=False, server_default="0"),
    # The random key its tickets' codes are made of (domain/ticket_codes.py); NULL for a booking
    # made before keys, whose codes are in its lines and in ticket_codes.
    Column("ticket_key", Text, nullable=True),
    # Its tickets in seat order, a JSON array of [zone, ticket_type, amount] (and the code, for
    # a booking without a key): a booking's tickets are part of its row.
    Column("lines", Text, nullable=False, server_default="[]"),
    CheckConstraint("num_seats > 0", name="num_seats_positive"),
    CheckConstraint("status IN ('active', 'cancelled')", name="status"),
    CheckConstraint("refund >= 0", name="refund_non_negative"),
    CheckConstraint("cancel_reason IN ('by_user', 'show_cancelled')", name="cancel_reason"),
    CheckConstraint(
        "(status = 'active' AND cancelled_at IS NULL)"
        " OR (status = 'cancelled' AND cancelled_at IS NOT NULL)",
        name="cancelled_at_iff_cancelled",
    ),
    # A user's bookings, page by page; a show's bookings (foreign key checks, audits).
    Index("ix_bookings_user_id_id", "user_id", "id"),
    Index("ix_bookings_show_id", "show_id"),
    # A ticket is found by its code's key.
    Index("uq_bookings_ticket_key", "ticket_key", unique=True),
)

holds = Table(
    "holds",
    metadata,
    Column("id", Id, primary_key=True),
    Column("user_id", Id, ForeignKey("users.id"), nullable=False),
    Column("show_id", Id, ForeignKey("shows.id"), nullable=False),
    Column("num_seats", Integer, nullable=False),
    Column("status", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    # As bookings.seats.
    Column("seats", Text, nullable=True),
    Column("booking_id", Id, ForeignKey("bookings.id"), nullable=True),
    # The ticket type of each seat, comma-separated in seat order; NULL when none was asked for.
    Column("ticket_types", Text, nullable=True),
    CheckConstraint("num_seats > 0", name="num_seats_positive"),
    CheckConstraint("status IN ('active', 'confirmed', 'released', 'expired')", name="status"),
    CheckConstraint(
        "(status = 'confirmed') = (booking_id IS NOT NULL)", name="booking_iff_confirmed"
    ),
)
# One active hold per user and show; and a show's active holds by expiry, for the sweep.
ONE_ACTIVE_HOLD = "uq_holds_user_id_show_id_active"
Index(
    ONE_ACTIVE_HOLD,
    holds.c.user_id,
    holds.c.show_id,
    unique=True,
    sqlite_where=holds.c.status == "active",
    postgresql_where=holds.c.status == "active",
)
Index(
    "ix_holds_show_id_expires_at_active",
    holds.c.show_id,
    holds.c.expires_at,
    sqlite_where=holds.c.status == "active",
    postgresql_where=holds.c.status == "active",
)

# Shows with a waiting list, for the sweep that settles their lapsed offers.
Index(
    "ix_shows_id_waitlisted",
    shows.c.id,
    sqlite_where=shows.c.waitlisted > 0,
    postgresql_where=shows.c.waitlisted > 0,
)

# A user waiting for seats of a sold-out show, served in join order (created_at, then id).
waitlist_entries = Table(
    "waitlist_entries",
    metadata,
    Column("id", Id, primary_key=True),
    Column("show_id", Id, ForeignKey("shows.id"), nullable=False),
    Column("user_id", Id, ForeignKey("users.id"), nullable=False),
    Column("num_seats", Integer, nullable=False),
    Column("status", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    # The offer: the hold keeping its seats and when it lapses; kept once the entry ends.
    Column("hold_id", Id, ForeignKey("holds.id"), nullable=True),
    Column("expires_at", UtcDateTime, nullable=True),
    Column("updated_at", UtcDateTime, nullable=True),
    CheckConstraint("num_seats > 0", name="num_seats_positive"),
    CheckConstraint("status IN ('waiting', 'offered', 'booked', 'expired', 'left')", name="status"),
    CheckConstraint(
        "status <> 'offered' OR (hold_id IS NOT NULL AND expires_at IS NOT NULL)",
        name="offer_has_hold",
    ),
    # A user's entries and a show's, page by page.
    Index("ix_waitlist_entries_user_id_id", "user_id", "id"),
    Index("ix_waitlist_entries_show_id_id", "show_id", "id"),
)
_LIVE_ENTRY = waitlist_entries.c.status.in_(("waiting", "offered"))
# One live entry per user and show; and a show's live entries in join order.
ONE_LIVE_ENTRY = "uq_waitlist_entries_user_id_show_id_live"
Index(
    ONE_LIVE_ENTRY,
    waitlist_entries.c.user_id,
    waitlist_entries.c.show_id,
    unique=True,
    sqlite_where=_LIVE_ENTRY,
    postgresql_where=_LIVE_ENTRY,
)
Index(
    "ix_waitlist_entries_show_id_created_at_id_live",
    waitlist_entries.c.show_id,
    waitlist_entries.c.created_at,
    waitlist_entries.c.id,
    sqlite_where=_LIVE_ENTRY,
    postgresql_where=_LIVE_ENTRY,
)

# Named leases: one holder at a time across processes (the service's waiting-list sweeper).
leases = Table(
    "leases",
    metadata,
    Column("name", Text, primary_key=True),
    Column("holder", Text, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
)

# A ticket let in at the door, by its booking and its place among the booking's tickets. Without
# SQLite's rowid: the key is all there is. Whether a ticket is valid or cancelled is its booking's
# status, so only check-ins are written.
checkins = Table(
    "checkins",
    metadata,
    Column("booking_id", Id, ForeignKey("bookings.id"), primary_key=True),
    Column("place", Integer, primary_key=True),
    Column("checked_in_at", UtcDateTime, nullable=False),
    sqlite_with_rowid=False,
)

# The codes of tickets sold before bookings had keys: random codes of their own, kept valid.
ticket_codes = Table(
    "ticket_codes",
    metadata,
    Column("code", Text, primary_key=True),
    Column("booking_id", Id, ForeignKey("bookings.id"), nullable=False),
    Column("place", Integer, nullable=False),
    sqlite_with_rowid=False,
)

# One row per (user, key): the request's fingerprint and the booking it produced. Rows older
# than the domain's window are overwritten when the key is used again.
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("user_id", Id, ForeignKey("users.id"), primary_key=True),
    Column("key", Text, primary_key=True),
    Column("fingerprint", Text, nullable=False),
    Column("booking_id", Id, ForeignKey("bookings.id"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)
IDEMPOTENCY_KEY = "pk_idempotency_keys"

# One row per failed log-in of a subject ("account:<email>" or "client:<address>"), kept for
# the throttle's window and pruned when the subject fails again or succeeds.
login_failures = Table(
    "login_failures",
    metadata,
    Column("id", Id, primary_key=True),
    Column("subject", Text, nullable=False),
    Column("failed_at", UtcDateTime, nullable=False),
    Index("ix_login_failures_subject_failed_at", "subject", "failed_at"),
    # Pruning everyone's expired failures.
    Index("ix_login_failures_failed_at", "failed_at"),
)

# The audit trail, append-only. No foreign keys: a record must outlive whatever it names, and
# a log-in that failed for an unknown email has no user. No CHECK on action either: new kinds of
# event should not need a migration that copies this ever-growing table on SQLite.
audit_events = Table(
    "audit_events",
    metadata,
    Column("id", Id, primary_key=True),
    Column("occurred_at", UtcDateTime, nullable=False),
    Column("action", Text, nullable=False),
    Column("actor_id", Id, nullable=True),
    Column("target", Text, nullable=False),
    Column("client", Text, nullable=True),
    Column("show_id", Id, nullable=True),
    Column("num_seats", Integer, nullable=True),
)

# A cinema's endpoints for the events of its shows. The secret signs deliveries: never logged.
webhooks = Table(
    "webhooks",
    metadata,
    Column("id", Id, primary_key=True),
    Column("cinema_id", Id, ForeignKey("cinemas.id"), nullable=False),
    Column("url", Text, nullable=False),
    # The event types it subscribes to, comma-separated, or "*" for all.
    Column("events", Text, nullable=False),
    Column("secret", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    # A cinema's webhooks: page by page, and the look each event of its shows takes.
    Index("ix_webhooks_cinema_id_id", "cinema_id", "id"),
)

# The outbox: one row per event and subscribing webhook still to be delivered, written in the
# transaction of the change it reports, with the body as it is delivered. No index but its key:
# on SQLite each index is one more page written by every booking's commit. Few rows at a time:
# a delivery leaves for webhook_deliveries once delivered or failed, under the same id.
webhook_outbox = Table(
    "webhook_outbox",
    metadata,
    Column("id", Id, primary_key=True),
    Column("webhook_id", Id, ForeignKey("webhooks.id"), nullable=False),
    Column("event_id", Text, nullable=False),
    Column("event_type", Text, nullable=False),
    # No foreign key, as in the audit trail: the show is named, not guarded.
    Column("show_id", Id, nullable=True),
    Column("body", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_status", Integer, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    CheckConstraint("attempts >= 0", name="attempts_non_negative"),
)

# Deliveries done with: delivered, or failed after a day of retries. Their bodies are not kept.
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    # Its id in the outbox.
    Column("id", Id, primary_key=True, autoincrement=False),
    Column("webhook_id", Id, ForeignKey("webhooks.id"), nullable=False),
    Column("event_id", Text, nullable=False),
    Column("event_type", Text, nullable=False),
    Column("show_id", Id, nullable=True),
    Column("attempts", Integer, nullable=False),
    Column("status", Text, nullable=False),
    Column("last_status", Integer, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    CheckConstraint("attempts >= 0", name="attempts_non_negative"),
    CheckConstraint("status IN ('delivered', 'failed')", name="status"),
    # A webhook's deliveries, page by page.
    Index("ix_webhook_deliveries_webhook_id_id", "webhook_id", "id"),
)
