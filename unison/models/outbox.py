"""The transactional outbox of outbound messages (unison/outbox/delivery.py sends them)."""

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from unison.models.base import Base, Json, SerialId, UTCDateTime


class OutboundMessage(SerialId, Base):
    __tablename__ = "outbound_messages"

    # Derived from what caused the message (e.g. the consent record): a replay never doubles it.
    idempotency_key: Mapped[str] = mapped_column(String(200))
    profile_id: Mapped[int] = mapped_column(BigInteger)
    channel: Mapped[str] = mapped_column(String(20))
    recipient_type: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(255))
    purpose: Mapped[str] = mapped_column(String(60))
    language: Mapped[str] = mapped_column(String(10))
    subject: Mapped[str | None] = mapped_column(Text, default=None)  # email only
    # A reply leaves through the account the customer wrote to: the source (connector) of the
    # inbound message it answers. None: any configured account of the channel.
    via_source_id: Mapped[int | None] = mapped_column(Integer, default=None)
    body: Mapped[str] = mapped_column(Text)
    # The rendered message per channel (docs/design/outbox.md); None on rows that carry
    # only `subject`/`body` (consent confirmations, replies, consent webhooks).
    content: Mapped[dict[str, Any] | None] = mapped_column(Json, default=None)
    # Ids receipts copy into their events: message, template(+version), campaign, broadcast.
    meta: Mapped[dict[str, Any] | None] = mapped_column(Json, default=None)
    # What the provider called it (wamid, Twilio SID, Telegram message_id...): status
    # webhooks find the row by it.
    provider_message_id: Mapped[str | None] = mapped_column(String(255), default=None)
    # Set when a dispatcher starts sending the row, cleared when it records the outcome: a
    # row still claimed after its lease ran out was in flight when its dispatcher died.
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # queued -> sent; failed (a permanent refusal) or dead (out of attempts; requeueable).
    status: Mapped[str] = mapped_column(String(20), default="queued")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    # None: due at once. Moved past the send timeout while a sender holds the row (a lease).
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    last_error: Mapped[str | None] = mapped_column(String(300), default=None)

    __table_args__ = (
        Index("uq_outbound_messages_idempotency_key", "idempotency_key", unique=True),
        Index("ix_outbound_messages_profile_id", "profile_id"),
        Index("ix_outbound_messages_status", "status"),
        Index("ix_outbound_messages_due", "status", "channel", "next_attempt_at"),
        Index("ix_outbound_messages_provider_message_id", "channel", "provider_message_id"),
    )
