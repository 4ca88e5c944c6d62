"""event log, rejected events, sources, API tokens"""

import sqlalchemy as sa
from alembic import op

from unison.migrations.columns import JSON, TIME, serial
from unison.migrations.tables import indexes, serial_table, unique_index

revision: str = "0001"
down_revision: str | None = None


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        serial(sa.Integer()),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("token_hint", sa.String(20), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("revoked_at", TIME, nullable=True),
        sa.UniqueConstraint("name", name=op.f("uq_api_tokens_name")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_table(
        "sources",
        serial(sa.Integer()),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("write_key_hash", sa.String(64), nullable=False),
        sa.Column("write_key_hint", sa.String(20), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.UniqueConstraint("name", name=op.f("uq_sources_name")),
        sa.UniqueConstraint("write_key_hash", name=op.f("uq_sources_write_key_hash")),
    )
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
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name=op.f("fk_events_source_id_sources")
        ),
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
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name=op.f("fk_rejected_events_source_id_sources")
        ),
    )
    indexes("rejected_events", "source_id")


def downgrade() -> None:
    op.drop_table("rejected_events")
    op.drop_table("events")
    op.drop_table("sources")
    op.drop_table("api_tokens")
