"""The consent ledger and what is projected from it: per-identifier state, preferences,
suppression, purposes, outbound webhooks and privacy requests.

Consent is keyed by the channel identifier it was given for (type + normalized value), not
by profile: a merge of profiles never widens it and a split never loses a withdrawal. Each
record still carries the profile it was recorded on, whose hash chain it extends.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from unison.models.base import Base, Json, SerialId, UTCDateTime


class ConsentRecord(SerialId, Base):
    """One append-only ledger entry; never updated, deleted only by an erasure."""

    __tablename__ = "consent_records"

    profile_id: Mapped[int] = mapped_column(BigInteger)
    seq: Mapped[int] = mapped_column(Integer)  # position in the profile's hash chain
    identifier_type: Mapped[str] = mapped_column(String(40))
    identifier_value: Mapped[str] = mapped_column(String(255))
    purpose: Mapped[str] = mapped_column(String(60))
    channel: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    legal_basis: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(40))  # api, event, keyword, preference_center...
    source_channel: Mapped[str | None] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(120))  # customer, agent:<token>, import
    proof: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    event_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # Set by an erasure, the one permitted change: the identifier is replaced by its hash and
    # the proof emptied; the links of the chain stay checkable, the content no longer is.
    redacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    __table_args__ = (
        Index("uq_consent_records_profile_id_seq", "profile_id", "seq", unique=True),
        Index(
            "ix_consent_records_identifier", "identifier_value", "identifier_type", "occurred_at"
        ),
        Index("ix_consent_records_event_id", "event_id"),
    )


class ConsentChainHead(Base):
    """The last link of a profile's chain; locked while appending so chains never fork."""

    __tablename__ = "consent_chain_heads"

    profile_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class ConsentState(Base):
    """Current consent per (identifier, purpose, channel): the projection of the ledger."""

    __tablename__ = "consent_state"

    identifier_type: Mapped[str] = mapped_column(String(40), primary_key=True)
    identifier_value: Mapped[str] = mapped_column(String(255), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(60), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    profile_id: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(40))
    source_channel: Mapped[str | None] = mapped_column(String(20))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    __table_args__ = (Index("ix_consent_state_profile_id", "profile_id"),)


class ConsentPreferences(Base):
    """Preferred channel and language, frequency, quiet hours and time zone of a profile."""

    __tablename__ = "consent_preferences"

    profile_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    preferred_channel: Mapped[str | None] = mapped_column(String(20), default=None)
    preferred_language: Mapped[str | None] = mapped_column(String(10), default=None)
    frequency: Mapped[str | None] = mapped_column(String(20), default=None)
    quiet_start: Mapped[str | None] = mapped_column(String(5), default=None)  # "22:00"
    quiet_end: Mapped[str | None] = mapped_column(String(5), default=None)
    time_zone: Mapped[str | None] = mapped_column(String(64), default=None)
    source: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ConsentPurpose(Base):
    """A purpose declared through the API (those in settings need no row)."""

    __tablename__ = "consent_purposes"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # marketing or service
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Suppression(SerialId, Base):
    """A globally suppressed identifier, kept only as a hash (survives erasure)."""

    __tablename__ = "consent_suppressions"

    identifier_hash: Mapped[str] = mapped_column(String(64))
    identifier_type: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(String(20))  # hard_bounce, spam_complaint, ...
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        Index("uq_consent_suppressions_hash_reason", "identifier_hash", "reason", unique=True),
    )


class ConsentWebhook(SerialId, Base):
    """An outbound subscription to consent changes; its signing secret is encrypted."""

    __tablename__ = "consent_webhooks"

    url: Mapped[str] = mapped_column(String(2000))
    secret_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    secret_hint: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PrivacyRequest(SerialId, Base):
    """An access or erasure request, kept as proof; it holds no PII (the subject is hashed)."""

    __tablename__ = "privacy_requests"

    kind: Mapped[str] = mapped_column(String(20))  # export or erase
    profile_id: Mapped[int] = mapped_column(BigInteger)
    subject_hashes: Mapped[list[str]] = mapped_column(Json, default=list)
    requested_by: Mapped[str] = mapped_column(String(120))
    summary: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_privacy_requests_profile_id", "profile_id"),)
