"""Declarative base, naming convention and portable column types."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Dialect,
    Integer,
    MetaData,
    String,
    Table,
    TypeDecorator,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-increments an "INTEGER PRIMARY KEY"; PostgreSQL gets a real BIGINT.
BigId = BigInteger().with_variant(Integer(), "sqlite")
# JSONB on PostgreSQL (indexable, compact); JSON text on SQLite.
Json = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """Always timezone-aware UTC in Python; timestamptz on PostgreSQL, naive UTC on SQLite."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class SerialId:
    """Mixin: the auto-increment `id` primary key (BIGINT on PostgreSQL), as a table's first
    column (sort_order: a mixin's columns otherwise follow the class's own)."""

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True, sort_order=-1)


class NamedRow:
    """Mixin: a row of named configuration (an API token, a source, a staff user): its id, the
    unique name people give it (kit/names.py's rule: at most 100 characters), when it was
    created. kit.db.NamedRows finds, lists and adds such rows by these columns."""

    id: Mapped[int] = mapped_column(primary_key=True, sort_order=-1)
    name: Mapped[str] = mapped_column(String(100), unique=True, sort_order=-1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


def table(model: type[Base]) -> Table:
    """A model's Core table, for bulk statements that skip the ORM's per-row bookkeeping."""
    found = model.__table__
    assert isinstance(found, Table)
    return found
