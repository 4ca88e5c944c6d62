"""Conversations and their messages, projected from the event log by the inbox processor.

`profile_id` is the profile the conversation (or message) was attributed to when it was
processed; readers follow `profiles.canonical_id`, so after a merge the conversation is
the surviving profile's. Both tables carry profile_id so they distribute by profile.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from unison.models.base import Base, Json, SerialId, UTCDateTime


class Conversation(SerialId, Base):
    __tablename__ = "conversations"

    profile_id: Mapped[int] = mapped_column(BigInteger)
    channel: Mapped[str] = mapped_column(String(20))
    # The provider's thread: "telegram:<connector>:<chat id>", "email:<connector>:<root id>"
    thread_key: Mapped[str] = mapped_column(String(255))
    connector: Mapped[str | None] = mapped_column(String(60), default=None)
    subject: Mapped[str | None] = mapped_column(String(255), default=None)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_message_at: Mapped[datetime] = mapped_column(UTCDateTime())
    message_count: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        Index("uq_conversations_thread_key_profile_id", "thread_key", "profile_id", unique=True),
        Index("ix_conversations_profile_id_last_message_at", "profile_id", "last_message_at"),
    )


class ConversationMessage(SerialId, Base):
    __tablename__ = "conversation_messages"

    conversation_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("conversations.id"))
    profile_id: Mapped[int] = mapped_column(BigInteger)
    event_id: Mapped[int] = mapped_column(BigInteger)  # the log event it came from
    channel: Mapped[str] = mapped_column(String(20))
    direction: Mapped[str] = mapped_column(String(10))  # inbound | outbound
    kind: Mapped[str] = mapped_column(String(60))  # the event name: Message Received, ...
    text: Mapped[str | None] = mapped_column(Text, default=None)
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(Json, default=list)
    provider_message_id: Mapped[str | None] = mapped_column(String(255), default=None)
    sender_name: Mapped[str | None] = mapped_column(String(255), default=None)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    __table_args__ = (
        Index("uq_conversation_messages_event_id", "event_id", unique=True),
        Index("ix_conversation_messages_conversation_id_sent_at", "conversation_id", "sent_at"),
        Index("ix_conversation_messages_profile_id", "profile_id"),
        Index("ix_conversation_messages_provider_message_id", "provider_message_id"),
    )
