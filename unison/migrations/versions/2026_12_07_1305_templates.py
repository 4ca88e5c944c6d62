"""message templates and their immutable versions (issue 17 item 1)"""

import sqlalchemy as sa
from alembic import op

from unison.migrations.columns import BIG_ID, JSON, TIME

revision: str = "0014"
down_revision: str | None = "0013"


def upgrade() -> None:
    op.create_table(
        "templates",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_templates")),
    )
    op.create_index("uq_templates_name", "templates", ["name"], unique=True)
    op.create_table(
        "template_versions",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("template_id", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("variants", JSON, nullable=False),
        sa.Column("default_locale", sa.String(length=35), nullable=False),
        sa.Column("fallback_locales", JSON, nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_template_versions")),
    )
    op.create_index(
        "uq_template_versions_template_id_version",
        "template_versions",
        ["template_id", "version"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("uq_template_versions_template_id_version", table_name="template_versions")
    op.drop_table("template_versions")
    op.drop_index("uq_templates_name", table_name="templates")
    op.drop_table("templates")
