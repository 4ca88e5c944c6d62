"""API shapes of broadcasts: what to send to which segment and when, and its live counts."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from unison.api.ids import DbId

Status = Literal["scheduled", "running", "paused", "cancelled", "done"]
Timing = Literal["now", "at", "local", "best_hour"]
LOCAL_MOMENT = r"^\d{4}-\d{2}-\d{2}T([01]\d|2[0-3]):[0-5]\d$"


class Variant(BaseModel):
    """One arm of an A/B/n test: its template and its share of the (non-holdout) audience."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=40)
    template_id: DbId
    split: int = Field(ge=0, le=100, description="percent of the audience; all add up to 100")


class BroadcastCreate(BaseModel):
    """A template (or variants) to a segment; now unless `send_at`, `local_time` or
    `best_hour` says otherwise."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    segment_id: DbId
    template_id: DbId | None = Field(default=None, description="one template, or `variants`")
    variants: list[Variant] = Field(default_factory=list, max_length=10)
    purpose: str = Field(default="marketing", min_length=1, max_length=60)
    locales: list[str] = Field(default_factory=list, max_length=10)
    holdout_percent: int = Field(default=0, ge=0, le=50, description="0-50, never sent to")
    send_at: datetime | None = Field(default=None, description="a future moment (with offset)")
    local_time: str | None = Field(
        default=None,
        pattern=LOCAL_MOMENT,
        description="YYYY-MM-DDTHH:MM, sent at this wall time in each customer's zone",
    )
    best_hour: bool = Field(
        default=False, description="each customer at the local hour they engaged most"
    )
    rate_per_second: int | None = Field(default=None, ge=1, le=100_000)


class BroadcastCounts(BaseModel):
    targeted: int = Field(description="segment members given a recipient record")
    holdout: int
    pending: int = Field(description="targeted, not yet put through the pipeline")
    queued: int = Field(description="in the outbox, not yet sent")
    deferred: int = Field(description="deferred by the gate (quiet hours)")
    suppressed: int
    suppressed_by_reason: dict[str, int]
    held: int = Field(description="queued rows held while the broadcast is paused")
    cancelled: int
    sent: int
    delivered: int
    opened: int
    clicked: int
    replied: int
    converted: int = Field(description="recipients with an Order Completed after their message")
    failed: int
    variants: dict[str, int] = Field(description="recipients per variant")


class Broadcast(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    segment_id: int
    purpose: str
    variants: list[Variant]
    locales: list[str]
    holdout_percent: int
    timing: Timing
    scheduled_at: datetime | None
    local_at: str | None
    rate_per_second: int | None
    status: Status
    created_by: str
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None
    counts: BroadcastCounts | None = None
