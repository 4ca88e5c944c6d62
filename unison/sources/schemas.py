"""API shapes for sources."""

from datetime import datetime

from pydantic import BaseModel, Field


class SourceCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    channel: str = Field(description="default channel for events that do not name one")


class Source(BaseModel):
    id: int
    name: str
    channel: str
    write_key_hint: str
    created_at: datetime


class SourceCreated(Source):
    write_key: str = Field(description="shown once; only its hash is stored")
