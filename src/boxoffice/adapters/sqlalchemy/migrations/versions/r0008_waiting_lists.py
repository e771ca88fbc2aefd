"""Waiting lists: their entries, each show's count of live ones, and named leases (the
service's sweeper takes one so that a single worker settles lapsed offers).

Existing shows have no list: waitlisted is 0.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# Frozen copies of the types in tables.py, as in 0001.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)
LIVE = sa.text("status IN ('waiting', 'offered')")
LISTED = sa.text("waitlisted > 0")


def upgrade() -> None:
    op.execute(
        "ALTER TABLE shows ADD COLUMN waitlisted INTEGER NOT NULL DEFAULT 0"
        " CONSTRAINT ck_shows_waitlisted_non_negative CHECK (waitlisted >= 0)"
    )
    op.create_index(
        "ix_shows_id_waitlisted", "shows", ["id"], sqlite_where=LISTED, postgresql_where=LISTED
    )
    _create_waitlist_entries()
    op.create_table(
        "leases",
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("holder", sa.Text, nullable=False),
        sa.Column("expires_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_leases"),
    )


def _create_waitlist_entries() -> None:
    op.create_table(
        "waitlist_entries",
        sa.Column("id", ID, primary_key=True),
        sa.Column("show_id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("num_seats", sa.Integer, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("hold_id", ID, nullable=True),
        sa.Column("expires_at", TIMESTAMP, nullable=True),
        sa.Column("updated_at", TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_waitlist_entries"),
        sa.ForeignKeyConstraint(
            ["show_id"], ["shows.id"], name="fk_waitlist_entries_show_id_shows"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_waitlist_entries_user_id_users"
        ),
        sa.ForeignKeyConstraint(
            ["hold_id"], ["holds.id"], name="fk_waitlist_entries_hold_id_holds"
        ),
        sa.CheckConstraint("num_seats > 0", name=op.f("ck_waitlist_entries_num_seats_positive")),
        sa.CheckConstraint(
            "status IN ('waiting', 'offered', 'booked', 'expired', 'left')",
            name=op.f("ck_waitlist_entries_status"),
        ),
        sa.CheckConstraint(
            "status <> 'offered' OR (hold_id IS NOT NULL AND expires_at IS NOT NULL)",
            name=op.f("ck_waitlist_entries_offer_has_hold"),
        ),
    )
    op.create_index("ix_waitlist_entries_user_id_id", "waitlist_entries", ["user_id", "id"])
    op.create_index("ix_waitlist_entries_show_id_id", "waitlist_entries", ["show_id", "id"])
    op.create_index(
        "uq_waitlist_entries_user_id_show_id_live",
        "waitlist_entries",
        ["user_id", "show_id"],
        unique=True,
        sqlite_where=LIVE,
        postgresql_where=LIVE,
    )
    op.create_index(
        "ix_waitlist_entries_show_id_created_at_id_live",
        "waitlist_entries",
        ["show_id", "created_at", "id"],
        sqlite_where=LIVE,
        postgresql_where=LIVE,
    )


def downgrade() -> None:
    op.drop_table("leases")
    op.drop_table("waitlist_entries")
    op.drop_index("ix_shows_id_waitlisted", "shows")
    op.drop_column("shows", "waitlisted")
