"""Bearer tokens for /api/*, stored hashed, each with one role."""

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from unison.models.base import Base, NamedRow, UTCDateTime


class ApiToken(NamedRow, Base):
    __tablename__ = "api_tokens"

    role: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_hint: Mapped[str] = mapped_column(String(20))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
