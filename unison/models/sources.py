"""Sources: systems that send events, each with its write key (stored hashed)."""

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from unison.models.base import Base, NamedRow


class Source(NamedRow, Base):
    __tablename__ = "sources"

    channel: Mapped[str] = mapped_column(String(20))
    write_key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    write_key_hint: Mapped[str] = mapped_column(String(20))
    # ISO 3166 region for phone numbers written without a country code (e.g. "GE").
    default_region: Mapped[str | None] = mapped_column(String(2), default=None)
