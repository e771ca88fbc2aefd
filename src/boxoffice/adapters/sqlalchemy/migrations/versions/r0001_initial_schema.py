"""Users, movies, shows and bookings, with capacity, booking status and timestamps.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Frozen copies of the types in tables.py: a migration must not change when tables.py does.
# Names are final (op.f): the metadata's naming convention must not prefix them again.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    _create_users()
    _create_movies()
    _create_shows()
    _create_bookings()


def _create_users() -> None:
    op.create_table(
        "users",
        sa.Column("id", ID, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("email", sa.Text, nullable=False),
        sa.Column("password", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.CheckConstraint("role IN ('user', 'owner')", name=op.f("ck_users_role")),
    )
    op.create_index("uq_users_email_lower", "users", [sa.text("lower(email)")], unique=True)


def _create_movies() -> None:
    op.create_table(
        "movies",
        sa.Column("id", ID, primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("genre", sa.Text, nullable=False),
        sa.Column("duration", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_movies"),
        sa.CheckConstraint("duration > 0", name=op.f("ck_movies_duration_positive")),
    )


def _create_shows() -> None:
    op.create_table(
        "shows",
        sa.Column("id", ID, primary_key=True),
        sa.Column("movie_id", ID, nullable=False),
        sa.Column("timing", TIMESTAMP, nullable=False),
        sa.Column("capacity", sa.Integer, nullable=False),
        sa.Column("available_seats", sa.Integer, nullable=False),
        sa.Column("owner_id", ID, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_shows"),
        sa.ForeignKeyConstraint(["movie_id"], ["movies.id"], name="fk_shows_movie_id_movies"),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name="fk_shows_owner_id_users"),
        sa.CheckConstraint("capacity > 0", name=op.f("ck_shows_capacity_positive")),
        sa.CheckConstraint(
            "available_seats >= 0 AND available_seats <= capacity",
            name=op.f("ck_shows_available_within_capacity"),
        ),
    )
    op.create_index("ix_shows_movie_id_id", "shows", ["movie_id", "id"])
    op.create_index("ix_shows_owner_id", "shows", ["owner_id"])


def _create_bookings() -> None:
    op.create_table(
        "bookings",
        sa.Column("id", ID, primary_key=True),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("show_id", ID, nullable=False),
        sa.Column("num_seats", sa.Integer, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("cancelled_at", TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_bookings"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_bookings_user_id_users"),
        sa.ForeignKeyConstraint(["show_id"], ["shows.id"], name="fk_bookings_show_id_shows"),
        sa.CheckConstraint("num_seats > 0", name=op.f("ck_bookings_num_seats_positive")),
        sa.CheckConstraint("status IN ('active', 'cancelled')", name=op.f("ck_bookings_status")),
        sa.CheckConstraint(
            "(status = 'active' AND cancelled_at IS NULL)"
            " OR (status = 'cancelled' AND cancelled_at IS NOT NULL)",
            name=op.f("ck_bookings_cancelled_at_iff_cancelled"),
        ),
    )
    op.create_index("ix_bookings_user_id_id", "bookings", ["user_id", "id"])
    op.create_index("ix_bookings_show_id", "bookings", ["show_id"])


def downgrade() -> None:
    op.drop_table("bookings")
    op.drop_table("shows")
    op.drop_table("movies")
    op.drop_table("users")
