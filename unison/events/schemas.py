"""Segment-spec event shapes (the wire format of /v1/*) and read-API shapes."""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

EventType = Literal["track", "identify", "page", "screen", "group", "alias"]
EVENT_TYPES: tuple[str, ...] = ("track", "identify", "page", "screen", "group", "alias")

# Segment libraries send ids as strings, but numeric ids are common in hand-written calls;
# Segment accepts them, so we coerce numbers to strings too.


def _iso_8601(value: Any) -> Any:
    """ISO 8601 text through the standard library's C parser; anything else falls through to
    pydantic, which accepts more forms and words the error when nothing fits. The stdlib gives
    the `timezone.utc` singleton for Z, which compares and converts an order of magnitude
    faster than pydantic's own tzinfo on the ingest hot path."""
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return value
    return value


Timestamp = Annotated[datetime, BeforeValidator(_iso_8601)]

_WIRE = ConfigDict(extra="allow", coerce_numbers_to_str=True, populate_by_name=True)
Id = str | None


class SegmentEvent(BaseModel):
    """One Segment-spec call. Unknown top-level fields are kept as sent."""

    model_config = _WIRE

    type: EventType | None = None
    message_id: Id = Field(default=None, alias="messageId", max_length=255)
    user_id: Id = Field(default=None, alias="userId", max_length=255)
    anonymous_id: Id = Field(default=None, alias="anonymousId", max_length=255)
    timestamp: Timestamp | None = None
    sent_at: Timestamp | None = Field(default=None, alias="sentAt")
    original_timestamp: Timestamp | None = Field(default=None, alias="originalTimestamp")
    context: dict[str, Any] | None = None
    integrations: dict[str, Any] | None = None
    traits: dict[str, Any] | None = None
    properties: dict[str, Any] | None = None
    event: str | None = Field(default=None, max_length=255)
    name: str | None = Field(default=None, max_length=255)
    group_id: Id = Field(default=None, alias="groupId", max_length=255)
    previous_id: Id = Field(default=None, alias="previousId", max_length=255)
    write_key: str | None = Field(default=None, alias="writeKey")


class BatchEnvelope(BaseModel):
    """The /v1/batch body around its items."""

    model_config = ConfigDict(extra="allow")

    batch: list[Any]
    context: dict[str, Any] | None = None
    integrations: dict[str, Any] | None = None
    sent_at: Timestamp | None = Field(default=None, alias="sentAt")
    write_key: str | None = Field(default=None, alias="writeKey")


class RejectedItem(BaseModel):
    index: int
    error: str
    field: str | None
    detail: str


class IngestResult(BaseModel):
    success: bool = True
    accepted: int = Field(description="events stored for the first time")
    duplicates: int = Field(description="events already stored under the same messageId")
    rejected: list[RejectedItem] = Field(default_factory=list)


class EventView(BaseModel):
    id: int
    source: str
    message_id: str
    type: str
    event: str | None
    user_id: str | None
    anonymous_id: str | None
    channel: str
    timestamp: datetime
    received_at: datetime
    payload: dict[str, Any]


class RejectedEventView(BaseModel):
    id: int
    source: str | None
    origin: str
    received_at: datetime
    item_index: int | None
    line: int | None
    error: str
    field: str | None
    reason: str
    payload: Any
