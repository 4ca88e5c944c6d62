"""shared devices stop linking: identifier_cooccurrences, shared_identifiers

A device id seen with more than UNISON_IDENTITY_SHARED_DEVICE_MAX_IDENTITIES distinct
user ids, emails or phones is recorded in shared_identifiers and never links profiles again
(issue 14 item 2). identifier_cooccurrences holds the evidence, strong values as digests.
"""

import sqlalchemy as sa
from alembic import op

from unison.migrations.columns import TIME, identifier, profile_id
from unison.migrations.tables import serial_table, unique_index

revision: str = "0009"
down_revision: str | None = "0008"


def upgrade() -> None:
    serial_table(
        "identifier_cooccurrences",
        *identifier(),
        sa.Column("strong_type", sa.String(40), nullable=False),
        sa.Column("strong_hash", sa.String(64), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
    )
    unique_index(
        "uq_identifier_cooccurrences",
        "identifier_cooccurrences",
        "value",
        "type",
        "strong_type",
        "strong_hash",
    )
    serial_table(
        "shared_identifiers",
        *identifier(),
        sa.Column("strong_type", sa.String(40), nullable=False),
        sa.Column("identities", sa.BigInteger(), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("detected_at", TIME, nullable=False),
        profile_id(nullable=True),
        sa.Column("undone_merges", sa.BigInteger(), nullable=False),
    )
    unique_index("uq_shared_identifiers", "shared_identifiers", "value", "type")


def downgrade() -> None:
    op.drop_table("shared_identifiers")
    op.drop_table("identifier_cooccurrences")
