"""event lookup keys move off the ingest commit: event_lookup, kept by a log processor

The events table keeps only its dedupe index; user id, anonymous id and time lookups go
through event_lookup, which the `event-lookup` processor fills from the log (from the
beginning: on an existing database it catches up in the background, and reads stay exact
meanwhile by also scanning the events it has not reached).
"""

import sqlalchemy as sa
from alembic import op

from unison.migrations.columns import TIME

revision: str = "0008"
down_revision: str | None = "0007"


def upgrade() -> None:
    op.create_table(
        "event_lookup",
        sa.Column("event_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("user_id", sa.String(length=255), nullable=True),
        sa.Column("anonymous_id", sa.String(length=255), nullable=True),
        sa.Column("timestamp", TIME, nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_event_lookup")),
    )
    op.create_index("ix_event_lookup_user_id", "event_lookup", ["user_id"])
    op.create_index("ix_event_lookup_anonymous_id", "event_lookup", ["anonymous_id"])
    op.create_index("ix_event_lookup_timestamp", "event_lookup", ["timestamp"])
    op.drop_index("ix_events_user_id", table_name="events")
    op.drop_index("ix_events_anonymous_id", table_name="events")
    op.drop_index("ix_events_timestamp", table_name="events")


def downgrade() -> None:
    op.create_index("ix_events_timestamp", "events", ["timestamp"])
    op.create_index("ix_events_anonymous_id", "events", ["anonymous_id"])
    op.create_index("ix_events_user_id", "events", ["user_id"])
    op.drop_table("event_lookup")
