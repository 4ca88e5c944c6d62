"""Profiles (the projection of the log per customer) and which profile each event went to.

A profile's id is the id of the event that created it, so rebuilding from the log, or a
split, gives every profile back its id. `canonical_id` points at the surviving profile after
merges (itself while alive), so an old id keeps resolving.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from unison.models.base import Base, Json, UTCDateTime


class Profile(Base):
    __tablename__ = "profiles"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    canonical_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    identifier_counts: Mapped[dict[str, int]] = mapped_column(Json, default=dict)
    # name -> {"value", "at", "event_id", "source", "channel"}: each trait with provenance
    traits: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime())
    event_count: Mapped[int] = mapped_column(Integer, default=0)
    order_count: Mapped[int] = mapped_column(Integer, default=0)
    revenue: Mapped[dict[str, float]] = mapped_column(Json, default=dict)  # currency -> sum
    last_order_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # channel -> {"first", "last", "events"}
    channels: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    # lower-cased name for prefix search (emails and phones are searched as identifiers)
    search_name: Mapped[str | None] = mapped_column(String(255), default=None)

    __table_args__ = (
        Index("ix_profiles_canonical_id", "canonical_id"),
        Index("ix_profiles_search_name", "search_name"),
    )


class EventProfile(Base):
    """The profile an event was attributed to when processed (follow canonical_id)."""

    __tablename__ = "event_profiles"

    event_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    profile_id: Mapped[int] = mapped_column(BigInteger)
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime())
    channel: Mapped[str] = mapped_column(String(20))
    event: Mapped[str | None] = mapped_column(String(255))

    __table_args__ = (Index("ix_event_profiles_profile_id_timestamp", "profile_id", "timestamp"),)


class ComputedTrait(Base):
    """A value computed for a profile by an analysis (segments' aggregates, RFM, CLV...).

    Kept apart from `profiles.traits` (what the customer or a source said) so a rebuild of
    the projection never mixes the two, and each producer replaces only its own names.
    """

    __tablename__ = "computed_traits"

    profile_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(Json, nullable=True)
    source: Mapped[str] = mapped_column(String(40))  # the producer: "segments", "rfm", "clv"
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_computed_traits_name", "name"),)
