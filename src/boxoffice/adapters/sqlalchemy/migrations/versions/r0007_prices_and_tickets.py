"""Prices and tickets: cinemas' currencies and cancellation policies, ticket types, shows'
price lists, bookings' refunds, holds' ticket types, and one ticket per seat of every booking.

Existing rows keep their meaning: cinemas have no currency ('XXX', ISO 4217's "no currency")
and let users cancel until a show begins, free; shows have no prices; nothing was refunded.
Every existing booking gets its tickets, at 0, each with a fresh random code: codes are what
the door scans, so none is derived from an id.

Columns are added with ALTER TABLE ... ADD COLUMN, their constraints inline, as in 0006.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Iterator
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# Frozen copies of the types in tables.py, as in 0001.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)

# Bookings read, and their tickets inserted, a batch at a time: memory stays bounded and each
# batch's tickets go in one executemany.
_BATCH = 2000
_STANDARD_ZONE = "standard"

_BOOKINGS_AFTER = sa.text(
    "SELECT id, show_id, num_seats, status, seats FROM bookings"
    " WHERE id > :after ORDER BY id LIMIT :limit"
)
_SEAT_MAPS = sa.text("SELECT id, seat_map FROM shows WHERE id IN :ids").bindparams(
    sa.bindparam("ids", expanding=True)
)
_INSERT_TICKET = sa.text(
    "INSERT INTO tickets (code, booking_id, show_id, position, seat, zone, ticket_type, amount,"
    " status, checked_in_at) VALUES (:code, :booking_id, :show_id, :position, :seat, :zone,"
    " NULL, 0, :status, NULL)"
)
_SHOWS_CURRENCY = (
    "UPDATE shows SET currency = (SELECT currency FROM cinemas WHERE cinemas.id = shows.cinema_id)"
    " WHERE cinema_id IS NOT NULL"
)


def _add_column(table: str, definition: str) -> None:
    op.execute(f"ALTER TABLE {table} ADD COLUMN {definition}")


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    # The default fills existing rows; PostgreSQL then drops it, as tables.py has none. SQLite
    # cannot drop a default: the adapter always writes the currency.
    _add_column("cinemas", "currency TEXT NOT NULL DEFAULT 'XXX'")
    if postgres:
        op.execute("ALTER TABLE cinemas ALTER COLUMN currency DROP DEFAULT")
    _add_column(
        "cinemas",
        "cancel_until_minutes INTEGER NOT NULL DEFAULT 0"
        " CONSTRAINT ck_cinemas_cancel_until_minutes_non_negative"
        " CHECK (cancel_until_minutes >= 0)",
    )
    _add_column(
        "cinemas",
        "cancel_fee INTEGER NOT NULL DEFAULT 0"
        " CONSTRAINT ck_cinemas_cancel_fee_non_negative CHECK (cancel_fee >= 0)",
    )
    _create_ticket_types()

    _add_column("shows", "currency TEXT")
    _add_column("shows", "prices TEXT")
    op.execute(_SHOWS_CURRENCY)

    _add_column("bookings", "currency TEXT")
    _add_column(
        "bookings",
        "refund INTEGER NOT NULL DEFAULT 0"
        " CONSTRAINT ck_bookings_refund_non_negative CHECK (refund >= 0)",
    )
    _add_column("holds", "ticket_types TEXT")

    _create_tickets()
    _backfill_tickets(op.get_bind())


def _create_ticket_types() -> None:
    op.create_table(
        "ticket_types",
        sa.Column("id", ID, primary_key=True),
        sa.Column("cinema_id", ID, nullable=False),
        sa.Column("code", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ticket_types"),
        sa.ForeignKeyConstraint(
            ["cinema_id"], ["cinemas.id"], name="fk_ticket_types_cinema_id_cinemas"
        ),
    )
    op.create_index("ix_ticket_types_cinema_id_id", "ticket_types", ["cinema_id", "id"])
    op.create_index(
        "uq_ticket_types_cinema_id_code", "ticket_types", ["cinema_id", "code"], unique=True
    )


def _create_tickets() -> None:
    op.create_table(
        "tickets",
        sa.Column("booking_id", ID, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("code", sa.Text, nullable=False),
        sa.Column("show_id", ID, nullable=False),
        sa.Column("seat", sa.Text, nullable=True),
        sa.Column("zone", sa.Text, nullable=False),
        sa.Column("ticket_type", sa.Text, nullable=True),
        sa.Column("amount", sa.Integer, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("checked_in_at", TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("booking_id", "position", name="pk_tickets"),
        sa.UniqueConstraint("code", name="uq_tickets_code"),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name="fk_tickets_booking_id_bookings"
        ),
        sa.ForeignKeyConstraint(["show_id"], ["shows.id"], name="fk_tickets_show_id_shows"),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_tickets_amount_non_negative")),
        sa.CheckConstraint(
            "status IN ('valid', 'checked_in', 'cancelled')", name=op.f("ck_tickets_status")
        ),
        sa.CheckConstraint(
            "(status = 'checked_in') = (checked_in_at IS NOT NULL)",
            name=op.f("ck_tickets_checked_in_at_iff_checked_in"),
        ),
        sqlite_with_rowid=False,
    )


def _backfill_tickets(connection: sa.Connection) -> None:
    """One ticket per seat of each booking (per admission, for general admission)."""
    # The zone of each seat of each show read so far that has zones; None for those without.
    zones: dict[int, dict[str, str] | None] = {}
    after = 0
    while True:
        rows = connection.execute(_BOOKINGS_AFTER, {"after": after, "limit": _BATCH}).all()
        if not rows:
            return
        unread = {row.show_id for row in rows} - zones.keys()
        if unread:
            zones.update(_zones_of(connection, unread))
        connection.execute(
            _INSERT_TICKET, [t for row in rows for t in _tickets_of(row, zones[row.show_id])]
        )
        after = rows[-1].id


def _zones_of(connection: sa.Connection, show_ids: Iterable[int]) -> Iterator[tuple[int, Any]]:
    rows = connection.execute(_SEAT_MAPS, {"ids": sorted(show_ids)})
    for show_id, seat_map in rows:
        named = {} if seat_map is None else json.loads(seat_map).get("zones", {})
        by_seat = {seat: name for name, seats in named.items() for seat in seats}
        yield show_id, by_seat or None


def _tickets_of(booking: Any, zones: dict[str, str] | None) -> list[dict[str, Any]]:
    seats: list[str | None] = booking.seats.split(",") if booking.seats else []
    if not seats:
        seats = [None] * booking.num_seats
    status = "cancelled" if booking.status == "cancelled" else "valid"
    return [
        {
            "code": secrets.token_urlsafe(16),
            "booking_id": booking.id,
            "show_id": booking.show_id,
            "position": position,
            "seat": seat,
            "zone": _STANDARD_ZONE
            if zones is None or seat is None
            else zones.get(seat, _STANDARD_ZONE),
            "status": status,
        }
        for position, seat in enumerate(seats)
    ]


def downgrade() -> None:
    op.drop_table("tickets")
    op.drop_column("holds", "ticket_types")
    op.drop_column("bookings", "refund")
    op.drop_column("bookings", "currency")
    op.drop_column("shows", "prices")
    op.drop_column("shows", "currency")
    op.drop_table("ticket_types")
    for column in ("cancel_fee", "cancel_until_minutes", "currency"):
        op.drop_column("cinemas", column)
