"""API shapes for profiles."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class Identifier(BaseModel):
    type: str
    value: str
    first_seen: datetime
    event_id: int


class Trait(BaseModel):
    value: Any
    at: str = Field(description="time of the event that set it (ISO 8601)")
    event_id: int
    source: str
    channel: str


class ChannelStats(BaseModel):
    first: str
    last: str
    events: int


class ProfileStats(BaseModel):
    first_seen: datetime
    last_seen: datetime
    event_count: int
    order_count: int
    revenue: dict[str, float] = Field(description="sum of order revenue by currency")
    average_order_value: dict[str, float]
    last_order_at: datetime | None


class MergeSummary(BaseModel):
    merges: int
    merged_profile_ids: list[int]
    open_conflicts: int


class ComputedTrait(BaseModel):
    value: Any
    source: str = Field(description="the analysis that computed it: segments, rfm, clv...")
    computed_at: datetime


class ProfileView(BaseModel):
    id: int
    requested_id: int = Field(description="the id asked for; differs when it was merged away")
    created_at: datetime
    identifiers: list[Identifier]
    traits: dict[str, Trait]
    stats: ProfileStats
    channels: dict[str, ChannelStats]
    merge_history: MergeSummary
    computed_traits: dict[str, ComputedTrait] = Field(default_factory=dict)


class ProfileListItem(BaseModel):
    id: int
    name: str | None
    email: str | None
    phone: str | None
    last_seen: datetime


class TimelineItem(BaseModel):
    id: int
    type: str
    event: str | None
    channel: str
    source: str
    timestamp: datetime
    profile_id: int = Field(description="the profile the event first went to (before merges)")
    payload: dict[str, Any]
    system: bool = Field(
        default=False,
        description="written by Unison itself (consent changes, segment entries, staff edits)",
    )
