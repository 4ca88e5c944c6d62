"""broadcasts and their recipients

`broadcasts` holds a broadcast's definition, state and fan-out cursor; `broadcast_recipients`
one row per targeted profile (holdout and variant draws, due moment, the decided message).
The (broadcast_id, state, due_at) index serves the fan-out's "next due chunk" query.
"""

import sqlalchemy as sa
from alembic import op

from unison.migrations.columns import JSON, TIME, profile_id, timestamps
from unison.migrations.tables import indexes, keyed_by, serial_table

revision: str = "0017"
down_revision: str | None = "0016"


def upgrade() -> None:
    serial_table(
        "broadcasts",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("segment_id", sa.BigInteger(), nullable=False),
        sa.Column("purpose", sa.String(length=60), nullable=False),
        sa.Column("variants", JSON, nullable=False),
        sa.Column("locales", JSON, nullable=False),
        sa.Column("holdout_percent", sa.Integer(), nullable=False),
        sa.Column("timing", sa.String(length=20), nullable=False),
        sa.Column("scheduled_at", TIME, nullable=True),
        sa.Column("local_at", sa.String(length=19), nullable=True),
        sa.Column("rate_per_second", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("cursor", sa.BigInteger(), nullable=False),
        sa.Column("targeted_all", sa.Boolean(), nullable=False),
        sa.Column("last_chunk_at", TIME, nullable=True),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        *timestamps(),
        sa.Column("finished_at", TIME, nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
    )
    indexes("broadcasts", "status")
    op.create_table(
        "broadcast_recipients",
        sa.Column("broadcast_id", sa.BigInteger(), autoincrement=False, nullable=False),
        profile_id(),
        sa.Column("variant", sa.String(length=40), nullable=True),
        sa.Column("holdout", sa.Boolean(), nullable=False),
        sa.Column("due_at", TIME, nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        keyed_by("broadcast_recipients", "broadcast_id", "profile_id"),
    )
    op.create_index(
        "ix_broadcast_recipients_due", "broadcast_recipients", ["broadcast_id", "state", "due_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_broadcast_recipients_due", table_name="broadcast_recipients")
    op.drop_table("broadcast_recipients")
    op.drop_index("ix_broadcasts_status", table_name="broadcasts")
    op.drop_table("broadcasts")
