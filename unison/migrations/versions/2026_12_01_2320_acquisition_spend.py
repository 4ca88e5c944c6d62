"""acquisition spend per channel and month (CLV unit economics)"""

import sqlalchemy as sa
from alembic import op

from unison.migrations.columns import TIME
from unison.migrations.tables import serial_table, unique_index

revision: str = "0007"
down_revision: str | None = "0006"


def upgrade() -> None:
    serial_table(
        "acquisition_spend",
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", sa.Float(), nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
    )
    unique_index(
        "uq_acquisition_spend_channel_month_currency",
        "acquisition_spend",
        "channel",
        "month",
        "currency",
    )


def downgrade() -> None:
    op.drop_table("acquisition_spend")
