"""Segments, their members and history, computed-trait definitions and due timers."""

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from unison.models.base import Base, Json, SerialId, UTCDateTime


class Segment(SerialId, Base):
    __tablename__ = "segments"

    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    definition: Mapped[dict[str, Any]] = mapped_column(Json)  # the canonical JSON tree
    text: Mapped[str] = mapped_column(Text)  # the same in the text form
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    member_count: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    evaluated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class SegmentMember(Base):
    __tablename__ = "segment_members"

    segment_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    profile_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_segment_members_profile_id", "profile_id"),)


class SegmentHistory(SerialId, Base):
    """Every entry and exit, with when and why (kept after the segment is deleted)."""

    __tablename__ = "segment_history"

    segment_id: Mapped[int] = mapped_column(BigInteger)
    profile_id: Mapped[int] = mapped_column(BigInteger)
    change: Mapped[str] = mapped_column(String(10))  # entered | exited
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    trigger: Mapped[str] = mapped_column(String(20))  # event | timer | recompute | merge | split
    reason: Mapped[Any] = mapped_column(Json)

    __table_args__ = (
        Index("ix_segment_history_segment_id_profile_id", "segment_id", "profile_id"),
        Index("ix_segment_history_profile_id", "profile_id"),
    )


class SegmentTimer(Base):
    """When a window condition may next change a profile's answer: `owner` is
    `segment:<id>` or `trait:<name>`; the scheduler re-evaluates at `due_at`."""

    __tablename__ = "segment_timers"

    owner: Mapped[str] = mapped_column(String(120), primary_key=True)
    profile_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        Index("ix_segment_timers_due_at", "due_at"),
        Index("ix_segment_timers_profile_id", "profile_id"),
    )


class TraitDefinitionRow(Base):
    """A computed trait defined in the segment language (maintained by the segments processor)."""

    __tablename__ = "computed_trait_definitions"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    definition: Mapped[dict[str, Any]] = mapped_column(Json)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SegmentState(Base):
    """Small named values of the segments domain (RFM quintile boundaries)."""

    __tablename__ = "segment_state"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[Any] = mapped_column(Json)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
