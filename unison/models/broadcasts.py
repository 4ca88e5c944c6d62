"""Broadcasts: one template (or A/B/n variants) to a segment, fanned out by a background loop
(unison/messaging/broadcasts), and the per-profile record of who was targeted, held out, in
which variant and when due."""

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from unison.models.base import Base, Json, SerialId, UTCDateTime


class Broadcast(SerialId, Base):
    __tablename__ = "broadcasts"

    name: Mapped[str] = mapped_column(String(200))
    segment_id: Mapped[int] = mapped_column(BigInteger)
    purpose: Mapped[str] = mapped_column(String(60))
    # [{"name": "A", "template_id": 1, "split": 50}, ...]: one entry when there is no test.
    variants: Mapped[list[dict[str, Any]]] = mapped_column(Json)
    locales: Mapped[list[str]] = mapped_column(Json, default=list)
    holdout_percent: Mapped[int] = mapped_column(Integer, default=0)
    # now | at (scheduled_at) | local (local_at in each customer's zone) | best_hour
    timing: Mapped[str] = mapped_column(String(20))
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    local_at: Mapped[str | None] = mapped_column(String(19), default=None)  # YYYY-MM-DDTHH:MM
    rate_per_second: Mapped[int | None] = mapped_column(Integer, default=None)
    # scheduled -> running -> done; running <-> paused; any but done -> cancelled
    status: Mapped[str] = mapped_column(String(20))
    # The fan-out's progress: the last segment member (profile id) given a recipient row.
    cursor: Mapped[int] = mapped_column(BigInteger, default=0)
    targeted_all: Mapped[bool] = mapped_column(Boolean, default=False)
    last_chunk_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # Moved by a pause, resume or cancel only: what a sending chunk confirms against.
    control_version: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    created_by: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    detail: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_broadcasts_status", "status"),)


class BroadcastRecipient(Base):
    """One targeted profile: its holdout/variant draw (deterministic, recorded), when it is
    due, and the message the pipeline decided for it (None until sent or when held out)."""

    __tablename__ = "broadcast_recipients"

    broadcast_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    profile_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    variant: Mapped[str | None] = mapped_column(String(40), default=None)
    holdout: Mapped[bool] = mapped_column(Boolean, default=False)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # pending -> sent (the pipeline decided: see messages) | holdout
    state: Mapped[str] = mapped_column(String(10))
    message_id: Mapped[int | None] = mapped_column(BigInteger, default=None)

    __table_args__ = (Index("ix_broadcast_recipients_due", "broadcast_id", "state", "due_at"),)
