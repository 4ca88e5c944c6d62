"""computed traits: values analyses compute per profile (segments, RFM, CLV)"""

import sqlalchemy as sa
from alembic import op

from unison.migrations.columns import JSON, TIME, profile_id
from unison.migrations.tables import indexes, keyed_by

revision: str = "0004"
down_revision: str | None = "0003"


def upgrade() -> None:
    op.create_table(
        "computed_traits",
        profile_id(),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("value", JSON, nullable=True),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("computed_at", TIME, nullable=False),
        keyed_by("computed_traits", "profile_id", "name"),
    )
    indexes("computed_traits", "name")


def downgrade() -> None:
    op.drop_table("computed_traits")
