"""consent ledger, preferences, suppression, webhooks, privacy requests, outbound outbox"""

import sqlalchemy as sa
from alembic import op

from unison.migrations.columns import JSON, TIME, create_webhook_deliveries, serial

revision: str = "0003"
down_revision: str | None = "0002"


def upgrade() -> None:
    op.create_table(
        "consent_chain_heads",
        sa.Column("profile_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("profile_id", name=op.f("pk_consent_chain_heads")),
    )
    op.create_table(
        "consent_preferences",
        sa.Column("profile_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("preferred_channel", sa.String(length=20), nullable=True),
        sa.Column("preferred_language", sa.String(length=10), nullable=True),
        sa.Column("frequency", sa.String(length=20), nullable=True),
        sa.Column("quiet_start", sa.String(length=5), nullable=True),
        sa.Column("quiet_end", sa.String(length=5), nullable=True),
        sa.Column("time_zone", sa.String(length=64), nullable=True),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("profile_id", name=op.f("pk_consent_preferences")),
    )
    op.create_table(
        "consent_purposes",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_consent_purposes")),
    )
    op.create_table(
        "consent_records",
        serial(),
        sa.Column("profile_id", sa.BigInteger(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("identifier_type", sa.String(length=40), nullable=False),
        sa.Column("identifier_value", sa.String(length=255), nullable=False),
        sa.Column("purpose", sa.String(length=60), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("legal_basis", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("source_channel", sa.String(length=20), nullable=True),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("proof", JSON, nullable=False),
        sa.Column("occurred_at", TIME, nullable=False),
        sa.Column("recorded_at", TIME, nullable=False),
        sa.Column("expires_at", TIME, nullable=True),
        sa.Column("event_id", sa.BigInteger(), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("redacted_at", TIME, nullable=True),
    )
    op.create_index(
        "ix_consent_records_identifier",
        "consent_records",
        ["identifier_value", "identifier_type", "occurred_at"],
    )
    op.create_index(
        "uq_consent_records_profile_id_seq", "consent_records", ["profile_id", "seq"], unique=True
    )
    op.create_index("ix_consent_records_event_id", "consent_records", ["event_id"])
    op.create_table(
        "consent_state",
        sa.Column("identifier_type", sa.String(length=40), nullable=False),
        sa.Column("identifier_value", sa.String(length=255), nullable=False),
        sa.Column("purpose", sa.String(length=60), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("profile_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("source_channel", sa.String(length=20), nullable=True),
        sa.Column("occurred_at", TIME, nullable=False),
        sa.Column("expires_at", TIME, nullable=True),
        sa.PrimaryKeyConstraint(
            "identifier_type",
            "identifier_value",
            "purpose",
            "channel",
            name=op.f("pk_consent_state"),
        ),
    )
    op.create_index("ix_consent_state_profile_id", "consent_state", ["profile_id"])
    op.create_table(
        "consent_suppressions",
        serial(),
        sa.Column("identifier_hash", sa.String(length=64), nullable=False),
        sa.Column("identifier_type", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
    )
    op.create_index(
        "uq_consent_suppressions_hash_reason",
        "consent_suppressions",
        ["identifier_hash", "reason"],
        unique=True,
    )
    create_webhook_deliveries()
    op.create_table(
        "consent_webhooks",
        serial(),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("secret_encrypted", sa.LargeBinary(), nullable=False),
        sa.Column("secret_hint", sa.String(length=20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
    )
    op.create_table(
        "outbound_messages",
        serial(),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("profile_id", sa.BigInteger(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("recipient_type", sa.String(length=40), nullable=False),
        sa.Column("recipient", sa.String(length=255), nullable=False),
        sa.Column("purpose", sa.String(length=60), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
    )
    op.create_index("ix_outbound_messages_profile_id", "outbound_messages", ["profile_id"])
    op.create_index("ix_outbound_messages_status", "outbound_messages", ["status"])
    op.create_index(
        "uq_outbound_messages_idempotency_key",
        "outbound_messages",
        ["idempotency_key"],
        unique=True,
    )
    op.create_table(
        "privacy_requests",
        serial(),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("profile_id", sa.BigInteger(), nullable=False),
        sa.Column("subject_hashes", JSON, nullable=False),
        sa.Column("requested_by", sa.String(length=120), nullable=False),
        sa.Column("summary", JSON, nullable=False),
        sa.Column("created_at", TIME, nullable=False),
    )
    op.create_index("ix_privacy_requests_profile_id", "privacy_requests", ["profile_id"])


def downgrade() -> None:
    # Dropping a table drops its indexes with it, on both stores.
    for table in (
        "privacy_requests",
        "outbound_messages",
        "consent_webhooks",
        "consent_webhook_deliveries",
        "consent_suppressions",
        "consent_state",
        "consent_records",
        "consent_purposes",
        "consent_preferences",
        "consent_chain_heads",
    ):
        op.drop_table(table)
