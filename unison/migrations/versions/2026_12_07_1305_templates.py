"""message templates and their immutable versions (issue 17 item 1)"""

import sqlalchemy as sa
from alembic import op

from unison.migrations.columns import JSON, TIME, timestamps
from unison.migrations.tables import serial_table, unique_index

revision: str = "0014"
down_revision: str | None = "0013"


def upgrade() -> None:
    serial_table(
        "templates",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        *timestamps(),
    )
    unique_index("uq_templates_name", "templates", "name")
    serial_table(
        "template_versions",
        sa.Column("template_id", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("variants", JSON, nullable=False),
        sa.Column("default_locale", sa.String(length=35), nullable=False),
        sa.Column("fallback_locales", JSON, nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=True),
    )
    unique_index(
        "uq_template_versions_template_id_version", "template_versions", "template_id", "version"
    )


def downgrade() -> None:
    op.drop_index("uq_template_versions_template_id_version", table_name="template_versions")
    op.drop_table("template_versions")
    op.drop_index("uq_templates_name", table_name="templates")
    op.drop_table("templates")
