"""event lookup keys move off the ingest commit: event_lookup, kept by a log processor

The events table keeps only its dedupe index; user id, anonymous id and time lookups go
through event_lookup, which the `event-lookup` processor fills from the log (from the
beginning: on an existing database it catches up in the background, and reads stay exact
meanwhile by also scanning the events it has not reached).
"""

import sqlalchemy as sa
from alembic import op

from unison.migrations.columns import TIME
from unison.migrations.tables import indexes, keyed_by

revision: str = "0008"
down_revision: str | None = "0007"


def upgrade() -> None:
    op.create_table(
        "event_lookup",
        sa.Column("event_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("user_id", sa.String(length=255), nullable=True),
        sa.Column("anonymous_id", sa.String(length=255), nullable=True),
        sa.Column("timestamp", TIME, nullable=False),
        keyed_by("event_lookup", "event_id"),
    )
    indexes("event_lookup", "user_id", "anonymous_id", "timestamp")
    op.drop_index("ix_events_user_id", table_name="events")
    op.drop_index("ix_events_anonymous_id", table_name="events")
    op.drop_index("ix_events_timestamp", table_name="events")


def downgrade() -> None:
    indexes("events", "timestamp", "anonymous_id", "user_id")
    op.drop_table("event_lookup")
