"""Column types and builders the revision files share, so each says only what its tables hold.

Revisions are history: a builder here may gain a parameter, never change what it builds.
"""

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# SQLite only auto-increments an "INTEGER PRIMARY KEY"; PostgreSQL gets a real BIGINT.
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# JSONB on PostgreSQL (indexable, compact); JSON text on SQLite.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TIME = sa.DateTime(timezone=True)


def serial(kind: sa.types.TypeEngine[int] = BIG_ID) -> sa.Column[Any]:
    """The auto-increment `id` primary key (named pk_<table> by the models' naming convention);
    BIGINT, but for the first tables' INTEGER ones (kind=sa.Integer())."""
    return sa.Column("id", kind, primary_key=True, autoincrement=True)


def profile_id(*, nullable: bool = False, primary_key: bool = False) -> sa.Column[Any]:
    """The profile key a profile-scoped row carries (no foreign key, as in the models); never
    generated here, also where it is the whole primary key."""
    return sa.Column(
        "profile_id",
        sa.BigInteger(),
        autoincrement=False,
        nullable=nullable,
        primary_key=primary_key,
    )


def identifier(prefix: str = "") -> list[sa.Column[Any]]:
    """An identifier as the identity graph writes it: <prefix>type and <prefix>value."""
    return [
        sa.Column(f"{prefix}type", sa.String(40), nullable=False),
        sa.Column(f"{prefix}value", sa.String(255), nullable=False),
    ]


def consent_key() -> list[sa.Column[Any]]:
    """What a consent is about: the identifier it was given for, the purpose, the channel."""
    return [
        *identifier("identifier_"),
        sa.Column("purpose", sa.String(60), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
    ]


def consent_source() -> list[sa.Column[Any]]:
    """Where a consent came from: the source (api, event, keyword...) and its channel, if any."""
    return [
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("source_channel", sa.String(20), nullable=True),
    ]


def timestamps() -> list[sa.Column[Any]]:
    """created_at and updated_at, both required."""
    return [
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
    ]


def webhook_delivery_columns() -> list[sa.Column[Any]]:
    """consent_webhook_deliveries as revision 0003 made it, but for its id; 0012 moves its rows
    into outbound_messages and, on downgrade, back."""
    return [
        sa.Column("webhook_id", sa.BigInteger(), nullable=False),
        profile_id(),
        sa.Column("record_id", sa.BigInteger(), nullable=False),
        sa.Column("body", JSON, nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TIME, nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("delivered_at", TIME, nullable=True),
    ]
