"""broadcasts' control version: moved by a pause, resume or cancel only

A fan-out chunk confirms its progress only if no pause, resume or cancel came in between.
It compared the row's `updated_at`, which every chunk's own confirmation moves too: two
fan-out processes sharing a broadcast's recipients would keep overtaking each other's
chunks. `control_version` is what a chunk that sends compares instead.
"""

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"


def upgrade() -> None:
    with op.batch_alter_table("broadcasts") as batch:
        batch.add_column(
            sa.Column("control_version", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("broadcasts") as batch:
        batch.drop_column("control_version")
