"""API shapes of conversations and their messages."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ConversationView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    profile_id: int = Field(description="the live profile (merges followed)")
    channel: str
    thread_key: str
    connector: str | None
    subject: str | None
    started_at: datetime
    last_message_at: datetime
    message_count: int


class Message(BaseModel):
    id: int
    conversation_id: int
    profile_id: int = Field(description="the live profile (merges followed)")
    event_id: int
    channel: str
    direction: str
    kind: str
    text: str | None
    attachments: list[dict[str, Any]]
    provider_message_id: str | None
    sender_name: str | None
    sent_at: datetime
    edited_at: datetime | None
