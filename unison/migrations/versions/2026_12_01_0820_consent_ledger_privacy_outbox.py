"""consent ledger, preferences, suppression, webhooks, privacy requests, outbound outbox"""

import sqlalchemy as sa
from alembic import op

from unison.migrations.columns import JSON, TIME, consent_key, consent_source, profile_id
from unison.migrations.tables import (
    create_webhook_deliveries,
    indexes,
    keyed_by,
    serial_table,
    unique_index,
)

revision: str = "0003"
down_revision: str | None = "0002"


def upgrade() -> None:
    op.create_table(
        "consent_chain_heads",
        profile_id(primary_key=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
    )
    op.create_table(
        "consent_preferences",
        profile_id(primary_key=True),
        sa.Column("preferred_channel", sa.String(length=20), nullable=True),
        sa.Column("preferred_language", sa.String(length=10), nullable=True),
        sa.Column("frequency", sa.String(length=20), nullable=True),
        sa.Column("quiet_start", sa.String(length=5), nullable=True),
        sa.Column("quiet_end", sa.String(length=5), nullable=True),
        sa.Column("time_zone", sa.String(length=64), nullable=True),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
    )
    op.create_table(
        "consent_purposes",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        keyed_by("consent_purposes", "name"),
    )
    serial_table(
        "consent_records",
        profile_id(),
        sa.Column("seq", sa.Integer(), nullable=False),
        *consent_key(),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("legal_basis", sa.String(length=40), nullable=False),
        *consent_source(),
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
    unique_index("uq_consent_records_profile_id_seq", "consent_records", "profile_id", "seq")
    indexes("consent_records", "event_id")
    op.create_table(
        "consent_state",
        *consent_key(),
        profile_id(),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.BigInteger(), nullable=False),
        *consent_source(),
        sa.Column("occurred_at", TIME, nullable=False),
        sa.Column("expires_at", TIME, nullable=True),
        keyed_by("consent_state", "identifier_type", "identifier_value", "purpose", "channel"),
    )
    indexes("consent_state", "profile_id")
    serial_table(
        "consent_suppressions",
        sa.Column("identifier_hash", sa.String(length=64), nullable=False),
        sa.Column("identifier_type", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
    )
    unique_index(
        "uq_consent_suppressions_hash_reason", "consent_suppressions", "identifier_hash", "reason"
    )
    create_webhook_deliveries()
    serial_table(
        "consent_webhooks",
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("secret_encrypted", sa.LargeBinary(), nullable=False),
        sa.Column("secret_hint", sa.String(length=20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
    )
    serial_table(
        "outbound_messages",
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        profile_id(),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("recipient_type", sa.String(length=40), nullable=False),
        sa.Column("recipient", sa.String(length=255), nullable=False),
        sa.Column("purpose", sa.String(length=60), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
    )
    indexes("outbound_messages", "profile_id", "status")
    unique_index("uq_outbound_messages_idempotency_key", "outbound_messages", "idempotency_key")
    serial_table(
        "privacy_requests",
        sa.Column("kind", sa.String(length=20), nullable=False),
        profile_id(),
        sa.Column("subject_hashes", JSON, nullable=False),
        sa.Column("requested_by", sa.String(length=120), nullable=False),
        sa.Column("summary", JSON, nullable=False),
        sa.Column("created_at", TIME, nullable=False),
    )
    indexes("privacy_requests", "profile_id")


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
