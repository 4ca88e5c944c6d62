"""HTTP routes of the inbox: a profile's conversations and a conversation's messages."""

from typing import Annotated

from fastapi import APIRouter, Path, Query

from unison.api.deps import DbSession, requiring
from unison.api.ids import DbId
from unison.api.openapi import raises
from unison.auth.roles import Permission
from unison.inbox import service
from unison.inbox.errors import ConversationNotFound
from unison.inbox.schemas import ConversationView, Message
from unison.kit.pagination import Page, time_cursor
from unison.profiles.errors import ProfileNotFound

router = APIRouter(
    prefix="/api", tags=["inbox"], dependencies=requiring(Permission.conversations_read)
)
Limit = Annotated[int, Query(ge=1, le=500, description="page size, 1-500")]


@router.get(
    "/profiles/{profile_id}/conversations",
    responses=raises(ProfileNotFound),
)
def profile_conversations(
    profile_id: Annotated[DbId, Path(description="a profile id; merged-away ids work")],
    session: DbSession,
    limit: Limit = 50,
    cursor: str | None = None,
) -> Page[ConversationView]:
    """The person's conversations on every channel, most recently active first."""
    items = service.conversations(session, profile_id, service.time_cursor(cursor), limit)
    next_cursor = time_cursor(items, limit, lambda c: c.last_message_at)
    return Page[ConversationView](items=items, next_cursor=next_cursor)


@router.get(
    "/conversations/{conversation_id}",
    responses=raises(ConversationNotFound),
)
def get_conversation(
    conversation_id: Annotated[DbId, Path()],
    session: DbSession,
) -> ConversationView:
    """One conversation, with the live profile it belongs to."""
    return service.conversation(session, conversation_id)


@router.get(
    "/conversations/{conversation_id}/messages",
    responses=raises(ConversationNotFound),
)
def conversation_messages(
    conversation_id: Annotated[DbId, Path()],
    session: DbSession,
    limit: Limit = 50,
    cursor: str | None = None,
) -> Page[Message]:
    """The conversation's messages, newest first, cursor-paginated."""
    items = service.messages(session, conversation_id, service.time_cursor(cursor), limit)
    return Page[Message](items=items, next_cursor=time_cursor(items, limit, lambda m: m.sent_at))
