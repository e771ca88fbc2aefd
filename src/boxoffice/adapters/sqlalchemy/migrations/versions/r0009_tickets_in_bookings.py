"""Tickets in their bookings: a booking keeps its tickets' zones, types and amounts in its own
row, and a random key its new tickets' codes are made of; only check-ins have rows of their own.

Existing tickets keep their codes, which the door may already have printed: their bookings get
no key, carry each code in their lines, and find it through ticket_codes. Check-ins move to
checkins; a cancelled booking's tickets are cancelled by its status.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

import json
from itertools import groupby
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# Frozen copies of the types in tables.py, as in 0001.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)

# Bookings read, and written back, a batch at a time: memory stays bounded.
_BATCH = 2000

_TICKETS_AFTER = sa.text(
    "SELECT booking_id, position, code, zone, ticket_type, amount, status, checked_in_at"
    " FROM tickets WHERE booking_id IN"
    " (SELECT id FROM bookings WHERE id > :after ORDER BY id LIMIT :limit)"
    " ORDER BY booking_id, position"
)
_LAST_OF_BATCH = sa.text(
    "SELECT max(id) FROM (SELECT id FROM bookings WHERE id > :after ORDER BY id LIMIT :limit) b"
)
_SET_LINES = sa.text("UPDATE bookings SET lines = :lines WHERE id = :booking_id")
_INSERT_CODE = sa.text(
    "INSERT INTO ticket_codes (code, booking_id, place) VALUES (:code, :booking_id, :place)"
)
_INSERT_CHECKIN = sa.text(
    "INSERT INTO checkins (booking_id, place, checked_in_at)"
    " VALUES (:booking_id, :place, :checked_in_at)"
)

_BOOKINGS_AFTER = sa.text(
    "SELECT id, show_id, status, seats, ticket_key, lines FROM bookings"
    " WHERE id > :after ORDER BY id LIMIT :limit"
)
_CHECKINS_OF = sa.text(
    "SELECT booking_id, place, checked_in_at FROM checkins WHERE booking_id IN :ids"
).bindparams(sa.bindparam("ids", expanding=True))
_INSERT_TICKET = sa.text(
    "INSERT INTO tickets (booking_id, position, code, show_id, seat, zone, ticket_type, amount,"
    " status, checked_in_at) VALUES (:booking_id, :position, :code, :show_id, :seat, :zone,"
    " :ticket_type, :amount, :status, :checked_in_at)"
)


def upgrade() -> None:
    op.execute("ALTER TABLE bookings ADD COLUMN ticket_key TEXT")
    op.execute("ALTER TABLE bookings ADD COLUMN lines TEXT NOT NULL DEFAULT '[]'")
    op.create_table(
        "checkins",
        sa.Column("booking_id", ID, nullable=False),
        sa.Column("place", sa.Integer, nullable=False),
        sa.Column("checked_in_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("booking_id", "place", name="pk_checkins"),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name="fk_checkins_booking_id_bookings"
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "ticket_codes",
        sa.Column("code", sa.Text, nullable=False),
        sa.Column("booking_id", ID, nullable=False),
        sa.Column("place", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_ticket_codes"),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name="fk_ticket_codes_booking_id_bookings"
        ),
        sqlite_with_rowid=False,
    )
    _move_tickets(op.get_bind())
    op.drop_table("tickets")
    op.create_index("uq_bookings_ticket_key", "bookings", ["ticket_key"], unique=True)


def _move_tickets(connection: sa.Connection) -> None:
    after = 0
    while True:
        window = {"after": after, "limit": _BATCH}
        last = connection.execute(_LAST_OF_BATCH, window).scalar()
        if last is None:
            return
        rows = connection.execute(_TICKETS_AFTER, window).all()
        lines, codes, checkins = [], [], []
        for booking_id, tickets in groupby(rows, key=lambda row: row.booking_id):
            kept = list(tickets)
            lines.append(
                {
                    "booking_id": booking_id,
                    "lines": json.dumps([[t.zone, t.ticket_type, t.amount, t.code] for t in kept]),
                }
            )
            codes += [{"code": t.code, "booking_id": booking_id, "place": t.position} for t in kept]
            checkins += [
                {"booking_id": booking_id, "place": t.position, "checked_in_at": t.checked_in_at}
                for t in kept
                if t.status == "checked_in"
            ]
        for statement, values in ((_SET_LINES, lines), (_INSERT_CODE, codes)):
            if values:
                connection.execute(statement, values)
        if checkins:
            connection.execute(_INSERT_CHECKIN, checkins)
        after = last


def downgrade() -> None:
    _create_tickets()
    _restore_tickets(op.get_bind())
    op.drop_index("uq_bookings_ticket_key", "bookings")
    op.drop_table("ticket_codes")
    op.drop_table("checkins")
    op.drop_column("bookings", "lines")
    op.drop_column("bookings", "ticket_key")


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


def _restore_tickets(connection: sa.Connection) -> None:
    """A row a ticket, as 0007 kept them: codes made of a key are written out."""
    after = 0
    while True:
        rows = connection.execute(_BOOKINGS_AFTER, {"after": after, "limit": _BATCH}).all()
        if not rows:
            return
        checked: dict[tuple[int, int], Any] = {
            (booking_id, place): at
            for booking_id, place, at in connection.execute(
                _CHECKINS_OF, {"ids": [row.id for row in rows]}
            )
        }
        tickets = [ticket for row in rows for ticket in _tickets_of(row, checked)]
        if tickets:
            connection.execute(_INSERT_TICKET, tickets)
        after = rows[-1].id


def _tickets_of(booking: Any, checked: dict[tuple[int, int], Any]) -> list[dict[str, Any]]:
    seats = booking.seats.split(",") if booking.seats else []
    tickets = []
    for place, line in enumerate(json.loads(booking.lines)):
        at = None if booking.status == "cancelled" else checked.get((booking.id, place))
        status = "cancelled" if booking.status == "cancelled" else "valid"
        tickets.append(
            {
                "booking_id": booking.id,
                "position": place,
                "code": line[3]
                if booking.ticket_key is None
                else f"{booking.ticket_key}.{place + 1}",
                "show_id": booking.show_id,
                "seat": seats[place] if seats else None,
                "zone": line[0],
                "ticket_type": line[1],
                "amount": line[2],
                "status": "checked_in" if at is not None else status,
                "checked_in_at": at,
            }
        )
    return tickets
