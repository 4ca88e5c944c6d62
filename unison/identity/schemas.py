"""API shapes for merges, conflicts and splits."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from unison.api.ids import DbId


class Merge(BaseModel):
    id: int
    event_id: int = Field(description="the event that linked the two profiles")
    rule: str
    survivor_id: int
    merged_id: int
    survivor_identifiers: list[list[str]]
    merged_identifiers: list[list[str]]
    created_at: datetime
    undone_at: datetime | None
    undone_reason: str | None


class IdentityConflict(BaseModel):
    id: int
    event_id: int
    rule: str
    profile_id: int
    other_profile_id: int | None
    identifier_type: str
    identifier_value: str
    detail: str
    status: str
    created_at: datetime
    resolved_at: datetime | None
    resolution: str | None


class ConflictResolve(BaseModel):
    resolution: Literal["dismissed", "confirmed_separate"] = Field(
        description="dismissed: not a problem; confirmed_separate: these are different people"
    )
    note: str | None = Field(default=None, max_length=2000)


class SplitRequest(BaseModel):
    merge_id: DbId = Field(description="the merge to undo (see GET /api/profiles/{id}/merges)")


class SplitResult(BaseModel):
    merge_id: int
    profile_ids: list[int] = Field(description="the live profiles the group became")
    replayed_events: int
    blocked_pairs: int


class SharedIdentifier(BaseModel):
    id: int
    type: str = Field(description="device_id")
    value: str
    strong_type: str = Field(description="the strong type seen with too many distinct values")
    identities: int = Field(description="distinct values of strong_type seen when it was found")
    event_id: int = Field(description="the event that crossed the limit")
    detected_at: datetime
    profile_id: int | None = Field(
        description="the profile group that held the identifier and was rebuilt without it"
    )
    undone_merges: int = Field(description="merges made through the identifier, undone")
