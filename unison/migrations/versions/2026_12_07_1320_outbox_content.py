"""outbox content: rendered content and meta ids per message, the provider's message id,
and the dead-letter state

`content` holds the rendered message per channel (docs/design/outbox.md), `meta` the ids
receipts copy into their events (message, template, campaign, broadcast, variant);
`provider_message_id` is what the provider called the message (Telegram message_id,
WhatsApp wamid, Twilio SID, FCM name...), indexed so status webhooks find their row.
`status` gains the value `dead` (out of attempts; `unison outbox retry` requeues it): a
plain string column, so no schema change is needed for it. `claimed_at` marks the one row
a dispatcher has in flight (set before its send, cleared when the outcome is recorded), so a
restart after a crash knows which row may or may not have reached the provider.
"""

import sqlalchemy as sa
from alembic import op

from unison.migrations.columns import JSON, TIME

revision: str = "0016"
down_revision: str | None = "0015"


def upgrade() -> None:
    with op.batch_alter_table("outbound_messages") as batch:
        batch.add_column(sa.Column("content", JSON, nullable=True))
        batch.add_column(sa.Column("meta", JSON, nullable=True))
        batch.add_column(sa.Column("provider_message_id", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("claimed_at", TIME, nullable=True))
    op.create_index(
        "ix_outbound_messages_provider_message_id",
        "outbound_messages",
        ["channel", "provider_message_id"],
    )


def downgrade() -> None:
    op.execute("UPDATE outbound_messages SET status = 'failed' WHERE status = 'dead'")
    op.drop_index("ix_outbound_messages_provider_message_id", table_name="outbound_messages")
    with op.batch_alter_table("outbound_messages") as batch:
        for column in ("claimed_at", "provider_message_id", "meta", "content"):
            batch.drop_column(column)
