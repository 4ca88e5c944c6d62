"""messages: one row per message the send gate decided on; per-channel kill switches

`messages` keeps what the gate decided and why (at decide and at send time), the chosen
channel and why, and the keys that join it to the outbox and the receipts. Its indexes serve
the gate's hot path: the idempotency key (dedupe) and (profile_id, id) for the profile's
history and its frequency-cap counts. `messaging_channels` holds the kill switches.
"""

import sqlalchemy as sa
from alembic import op

from unison.migrations.columns import JSON, TIME, profile_id
from unison.migrations.tables import indexes, keyed_by, serial_table, unique_index

revision: str = "0015"
down_revision: str | None = "0014"


def upgrade() -> None:
    serial_table(
        "messages",
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        profile_id(),
        sa.Column("template_id", sa.BigInteger(), nullable=True),
        sa.Column("template_version", sa.Integer(), nullable=True),
        sa.Column("campaign_id", sa.String(length=100), nullable=True),
        sa.Column("broadcast_id", sa.BigInteger(), nullable=True),
        sa.Column("variant", sa.String(length=40), nullable=True),
        sa.Column("purpose", sa.String(length=60), nullable=False),
        sa.Column("transactional", sa.Boolean(), nullable=False),
        sa.Column("locale", sa.String(length=20), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=True),
        sa.Column("channel_reason", sa.Text(), nullable=False),
        sa.Column("recipient", sa.String(length=255), nullable=True),
        sa.Column("decision", sa.String(length=20), nullable=False),
        sa.Column("reasons", JSON, nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("deliver_after", TIME, nullable=True),
        sa.Column("outbox_key", sa.String(length=200), nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("send_decision", sa.String(length=20), nullable=True),
        sa.Column("send_reason", sa.Text(), nullable=True),
        sa.Column("checked_at", TIME, nullable=True),
        sa.Column("released_at", TIME, nullable=True),
        sa.Column("choice", JSON, nullable=False),
    )
    unique_index("uq_messages_idempotency_key", "messages", "idempotency_key")
    op.create_index("ix_messages_profile_id_id", "messages", ["profile_id", "id"])
    indexes("messages", "outbox_key")
    op.create_table(
        "messaging_channels",
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=False),
        keyed_by("messaging_channels", "channel"),
    )


def downgrade() -> None:
    op.drop_table("messaging_channels")
    op.drop_index("ix_messages_outbox_key", table_name="messages")
    op.drop_index("ix_messages_profile_id_id", table_name="messages")
    op.drop_index("uq_messages_idempotency_key", table_name="messages")
    op.drop_table("messages")
