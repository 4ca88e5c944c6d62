"""acquisition spend per channel and month (CLV unit economics)"""

import sqlalchemy as sa
from alembic import op

from unison.migrations.columns import TIME, serial

revision: str = "0007"
down_revision: str | None = "0006"


def upgrade() -> None:
    op.create_table(
        "acquisition_spend",
        serial(),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", sa.Float(), nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
    )
    op.create_index(
        "uq_acquisition_spend_channel_month_currency",
        "acquisition_spend",
        ["channel", "month", "currency"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_table("acquisition_spend")
