"""The append-only event log, and the rejected items kept beside it.

`id` is the log offset: processors read in `id` order. `(source_id, message_id)` is the
dedupe key. Partitioning by time on PostgreSQL is planned in docs/design/event-log.md.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from unison.models.base import Base, Json, SerialId, UTCDateTime


class Event(SerialId, Base):
    __tablename__ = "events"

    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    message_id: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(16))
    event: Mapped[str | None] = mapped_column(String(255))
    user_id: Mapped[str | None] = mapped_column(String(255))
    anonymous_id: Mapped[str | None] = mapped_column(String(255))
    channel: Mapped[str] = mapped_column(String(20))
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    payload: Mapped[dict[str, Any]] = mapped_column(Json)
    # PostgreSQL only (set by the database): the inserting transaction's id, so processors can
    # read exactly the rows whose transactions have all ended. NULL on SQLite.
    txid: Mapped[int | None] = mapped_column(BigInteger, default=None)

    # Only the dedupe key is indexed here: every index is written inside the commit that
    # acknowledges an event. Lookups by user, anonymous id and time use `event_lookup`.
    __table_args__ = (
        Index("uq_events_source_id_message_id", "source_id", "message_id", unique=True),
    )


class EventLookup(Base):
    """The event log's secondary keys, kept by the `event-lookup` log processor (see
    unison/events/lookup.py) so that the ingest commit maintains one index, not four."""

    __tablename__ = "event_lookup"

    event_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    user_id: Mapped[str | None] = mapped_column(String(255))
    anonymous_id: Mapped[str | None] = mapped_column(String(255))
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        Index("ix_event_lookup_user_id", "user_id"),
        Index("ix_event_lookup_anonymous_id", "anonymous_id"),
        Index("ix_event_lookup_timestamp", "timestamp"),
    )


class RejectedEvent(SerialId, Base):
    __tablename__ = "rejected_events"

    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"))
    origin: Mapped[str] = mapped_column(String(20))  # "api" or "import"
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    item_index: Mapped[int | None] = mapped_column(Integer)  # position in the batch
    line: Mapped[int | None] = mapped_column(Integer)  # line number in an imported file
    error: Mapped[str] = mapped_column(String(60))
    field: Mapped[str | None] = mapped_column(String(255))
    reason: Mapped[str] = mapped_column(Text)
    payload: Mapped[Any] = mapped_column(Json)

    __table_args__ = (Index("ix_rejected_events_source_id", "source_id"),)
