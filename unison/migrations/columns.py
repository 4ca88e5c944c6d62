"""Column types and builders the revision files share, so each says only what its tables hold.

Revisions are history: a builder here may gain a parameter, never change what it builds.
"""

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# SQLite only auto-increments an "INTEGER PRIMARY KEY"; PostgreSQL gets a real BIGINT.
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# JSONB on PostgreSQL (indexable, compact); JSON text on SQLite.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TIME = sa.DateTime(timezone=True)


def serial() -> sa.Column[Any]:
    """The auto-increment `id` primary key (named pk_<table> by the models' naming convention)."""
    return sa.Column("id", BIG_ID, primary_key=True, autoincrement=True)


def webhook_delivery_columns() -> list[sa.Column[Any]]:
    """consent_webhook_deliveries as revision 0003 made it, but for its id; 0012 moves its rows
    into outbound_messages and, on downgrade, back."""
    return [
        sa.Column("webhook_id", sa.BigInteger(), nullable=False),
        sa.Column("profile_id", sa.BigInteger(), nullable=False),
        sa.Column("record_id", sa.BigInteger(), nullable=False),
        sa.Column("body", JSON, nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TIME, nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("delivered_at", TIME, nullable=True),
    ]


def create_webhook_deliveries() -> None:
    """Created by revision 0003, dropped by 0012 and created again by its downgrade."""
    op.create_table(
        "consent_webhook_deliveries",
        serial(),
        *webhook_delivery_columns(),
    )
    op.create_index(
        "ix_consent_webhook_deliveries_due",
        "consent_webhook_deliveries",
        ["status", "next_attempt_at"],
    )
    op.create_index(
        "ix_consent_webhook_deliveries_profile_id", "consent_webhook_deliveries", ["profile_id"]
    )
