"""Table, key and index builders the revision files share; the names they give follow the
models' naming convention (pk_<table>, fk_<table>_<column>_<referred>, ix_<table>_<column>).

Revisions are history: a builder here may gain a parameter, never change what it builds.
"""

import sqlalchemy as sa
from alembic import op

from unison.migrations.columns import serial, webhook_delivery_columns


def serial_table(name: str, *items: sa.schema.SchemaItem) -> None:
    """A table whose primary key is the auto-increment `id` (see serial), then the items."""
    op.create_table(name, serial(), *items)


def keyed_by(table: str, *columns: str) -> sa.PrimaryKeyConstraint:
    """The composite or natural primary key (pk_<table>, the models' naming convention)."""
    return sa.PrimaryKeyConstraint(*columns, name=op.f(f"pk_{table}"))


def foreign_key(
    table: str, column: str, referred: str, *, ondelete: str | None = None
) -> sa.ForeignKeyConstraint:
    """<table>.<column> refers to <referred>.id (fk_<table>_<column>_<referred>, the models'
    naming convention)."""
    return sa.ForeignKeyConstraint(
        [column],
        [f"{referred}.id"],
        name=op.f(f"fk_{table}_{column}_{referred}"),
        ondelete=ondelete,
    )


def indexes(table: str, *columns: str) -> None:
    """A plain index on each column in turn (not one over them all), named as the models name
    it: ix_<table>_<column>."""
    for column in columns:
        op.create_index(f"ix_{table}_{column}", table, [column])


def unique_index(name: str, table: str, *columns: str) -> None:
    """A unique index over the columns, in their order."""
    op.create_index(name, table, list(columns), unique=True)


def create_webhook_deliveries() -> None:
    """Created by revision 0003, dropped by 0012 and created again by its downgrade."""
    serial_table("consent_webhook_deliveries", *webhook_delivery_columns())
    op.create_index(
        "ix_consent_webhook_deliveries_due",
        "consent_webhook_deliveries",
        ["status", "next_attempt_at"],
    )
    indexes("consent_webhook_deliveries", "profile_id")
