"""Reserved seating and holds: seat maps on shows, seats on bookings, and the holds table.

Every new column is nullable, so existing shows stay general admission and existing bookings
keep their meaning.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# Frozen copies of the types in tables.py, as in 0001.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)
ACTIVE = sa.text("status = 'active'")


def upgrade() -> None:
    op.add_column("shows", sa.Column("seat_map", sa.Text, nullable=True))
    op.add_column("shows", sa.Column("seat_codes", sa.Text, nullable=True))
    op.add_column("shows", sa.Column("held_seats", sa.Integer, nullable=False, server_default="0"))
    op.add_column("bookings", sa.Column("seats", sa.Text, nullable=True))
    op.create_table(
        "holds",
        sa.Column("id", ID, primary_key=True),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("show_id", ID, nullable=False),
        sa.Column("num_seats", sa.Integer, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("expires_at", TIMESTAMP, nullable=False),
        sa.Column("seats", sa.Text, nullable=True),
        sa.Column("booking_id", ID, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_holds"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_holds_user_id_users"),
        sa.ForeignKeyConstraint(["show_id"], ["shows.id"], name="fk_holds_show_id_shows"),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name="fk_holds_booking_id_bookings"
        ),
        sa.CheckConstraint("num_seats > 0", name=op.f("ck_holds_num_seats_positive")),
        sa.CheckConstraint(
            "status IN ('active', 'confirmed', 'released', 'expired')", name=op.f("ck_holds_status")
        ),
        sa.CheckConstraint(
            "(status = 'confirmed') = (booking_id IS NOT NULL)",
            name=op.f("ck_holds_booking_iff_confirmed"),
        ),
    )
    op.create_index(
        "uq_holds_user_id_show_id_active",
        "holds",
        ["user_id", "show_id"],
        unique=True,
        sqlite_where=ACTIVE,
        postgresql_where=ACTIVE,
    )
    op.create_index(
        "ix_holds_show_id_expires_at_active",
        "holds",
        ["show_id", "expires_at"],
        sqlite_where=ACTIVE,
        postgresql_where=ACTIVE,
    )


def downgrade() -> None:
    op.drop_table("holds")
    op.drop_column("bookings", "seats")
    op.drop_column("shows", "held_seats")
    op.drop_column("shows", "seat_codes")
    op.drop_column("shows", "seat_map")
