"""The identity graph: identifiers, their owners, and the audit of merges and conflicts."""

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from unison.models.base import Base, Json, SerialId, UTCDateTime


class Identifier(SerialId, Base):
    """One normalized identifier and the (canonical) profile that owns it."""

    __tablename__ = "identifiers"

    type: Mapped[str] = mapped_column(String(40))
    value: Mapped[str] = mapped_column(String(255))
    profile_id: Mapped[int] = mapped_column(BigInteger)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime())
    event_id: Mapped[int] = mapped_column(BigInteger)  # the event that brought it

    __table_args__ = (
        Index("uq_identifiers_type_value", "type", "value", unique=True),
        Index("ix_identifiers_profile_id", "profile_id"),
        Index("ix_identifiers_value", "value"),
    )


class IdentifierRejection(SerialId, Base):
    """An identifier that failed normalization: kept with its reason, never silently dropped."""

    __tablename__ = "identifier_rejections"

    event_id: Mapped[int] = mapped_column(BigInteger, index=True)
    type: Mapped[str] = mapped_column(String(40))
    value: Mapped[str] = mapped_column(String(255))
    reason: Mapped[str] = mapped_column(Text)


class Merge(SerialId, Base):
    """Profile `merged_id` joined `survivor_id` because of `event_id`, under `rule`."""

    __tablename__ = "merges"

    event_id: Mapped[int] = mapped_column(BigInteger)
    rule: Mapped[str] = mapped_column(String(40))
    survivor_id: Mapped[int] = mapped_column(BigInteger, index=True)
    merged_id: Mapped[int] = mapped_column(BigInteger, index=True)
    # The identifiers of the event on each side: [[type, value], ...]
    survivor_identifiers: Mapped[Any] = mapped_column(Json)
    merged_identifiers: Mapped[Any] = mapped_column(Json)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    undone_reason: Mapped[str | None] = mapped_column(String(200), default=None)


class IdentityConflict(SerialId, Base):
    """A link that was not made because a rule forbade it; listed and resolvable."""

    __tablename__ = "identity_conflicts"

    event_id: Mapped[int] = mapped_column(BigInteger)
    rule: Mapped[str] = mapped_column(String(40))
    profile_id: Mapped[int] = mapped_column(BigInteger, index=True)
    other_profile_id: Mapped[int | None] = mapped_column(BigInteger)
    identifier_type: Mapped[str] = mapped_column(String(40))
    identifier_value: Mapped[str] = mapped_column(String(255))
    detail: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    resolution: Mapped[str | None] = mapped_column(Text, default=None)

    __table_args__ = (Index("ix_identity_conflicts_status", "status"),)


class IdentityBlock(SerialId, Base):
    """Two identifiers that must never be linked again (set by a split)."""

    __tablename__ = "identity_blocks"

    a_type: Mapped[str] = mapped_column(String(40))
    a_value: Mapped[str] = mapped_column(String(255))
    b_type: Mapped[str] = mapped_column(String(40))
    b_value: Mapped[str] = mapped_column(String(255))
    merge_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        Index("uq_identity_blocks_pair", "a_type", "a_value", "b_type", "b_value", unique=True),
        Index("ix_identity_blocks_a_value", "a_value"),
        Index("ix_identity_blocks_b_value", "b_value"),
    )


class IdentifierCooccurrence(SerialId, Base):
    """A strong identifier (user_id, email, phone) seen on an event with a device id.

    The strong value is kept only as a SHA-256 digest: counting distinct people needs no PII.
    Once the device is shared (SharedIdentifier) nothing more is recorded for it, so a
    device holds at most the limit + 1 rows per type.
    """

    __tablename__ = "identifier_cooccurrences"

    type: Mapped[str] = mapped_column(String(40))
    value: Mapped[str] = mapped_column(String(255))
    strong_type: Mapped[str] = mapped_column(String(40))
    strong_hash: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (
        Index(
            "uq_identifier_cooccurrences",
            "value",
            "type",
            "strong_type",
            "strong_hash",
            unique=True,
        ),
    )


class SharedIdentifier(SerialId, Base):
    """A device id seen with too many strong identities: it never links profiles again.

    Kept through rebuilds (like identity_blocks): it is a finding about the device, and a
    replay that forgot it would link through the device again until re-detected.
    """

    __tablename__ = "shared_identifiers"

    type: Mapped[str] = mapped_column(String(40))
    value: Mapped[str] = mapped_column(String(255))
    strong_type: Mapped[str] = mapped_column(String(40))  # the type that went over the limit
    identities: Mapped[int] = mapped_column(BigInteger)  # distinct values of it then seen
    event_id: Mapped[int] = mapped_column(BigInteger)  # the event that crossed the limit
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime())
    profile_id: Mapped[int | None] = mapped_column(BigInteger, default=None)  # rebuilt group
    undone_merges: Mapped[int] = mapped_column(BigInteger, default=0)

    __table_args__ = (Index("uq_shared_identifiers", "value", "type", unique=True),)
