"""The transactional outbox of outbound messages (delivery adapters read it later)."""

from datetime import datetime

from sqlalchemy import BigInteger, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from unison.models.base import Base, BigId, UTCDateTime


class OutboundMessage(Base):
    __tablename__ = "outbound_messages"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    # Derived from what caused the message (e.g. the consent record): a replay never doubles it.
    idempotency_key: Mapped[str] = mapped_column(String(200))
    profile_id: Mapped[int] = mapped_column(BigInteger)
    channel: Mapped[str] = mapped_column(String(20))
    recipient_type: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(255))
    purpose: Mapped[str] = mapped_column(String(60))
    language: Mapped[str] = mapped_column(String(10))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="queued")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        Index("uq_outbound_messages_idempotency_key", "idempotency_key", unique=True),
        Index("ix_outbound_messages_profile_id", "profile_id"),
        Index("ix_outbound_messages_status", "status"),
    )
