"""Cinemas and their screens, shows placed on screens, and the guard against overlapping shows.

Existing rows keep their meaning: movies have no known owner, shows are scheduled and occupy no
screen (their end is computed from the movie's duration), and cancelled bookings were cancelled
by their users.

Columns are added with ALTER TABLE ... ADD COLUMN and their constraints inline, which both
databases accept, so SQLite checks them too without copying the shows table. PostgreSQL gets a
NOT NULL ends_at after its backfill; SQLite adds a NOT NULL column only with a constant default,
so there ends_at defaults to '' (no instant: a row that ever kept it fails when read).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# Frozen copies of the types in tables.py, as in 0001.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)

# SQLite stores instants as "YYYY-MM-DD HH:MM:SS.ffffff" (tables.UtcDateTime) and compares them
# as text, so ends_at must have exactly that form. Rows written by hand may lack the fraction.
# The fraction is cut before strftime, which would round it into the seconds, and put back.
_SQLITE_ENDS_AT = (
    "UPDATE shows SET ends_at = (SELECT"
    " strftime('%Y-%m-%d %H:%M:%S', substr(timing, 1, 19), '+' || duration || ' minutes')"
    " || CASE WHEN length(timing) > 19 THEN substr(timing, 20) ELSE '.000000' END"
    " FROM movies WHERE movies.id = shows.movie_id)"
)
_PG_ENDS_AT = (
    "UPDATE shows SET ends_at = (SELECT timing + make_interval(mins => duration)"
    " FROM movies WHERE movies.id = shows.movie_id)"
)

_SCREEN_WINDOW_EXCLUSION = (
    "ALTER TABLE shows ADD CONSTRAINT ex_shows_screen_id_window"
    " EXCLUDE USING gist (screen_id WITH =, tstzrange(timing, occupied_until, '[)') WITH &&)"
    " WHERE (status = 'scheduled' AND screen_id IS NOT NULL)"
)
# SQLite has no exclusion constraints: these triggers refuse the same rows. `id IS NOT NEW.id`
# because an inserted row's id may still be NULL here.
_OVERLAP = """
WHEN NEW.status = 'scheduled' AND NEW.screen_id IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'shows_overlap_on_screen')
    WHERE EXISTS (
        SELECT 1 FROM shows
        WHERE screen_id = NEW.screen_id
          AND status = 'scheduled'
          AND id IS NOT NEW.id
          AND timing < NEW.occupied_until
          AND NEW.timing < occupied_until
    );
END
"""
_SQLITE_TRIGGERS = {
    "shows_no_overlap_on_insert": "BEFORE INSERT ON shows",
    "shows_no_overlap_on_update": (
        "BEFORE UPDATE OF timing, occupied_until, status, screen_id ON shows"
    ),
}


def _sql_type(type_: sa.types.TypeEngine[Any]) -> str:
    return type_.compile(dialect=op.get_bind().dialect)


def _add_column(table: str, definition: str) -> None:
    op.execute(f"ALTER TABLE {table} ADD COLUMN {definition}")


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    id_type, timestamp = _sql_type(ID), _sql_type(TIMESTAMP)

    _add_column(
        "movies", f"owner_id {id_type} CONSTRAINT fk_movies_owner_id_users REFERENCES users (id)"
    )
    _create_cinemas()
    _create_screens()

    _add_column(
        "shows",
        "status TEXT NOT NULL DEFAULT 'scheduled'"
        " CONSTRAINT ck_shows_status CHECK (status IN ('scheduled', 'cancelled'))",
    )
    _add_column(
        "shows",
        f"screen_id {id_type} CONSTRAINT fk_shows_screen_id_screens REFERENCES screens (id)",
    )
    _add_column(
        "shows",
        f"cinema_id {id_type} CONSTRAINT fk_shows_cinema_id_cinemas REFERENCES cinemas (id)",
    )
    if postgres:
        _add_column("shows", f"ends_at {timestamp}")
    else:
        _add_column("shows", f"ends_at {timestamp} NOT NULL DEFAULT ''")
    op.execute(_PG_ENDS_AT if postgres else _SQLITE_ENDS_AT)
    if postgres:
        op.alter_column("shows", "ends_at", nullable=False)
    _add_column(
        "shows",
        f"occupied_until {timestamp} CONSTRAINT ck_shows_occupied_iff_on_screen"
        " CHECK ((screen_id IS NULL) = (occupied_until IS NULL))",
    )
    op.create_index("ix_shows_cinema_id_timing_id", "shows", ["cinema_id", "timing", "id"])
    op.create_index("ix_shows_screen_id_timing_id", "shows", ["screen_id", "timing", "id"])
    op.create_index("ix_shows_timing_id", "shows", ["timing", "id"])
    if postgres:
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(_SCREEN_WINDOW_EXCLUSION)
    else:
        for name, event in _SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {event} {_OVERLAP}")

    _add_column(
        "bookings",
        "cancel_reason TEXT CONSTRAINT ck_bookings_cancel_reason"
        " CHECK (cancel_reason IN ('by_user', 'show_cancelled'))",
    )
    # Until shows could be cancelled, only their users cancelled bookings.
    op.execute("UPDATE bookings SET cancel_reason = 'by_user' WHERE status = 'cancelled'")


def _create_cinemas() -> None:
    op.create_table(
        "cinemas",
        sa.Column("id", ID, primary_key=True),
        sa.Column("owner_id", ID, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("time_zone", sa.Text, nullable=False),
        sa.Column("gap_minutes", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_cinemas"),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name="fk_cinemas_owner_id_users"),
        sa.CheckConstraint(
            "gap_minutes BETWEEN 0 AND 240", name=op.f("ck_cinemas_gap_minutes_range")
        ),
    )
    op.create_index("ix_cinemas_owner_id_id", "cinemas", ["owner_id", "id"])


def _create_screens() -> None:
    op.create_table(
        "screens",
        sa.Column("id", ID, primary_key=True),
        sa.Column("cinema_id", ID, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("layout", sa.Text, nullable=True),
        sa.Column("capacity", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_screens"),
        sa.ForeignKeyConstraint(["cinema_id"], ["cinemas.id"], name="fk_screens_cinema_id_cinemas"),
        sa.CheckConstraint("capacity > 0", name=op.f("ck_screens_capacity_positive")),
    )
    op.create_index("ix_screens_cinema_id_id", "screens", ["cinema_id", "id"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE shows DROP CONSTRAINT ex_shows_screen_id_window")
    else:
        for name in _SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
    op.drop_index("ix_shows_timing_id", "shows")
    op.drop_index("ix_shows_screen_id_timing_id", "shows")
    op.drop_index("ix_shows_cinema_id_timing_id", "shows")
    # Each column's constraints were declared with it, so both databases drop them with it, and
    # SQLite does so in place, without copying the table.
    op.drop_column("bookings", "cancel_reason")
    for column in ("occupied_until", "ends_at", "cinema_id", "screen_id", "status"):
        op.drop_column("shows", column)
    op.drop_column("movies", "owner_id")
    op.drop_table("screens")
    op.drop_table("cinemas")
