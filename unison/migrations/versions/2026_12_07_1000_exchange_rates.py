"""dated exchange rates for the CLV reporting currency (issue 14 item 10)"""

import sqlalchemy as sa
from alembic import op

from unison.migrations.columns import TIME
from unison.migrations.tables import serial_table, unique_index

revision: str = "0010"
down_revision: str | None = "0009"


def upgrade() -> None:
    serial_table(
        "exchange_rates",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("base", sa.String(length=3), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("rate", sa.Float(), nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
    )
    unique_index("uq_exchange_rates_base_currency_day", "exchange_rates", "base", "currency", "day")


def downgrade() -> None:
    op.drop_table("exchange_rates")
