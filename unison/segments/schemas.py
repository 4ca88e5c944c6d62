"""API shapes for segments and computed traits."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SegmentCreate(Strict):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    definition: dict[str, Any] | None = Field(
        default=None, description="the condition as a JSON tree (or give `text`)"
    )
    text: str | None = Field(
        default=None,
        max_length=20_000,
        description='the condition in the text form, e.g. performed("Order Completed", '
        'within="90d") >= 2 and trait("city") == "Tbilisi"',
    )


class SegmentUpdate(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    definition: dict[str, Any] | None = None
    text: str | None = Field(default=None, max_length=20_000)


class PreviewRequest(Strict):
    definition: dict[str, Any] | None = None
    text: str | None = Field(default=None, max_length=20_000)
    sample: int = Field(default=20, ge=0, le=200)


class Recomputed(BaseModel):
    entered: int
    exited: int
    members: int
    seconds: float


class Segment(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    description: str
    definition: dict[str, Any]
    text: str
    active: bool
    version: int
    member_count: int
    created_at: datetime
    updated_at: datetime
    evaluated_at: datetime | None


class SegmentSaved(BaseModel):
    segment: Segment
    recomputed: Recomputed


class Preview(BaseModel):
    count: int
    sample: list[int]
    definition: dict[str, Any]
    text: str


class Member(BaseModel):
    profile_id: int
    entered_at: datetime


class ProfileSegment(BaseModel):
    segment_id: int
    name: str
    entered_at: datetime


class SegmentHistoryEntry(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    segment_id: int
    profile_id: int
    change: str
    at: datetime
    trigger: str
    reason: Any


class ComputedTraitDefinitionUpdate(Strict):
    definition: dict[str, Any] = Field(
        description='e.g. {"fn": "count", "event": "Order Completed", "window": {"last_days": 90}}'
    )


class ComputedTraitDefinition(BaseModel):
    name: str
    definition: dict[str, Any]
    created_at: datetime
    updated_at: datetime
