"""computed traits: values analyses compute per profile (segments, RFM, CLV)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 15:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "computed_traits",
        sa.Column("profile_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("value", JSON, nullable=True),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("computed_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("profile_id", "name", name=op.f("pk_computed_traits")),
    )
    op.create_index("ix_computed_traits_name", "computed_traits", ["name"])


def downgrade() -> None:
    op.drop_index("ix_computed_traits_name", table_name="computed_traits")
    op.drop_table("computed_traits")
