"""outbox delivery: subject, reply route, attempts and retry schedule of outbound messages"""

import sqlalchemy as sa
from alembic import op

from unison.migrations.columns import TIME

revision: str = "0004b"
down_revision: str | None = "0004"


def upgrade() -> None:
    with op.batch_alter_table("outbound_messages") as batch:
        batch.add_column(sa.Column("subject", sa.Text(), nullable=True))
        batch.add_column(sa.Column("via_source_id", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("attempts", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
        batch.add_column(sa.Column("next_attempt_at", TIME, nullable=True))
        batch.add_column(sa.Column("sent_at", TIME, nullable=True))
        batch.add_column(sa.Column("last_error", sa.String(length=300), nullable=True))
    op.create_index(
        "ix_outbound_messages_due", "outbound_messages", ["status", "channel", "next_attempt_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_outbound_messages_due", table_name="outbound_messages")
    with op.batch_alter_table("outbound_messages") as batch:
        for column in (
            "last_error",
            "sent_at",
            "next_attempt_at",
            "attempts",
            "via_source_id",
            "subject",
        ):
            batch.drop_column(column)
