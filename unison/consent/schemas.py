"""API shapes for consent, preferences, reachability, purposes and suppression."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from unison.consent.vocabulary import ChannelName, LegalBasis, Reason, Status


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Proof(Strict):
    notice_version: str | None = Field(default=None, max_length=100)
    notice_text: str | None = Field(default=None, max_length=20_000, description="hashed, not kept")
    ip: str | None = Field(default=None, max_length=64)
    user_agent: str | None = Field(default=None, max_length=500)
    form_url: str | None = Field(default=None, max_length=2000)
    message_id: str | None = Field(default=None, max_length=255)


class ConsentChange(Strict):
    purpose: str = Field(min_length=1, max_length=60)
    channel: ChannelName
    status: Status
    identifier: str | None = Field(
        default=None,
        max_length=255,
        description="the address or number; default: every one the profile has for the channel",
    )
    legal_basis: LegalBasis = "consent"
    expires_at: datetime | None = None
    occurred_at: datetime | None = Field(default=None, description="default: now")
    source: Literal["api", "import"] = "api"
    proof: Proof = Field(default_factory=Proof)


class ConsentChanges(Strict):
    changes: list[ConsentChange] = Field(min_length=1, max_length=100)


class ConsentRecord(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    profile_id: int
    seq: int
    identifier_type: str
    identifier_value: str
    purpose: str
    channel: str
    status: str
    legal_basis: str
    source: str
    source_channel: str | None
    actor: str
    proof: dict[str, Any]
    occurred_at: datetime
    recorded_at: datetime
    expires_at: datetime | None
    event_id: int | None
    prev_hash: str
    hash: str
    redacted_at: datetime | None


class ConsentState(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    identifier_type: str
    identifier_value: str
    purpose: str
    channel: str
    status: str
    source: str
    source_channel: str | None
    occurred_at: datetime
    expires_at: datetime | None


class Consents(BaseModel):
    profile_id: int
    at: datetime | None = None
    items: list[ConsentState]


class ConsentHistory(BaseModel):
    profile_id: int
    items: list[ConsentRecord]


class Decision(BaseModel):
    channel: str
    purpose: str
    allowed: bool
    reason: str
    detail: str
    identifier: str | None


class PreferencesUpdate(Strict):
    preferred_channel: ChannelName | None = None
    preferred_language: Literal["en", "ru", "uk", "ka", "hy", "he"] | None = None
    frequency: Literal["immediate", "daily", "weekly", "monthly"] | None = None
    quiet_start: str | None = Field(default=None, pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    quiet_end: str | None = Field(default=None, pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    time_zone: str | None = Field(default=None, max_length=64)


class Preferences(PreferencesUpdate):
    model_config = ConfigDict(from_attributes=True, extra="ignore")


class Reachability(BaseModel):
    profile_id: int
    purpose: str
    at: datetime
    in_quiet_hours: bool
    preferences: Preferences
    channels: list[Decision]


class PurposeCreate(Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,59}$")
    kind: Literal["marketing", "service"] = "marketing"
    description: str = Field(default="", max_length=2000)


class Purpose(BaseModel):
    name: str
    kind: str
    description: str
    declared_in: Literal["settings", "api"]


class SuppressionCreate(Strict):
    identifier_type: str
    identifier: str = Field(min_length=1, max_length=255)
    reason: Reason
    note: str = Field(default="", max_length=500)


class Suppression(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    identifier_hash: str
    identifier_type: str
    reason: str
    note: str
    created_at: datetime


class Link(BaseModel):
    url: str
    expires_at: datetime


class UnsubscribeHeaders(BaseModel):
    list_unsubscribe: str = Field(serialization_alias="List-Unsubscribe")
    list_unsubscribe_post: str = Field(serialization_alias="List-Unsubscribe-Post")
    url: str
