"""segments: definitions, members, history, timers, computed-trait definitions"""

import sqlalchemy as sa
from alembic import op

from unison.migrations.columns import JSON, TIME, profile_id, timestamps
from unison.migrations.tables import indexes, keyed_by, serial_table

revision: str = "0006"
down_revision: str | None = "0005"


# Trait values are free text; a definition comparing one as a moment must not fail the whole
# recompute on one malformed value, so PostgreSQL gets a cast that answers NULL instead.
TRY_TIMESTAMPTZ = """
CREATE OR REPLACE FUNCTION unison_try_timestamptz(value text) RETURNS timestamptz
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF value IS NULL OR value !~ '^\\d{4}-\\d{2}-\\d{2}' THEN
        RETURN NULL;
    END IF;
    IF value ~ '(Z|[+-]\\d{2}:\\d{2})$' THEN
        RETURN value::timestamptz;
    END IF;
    RETURN value::timestamp AT TIME ZONE 'UTC';  -- no zone: UTC, as in Python
EXCEPTION WHEN others THEN
    RETURN NULL;
END $$;
"""


def upgrade() -> None:
    serial_table(
        "segments",
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("definition", JSON, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("member_count", sa.BigInteger(), nullable=False),
        *timestamps(),
        sa.Column("evaluated_at", TIME, nullable=True),
        sa.UniqueConstraint("name", name=op.f("uq_segments_name")),
    )
    op.create_table(
        "segment_members",
        sa.Column("segment_id", sa.BigInteger(), autoincrement=False, nullable=False),
        profile_id(),
        sa.Column("entered_at", TIME, nullable=False),
        keyed_by("segment_members", "segment_id", "profile_id"),
    )
    indexes("segment_members", "profile_id")
    serial_table(
        "segment_history",
        sa.Column("segment_id", sa.BigInteger(), nullable=False),
        profile_id(),
        sa.Column("change", sa.String(10), nullable=False),
        sa.Column("at", TIME, nullable=False),
        sa.Column("trigger", sa.String(20), nullable=False),
        sa.Column("reason", JSON, nullable=True),
    )
    op.create_index(
        "ix_segment_history_segment_id_profile_id", "segment_history", ["segment_id", "profile_id"]
    )
    indexes("segment_history", "profile_id")
    op.create_table(
        "segment_timers",
        sa.Column("owner", sa.String(120), nullable=False),
        profile_id(),
        sa.Column("due_at", TIME, nullable=False),
        keyed_by("segment_timers", "owner", "profile_id"),
    )
    indexes("segment_timers", "due_at", "profile_id")
    op.create_table(
        "computed_trait_definitions",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("definition", JSON, nullable=False),
        *timestamps(),
    )
    op.create_table(
        "segment_state",
        sa.Column("key", sa.String(60), primary_key=True),
        sa.Column("value", JSON, nullable=True),
        sa.Column("updated_at", TIME, nullable=False),
    )
    # A full recompute of "performed X in the last N days" is a range scan of this index
    # (covering: the profile id is read from it, never from the table).
    op.create_index(
        "ix_event_profiles_event_timestamp_profile_id",
        "event_profiles",
        ["event", "timestamp", "profile_id"],
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(TRY_TIMESTAMPTZ)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS unison_try_timestamptz(text)")
    op.drop_index("ix_event_profiles_event_timestamp_profile_id", table_name="event_profiles")
    for name in (
        "segment_state",
        "computed_trait_definitions",
        "segment_timers",
        "segment_history",
        "segment_members",
        "segments",
    ):
        op.drop_table(name)
