"""API shapes for sending a message, a profile's messages with the gate's decisions, and the
channels' kill switches."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from unison.api.ids import DbId

Decision = Literal["queued", "deferred", "suppressed"]
SendDecision = Literal["send", "defer", "suppress"]


class MessageDecision(BaseModel):
    """A message the gate decided on: where it went (or would have) and why."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    profile_id: int
    idempotency_key: str
    purpose: str
    transactional: bool
    template_id: int | None
    template_version: int | None
    campaign_id: str | None
    broadcast_id: int | None
    variant: str | None
    locale: str | None
    channel: str | None
    channel_reason: str = Field(description="why this channel was chosen")
    recipient: str | None = Field(description="the exact identifier the message is for")
    decision: Decision = Field(description="the gate's decision when the message was decided")
    reasons: list[str] = Field(description="reason codes, e.g. consent, withdrawn, quiet_hours")
    detail: str
    deliver_after: datetime | None = Field(description="deferred (quiet hours) until then")
    outbox_key: str | None
    created_at: datetime
    send_decision: SendDecision | None = Field(
        default=None, description="the gate's verdict at send time"
    )
    send_reason: str | None = None
    checked_at: datetime | None = None
    released_at: datetime | None = Field(
        default=None, description="when the send-time gate let it go"
    )
    choice: dict[str, Any] = Field(description="what the learned channel choice counted")
    replayed: bool = Field(
        default=False, description="true when the idempotency key had already been decided"
    )


class MessageDecisionCreate(BaseModel):
    """Send one template to one profile through the gate."""

    model_config = ConfigDict(extra="forbid")

    profile_id: DbId
    template_id: DbId
    purpose: str = Field(min_length=1, max_length=60, description="a declared consent purpose")
    idempotency_key: str = Field(
        min_length=1, max_length=200, description="a retry with the same key is never sent twice"
    )
    alternatives: list[DbId] = Field(
        default_factory=list,
        max_length=10,
        description="templates on other channels the channel choice may use instead",
    )
    locales: list[str] = Field(
        default_factory=list, max_length=10, description="locale fallback chain, e.g. [ka, ru, en]"
    )
    campaign_id: str | None = Field(default=None, max_length=100)
    choice: Literal["preferred", "learned"] | None = None
    segment_id: DbId | None = Field(
        default=None, description="learned choice falls back to this segment's engagement"
    )


class Channel(BaseModel):
    """A channel's kill switch."""

    model_config = ConfigDict(from_attributes=True)

    channel: str
    enabled: bool
    updated_at: datetime | None = None
    updated_by: str | None = None


class ChannelUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool
