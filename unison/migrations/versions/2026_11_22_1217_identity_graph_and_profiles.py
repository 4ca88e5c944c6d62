"""identity graph, profiles, processor offsets"""

import sqlalchemy as sa
from alembic import op

from unison.migrations.columns import JSON, TIME, serial

revision: str = "0002"
down_revision: str | None = "0001"


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    # The inserting transaction's id (PostgreSQL): processors read the log in (txid, id)
    # order below the oldest running transaction, so no row is skipped or read twice.
    op.add_column(
        "events",
        sa.Column(
            "txid",
            sa.BigInteger(),
            nullable=True,
            server_default=sa.text("(pg_current_xact_id()::text::bigint)") if postgres else None,
        ),
    )
    if postgres:
        op.create_index("ix_events_txid_id", "events", ["txid", "id"])
    op.add_column("sources", sa.Column("default_region", sa.String(2), nullable=True))
    op.create_table(
        "processor_offsets",
        sa.Column("name", sa.String(60), primary_key=True),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("txid", sa.BigInteger(), nullable=False),
        sa.Column("writer", sa.String(80), nullable=False),
        sa.Column("epoch", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
    )
    op.create_table(
        "identifiers",
        serial(),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("value", sa.String(255), nullable=False),
        sa.Column("profile_id", sa.BigInteger(), nullable=False),
        sa.Column("first_seen", TIME, nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
    )
    op.create_index("uq_identifiers_type_value", "identifiers", ["type", "value"], unique=True)
    op.create_index("ix_identifiers_profile_id", "identifiers", ["profile_id"])
    op.create_index("ix_identifiers_value", "identifiers", ["value"])
    op.create_table(
        "identifier_rejections",
        serial(),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("value", sa.String(255), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
    )
    op.create_index("ix_identifier_rejections_event_id", "identifier_rejections", ["event_id"])
    op.create_table(
        "merges",
        serial(),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("rule", sa.String(40), nullable=False),
        sa.Column("survivor_id", sa.BigInteger(), nullable=False),
        sa.Column("merged_id", sa.BigInteger(), nullable=False),
        sa.Column("survivor_identifiers", JSON, nullable=False),
        sa.Column("merged_identifiers", JSON, nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("undone_at", TIME, nullable=True),
        sa.Column("undone_reason", sa.String(200), nullable=True),
    )
    op.create_index("ix_merges_survivor_id", "merges", ["survivor_id"])
    op.create_index("ix_merges_merged_id", "merges", ["merged_id"])
    op.create_table(
        "identity_conflicts",
        serial(),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("rule", sa.String(40), nullable=False),
        sa.Column("profile_id", sa.BigInteger(), nullable=False),
        sa.Column("other_profile_id", sa.BigInteger(), nullable=True),
        sa.Column("identifier_type", sa.String(40), nullable=False),
        sa.Column("identifier_value", sa.String(255), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("resolved_at", TIME, nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
    )
    op.create_index("ix_identity_conflicts_profile_id", "identity_conflicts", ["profile_id"])
    op.create_index("ix_identity_conflicts_status", "identity_conflicts", ["status"])
    op.create_table(
        "identity_blocks",
        serial(),
        sa.Column("a_type", sa.String(40), nullable=False),
        sa.Column("a_value", sa.String(255), nullable=False),
        sa.Column("b_type", sa.String(40), nullable=False),
        sa.Column("b_value", sa.String(255), nullable=False),
        sa.Column("merge_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
    )
    op.create_index(
        "uq_identity_blocks_pair",
        "identity_blocks",
        ["a_type", "a_value", "b_type", "b_value"],
        unique=True,
    )
    op.create_index("ix_identity_blocks_a_value", "identity_blocks", ["a_value"])
    op.create_index("ix_identity_blocks_b_value", "identity_blocks", ["b_value"])
    op.create_table(
        "profiles",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("canonical_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.Column("identifier_counts", JSON, nullable=False),
        sa.Column("traits", JSON, nullable=False),
        sa.Column("first_seen", TIME, nullable=False),
        sa.Column("last_seen", TIME, nullable=False),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column("order_count", sa.Integer(), nullable=False),
        sa.Column("revenue", JSON, nullable=False),
        sa.Column("last_order_at", TIME, nullable=True),
        sa.Column("channels", JSON, nullable=False),
        sa.Column("search_name", sa.String(255), nullable=True),
    )
    op.create_index("ix_profiles_canonical_id", "profiles", ["canonical_id"])
    op.create_index("ix_profiles_search_name", "profiles", ["search_name"])
    op.create_table(
        "event_profiles",
        sa.Column("event_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("profile_id", sa.BigInteger(), nullable=False),
        sa.Column("timestamp", TIME, nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("event", sa.String(255), nullable=True),
    )
    op.create_index(
        "ix_event_profiles_profile_id_timestamp", "event_profiles", ["profile_id", "timestamp"]
    )


def downgrade() -> None:
    for table in (
        "event_profiles",
        "profiles",
        "identity_blocks",
        "identity_conflicts",
        "merges",
        "identifier_rejections",
        "identifiers",
        "processor_offsets",
    ):
        op.drop_table(table)
    with op.batch_alter_table("sources") as batch:
        batch.drop_column("default_region")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_events_txid_id", "events")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("txid")
