"""event log, rejected events, sources, API tokens"""

from typing import Any

import sqlalchemy as sa
from alembic import op

from unison.migrations.columns import JSON, TIME, serial
from unison.migrations.tables import foreign_key, indexes, serial_table, unique_index

revision: str = "0001"
down_revision: str | None = None


def upgrade() -> None:
    _named_secret_holder(
        "api_tokens", "role", "token", sa.Column("revoked_at", TIME, nullable=True)
    )
    _named_secret_holder("sources", "channel", "write_key")
    serial_table(
        "events",
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(255), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("event", sa.String(255), nullable=True),
        sa.Column("user_id", sa.String(255), nullable=True),
        sa.Column("anonymous_id", sa.String(255), nullable=True),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("timestamp", TIME, nullable=False),
        sa.Column("received_at", TIME, nullable=False),
        sa.Column("payload", JSON, nullable=False),
        foreign_key("events", "source_id", "sources"),
    )
    unique_index("uq_events_source_id_message_id", "events", "source_id", "message_id")
    indexes("events", "user_id", "anonymous_id", "timestamp")
    serial_table(
        "rejected_events",
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("origin", sa.String(20), nullable=False),
        sa.Column("received_at", TIME, nullable=False),
        sa.Column("item_index", sa.Integer(), nullable=True),
        sa.Column("line", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(60), nullable=False),
        sa.Column("field", sa.String(255), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        foreign_key("rejected_events", "source_id", "sources"),
    )
    indexes("rejected_events", "source_id")


def _named_secret_holder(table: str, kind: str, secret: str, *more: sa.Column[Any]) -> None:
    """api_tokens and sources: a unique name, a kind (role, channel), a secret kept only as its
    SHA-256 (unique) and a hint to recognize it by, the creation time, then `more`."""
    op.create_table(
        table,
        serial(sa.Integer()),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column(kind, sa.String(20), nullable=False),
        sa.Column(f"{secret}_hash", sa.String(64), nullable=False),
        sa.Column(f"{secret}_hint", sa.String(20), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        *more,
        sa.UniqueConstraint("name", name=op.f(f"uq_{table}_name")),
        sa.UniqueConstraint(f"{secret}_hash", name=op.f(f"uq_{table}_{secret}_hash")),
    )


def downgrade() -> None:
    op.drop_table("rejected_events")
    op.drop_table("events")
    op.drop_table("sources")
    op.drop_table("api_tokens")
