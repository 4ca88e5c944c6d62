"""identity graph, profiles, processor offsets"""

import sqlalchemy as sa
from alembic import op

from unison.migrations.columns import JSON, TIME, identifier, profile_id, timestamps
from unison.migrations.tables import indexes, serial_table, unique_index

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
    serial_table(
        "identifiers",
        *identifier(),
        profile_id(),
        sa.Column("first_seen", TIME, nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
    )
    unique_index("uq_identifiers_type_value", "identifiers", "type", "value")
    indexes("identifiers", "profile_id", "value")
    serial_table(
        "identifier_rejections",
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        *identifier(),
        sa.Column("reason", sa.Text(), nullable=False),
    )
    indexes("identifier_rejections", "event_id")
    serial_table(
        "merges",
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
    indexes("merges", "survivor_id", "merged_id")
    serial_table(
        "identity_conflicts",
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("rule", sa.String(40), nullable=False),
        profile_id(),
        sa.Column("other_profile_id", sa.BigInteger(), nullable=True),
        *identifier("identifier_"),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("resolved_at", TIME, nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
    )
    indexes("identity_conflicts", "profile_id", "status")
    serial_table(
        "identity_blocks",
        *identifier("a_"),
        *identifier("b_"),
        sa.Column("merge_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
    )
    unique_index(
        "uq_identity_blocks_pair", "identity_blocks", "a_type", "a_value", "b_type", "b_value"
    )
    indexes("identity_blocks", "a_value", "b_value")
    op.create_table(
        "profiles",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("canonical_id", sa.BigInteger(), nullable=False),
        *timestamps(),
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
    indexes("profiles", "canonical_id", "search_name")
    op.create_table(
        "event_profiles",
        sa.Column("event_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        profile_id(),
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
