"""channel connectors; conversations and conversation messages (the inbox projection)"""

import sqlalchemy as sa
from alembic import op

from unison.migrations.columns import JSON, TIME, profile_id, serial, timestamps
from unison.migrations.tables import foreign_key, indexes, serial_table, unique_index

revision: str = "0005"
down_revision: str | None = "0004b"


def upgrade() -> None:
    op.create_table(
        "connectors",
        serial(sa.Integer()),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(length=2), nullable=True),
        sa.Column("sealed", sa.Text(), nullable=False),
        sa.Column("secret_names", JSON, nullable=False),
        *timestamps(),
        foreign_key("connectors", "source_id", "sources"),
    )
    unique_index("uq_connectors_name", "connectors", "name")
    serial_table(
        "conversations",
        profile_id(),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("thread_key", sa.String(length=255), nullable=False),
        sa.Column("connector", sa.String(length=60), nullable=True),
        sa.Column("subject", sa.String(length=255), nullable=True),
        sa.Column("started_at", TIME, nullable=False),
        sa.Column("last_message_at", TIME, nullable=False),
        sa.Column("message_count", sa.Integer(), nullable=False),
    )
    unique_index(
        "uq_conversations_thread_key_profile_id", "conversations", "thread_key", "profile_id"
    )
    op.create_index(
        "ix_conversations_profile_id_last_message_at",
        "conversations",
        ["profile_id", "last_message_at"],
    )
    serial_table(
        "conversation_messages",
        sa.Column("conversation_id", sa.BigInteger(), nullable=False),
        profile_id(),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("attachments", JSON, nullable=False),
        sa.Column("provider_message_id", sa.String(length=255), nullable=True),
        sa.Column("sender_name", sa.String(length=255), nullable=True),
        sa.Column("sent_at", TIME, nullable=False),
        sa.Column("edited_at", TIME, nullable=True),
        foreign_key("conversation_messages", "conversation_id", "conversations"),
    )
    unique_index("uq_conversation_messages_event_id", "conversation_messages", "event_id")
    op.create_index(
        "ix_conversation_messages_conversation_id_sent_at",
        "conversation_messages",
        ["conversation_id", "sent_at"],
    )
    indexes("conversation_messages", "profile_id", "provider_message_id")


def downgrade() -> None:
    op.drop_table("conversation_messages")
    op.drop_table("conversations")
    op.drop_table("connectors")
