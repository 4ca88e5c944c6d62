"""API shapes for sources."""

from datetime import datetime

from pydantic import BaseModel, Field


class SourceCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    channel: str = Field(description="default channel for events that do not name one")
    region: str | None = Field(
        default=None, description="ISO country for phone numbers without a country code"
    )


class Source(BaseModel):
    id: int
    name: str
    channel: str
    write_key_hint: str
    default_region: str | None
    created_at: datetime


class SourceCreated(Source):
    write_key: str = Field(description="shown once; only its hash is stored")
