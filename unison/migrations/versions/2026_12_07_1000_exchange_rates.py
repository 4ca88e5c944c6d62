"""dated exchange rates for the CLV reporting currency (issue 14 item 10)"""

import sqlalchemy as sa
from alembic import op

from unison.migrations.columns import TIME, serial

revision: str = "0010"
down_revision: str | None = "0009"


def upgrade() -> None:
    op.create_table(
        "exchange_rates",
        serial(),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("base", sa.String(length=3), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("rate", sa.Float(), nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
    )
    op.create_index(
        "uq_exchange_rates_base_currency_day",
        "exchange_rates",
        ["base", "currency", "day"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_table("exchange_rates")
