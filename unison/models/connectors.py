"""Configured channel connectors (a Telegram bot, a WhatsApp number, a PBX...).

Each connector writes its events under its own source (`connector:<name>`), so the event
log's (source, messageId) dedupe key covers exactly one provider account. Provider secrets
are one Fernet token (`sealed`), never stored or listed in clear.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from unison.models.base import Base, Json, UTCDateTime


class Connector(Base):
    __tablename__ = "connectors"

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(60))
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    # ISO 3166 region for phone numbers written without a country code (also the source's).
    region: Mapped[str | None] = mapped_column(String(2), default=None)
    sealed: Mapped[str] = mapped_column(Text)  # Fernet token of the secrets' JSON
    secret_names: Mapped[list[str]] = mapped_column(Json, default=list)  # listed, not values
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (Index("uq_connectors_name", "name", unique=True),)
