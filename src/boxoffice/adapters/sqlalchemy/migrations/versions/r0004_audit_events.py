"""The audit trail: sign-ups, log-ins, bookings and cancellations, with actor, time and target.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# Frozen copies of the types in tables.py, as in 0001.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("id", ID, primary_key=True),
        sa.Column("occurred_at", TIMESTAMP, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("actor_id", ID, nullable=True),
        sa.Column("target", sa.Text, nullable=False),
        sa.Column("client", sa.Text, nullable=True),
        sa.Column("show_id", ID, nullable=True),
        sa.Column("num_seats", sa.Integer, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_audit_events"),
    )


def downgrade() -> None:
    op.drop_table("audit_events")
