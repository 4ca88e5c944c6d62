"""computed traits: values analyses compute per profile (segments, RFM, CLV)"""

import sqlalchemy as sa
from alembic import op

from unison.migrations.columns import JSON, TIME

revision: str = "0004"
down_revision: str | None = "0003"


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
    op.drop_table("computed_traits")
