"""Messages the send gate decided on (one row per decided message, whatever the outcome) and
the per-channel kill switches it honours (unison/messaging)."""

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from unison.models.base import Base, Json, SerialId, UTCDateTime


class Message(SerialId, Base):
    """A message the gate decided on: what, to whom, on which channel and why, and what the
    gate said at decide time and again at send time. Never deleted but by an erasure."""

    __tablename__ = "messages"

    # The caller's key: a retry with it returns this row's decision instead of a second row.
    idempotency_key: Mapped[str] = mapped_column(String(200))
    profile_id: Mapped[int] = mapped_column(BigInteger)  # the live profile when decided
    template_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    template_version: Mapped[int | None] = mapped_column(Integer, default=None)
    campaign_id: Mapped[str | None] = mapped_column(String(100), default=None)
    broadcast_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    variant: Mapped[str | None] = mapped_column(String(40), default=None)
    purpose: Mapped[str] = mapped_column(String(60))
    transactional: Mapped[bool] = mapped_column(Boolean)
    locale: Mapped[str | None] = mapped_column(String(20), default=None)
    # The chosen channel (None when no candidate could be used) and why it was chosen.
    channel: Mapped[str | None] = mapped_column(String(20), default=None)
    channel_reason: Mapped[str] = mapped_column(Text, default="")
    recipient: Mapped[str | None] = mapped_column(String(255), default=None)  # the identifier
    # queued | deferred (quiet hours: queued for `deliver_after`) | suppressed
    decision: Mapped[str] = mapped_column(String(20))
    reasons: Mapped[list[str]] = mapped_column(Json, default=list)  # codes, e.g. "withdrawn"
    detail: Mapped[str] = mapped_column(Text, default="")
    deliver_after: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    outbox_key: Mapped[str | None] = mapped_column(String(200), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The send-time gate (messaging/send_time.py): its last verdict (send | defer | suppress)
    # and reason; `released_at` is when it let the message go (what caps count at send time).
    send_decision: Mapped[str | None] = mapped_column(String(20), default=None)
    send_reason: Mapped[str | None] = mapped_column(Text, default=None)
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # The engagement facts the channel choice used (learned mode), for the explanation.
    choice: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)

    __table_args__ = (
        Index("uq_messages_idempotency_key", "idempotency_key", unique=True),
        # A profile's history (newest first) and its frequency-cap counts: both by profile.
        Index("ix_messages_profile_id_id", "profile_id", "id"),
        Index("ix_messages_outbox_key", "outbox_key"),
    )


class MessagingChannel(Base):
    """A channel's global kill switch; no row means enabled."""

    __tablename__ = "messaging_channels"

    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(String(120))
