"""Reading conversations: a profile's (merges followed) and a conversation's messages."""

from datetime import datetime

from sqlalchemy.orm import Session

from unison.inbox import repository as rows
from unison.inbox.errors import ConversationNotFound
from unison.inbox.schemas import ConversationView, Message
from unison.models import Conversation
from unison.profiles import service as profiles
from unison.profiles.service import canonical_id

# Conversations and messages page by time as the timeline does: one decoder for both.
time_cursor = profiles.time_position


def _out(conversation: Conversation, live: int) -> ConversationView:
    # The stored profile may since have merged into another: the view names the live one.
    view = ConversationView.model_validate(conversation)
    return view.model_copy(update={"profile_id": live})


def conversations(
    session: Session, profile_id: int, before: tuple[datetime, int] | None, limit: int
) -> list[ConversationView]:
    """Every conversation of the person: those begun on any profile merged into theirs."""
    live = canonical_id(session, profile_id)
    group = profiles.group_ids(session, live)
    return [
        _out(c, live) for c in rows.conversations_of(session, group, before=before, limit=limit)
    ]


def conversation(session: Session, conversation_id: int) -> ConversationView:
    found = rows.conversation(session, conversation_id)
    if found is None:
        raise ConversationNotFound(
            f"no conversation with id {conversation_id}", field="conversation_id"
        )
    return _out(found, canonical_id(session, found.profile_id))


def messages(
    session: Session, conversation_id: int, before: tuple[datetime, int] | None, limit: int
) -> list[Message]:
    conversation(session, conversation_id)  # 404 first
    found = rows.messages_of(session, conversation_id, before=before, limit=limit)
    live = rows.canonical_ids(session, {m.profile_id for m in found}) if found else {}
    return [
        Message(
            id=m.id,
            conversation_id=m.conversation_id,
            profile_id=live.get(m.profile_id, m.profile_id),
            event_id=m.event_id,
            channel=m.channel,
            direction=m.direction,
            kind=m.kind,
            text=m.text,
            attachments=list(m.attachments or []),
            provider_message_id=m.provider_message_id,
            sender_name=m.sender_name,
            sent_at=m.sent_at,
            edited_at=m.edited_at,
        )
        for m in found
    ]
