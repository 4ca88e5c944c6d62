"""HTTP routes of the inbox: a profile's conversations and a conversation's messages."""

from typing import Annotated

from fastapi import APIRouter, Path, Query

from unison.api.deps import ConversationsRead, DbSession
from unison.api.ids import DbId
from unison.api.openapi import raises
from unison.inbox import service
from unison.inbox.errors import ConversationNotFound
from unison.inbox.schemas import ConversationView, Message
from unison.kit.pagination import Page, encode_cursor
from unison.profiles.errors import ProfileNotFound

router = APIRouter(prefix="/api", tags=["inbox"])
Limit = Annotated[int, Query(ge=1, le=500, description="page size, 1-500")]


@router.get(
    "/profiles/{profile_id}/conversations",
    response_model=Page[ConversationView],
    responses=raises(ProfileNotFound),
)
def profile_conversations(
    profile_id: Annotated[DbId, Path(description="a profile id; merged-away ids work")],
    session: DbSession,
    _token: ConversationsRead,
    limit: Limit = 50,
    cursor: str | None = None,
) -> Page[ConversationView]:
    """The person's conversations on every channel, most recently active first."""
    items = service.conversations(session, profile_id, service.time_cursor(cursor), limit)
    last = items[-1] if len(items) == limit else None
    return Page[ConversationView](
        items=items,
        next_cursor=encode_cursor(last.last_message_at.isoformat(), last.id) if last else None,
    )


@router.get(
    "/conversations/{conversation_id}",
    response_model=ConversationView,
    responses=raises(ConversationNotFound),
)
def get_conversation(
    conversation_id: Annotated[DbId, Path()],
    session: DbSession,
    _token: ConversationsRead,
) -> ConversationView:
    """One conversation, with the live profile it belongs to."""
    return service.conversation(session, conversation_id)


@router.get(
    "/conversations/{conversation_id}/messages",
    response_model=Page[Message],
    responses=raises(ConversationNotFound),
)
def conversation_messages(
    conversation_id: Annotated[DbId, Path()],
    session: DbSession,
    _token: ConversationsRead,
    limit: Limit = 50,
    cursor: str | None = None,
) -> Page[Message]:
    """The conversation's messages, newest first, cursor-paginated."""
    items = service.messages(session, conversation_id, service.time_cursor(cursor), limit)
    last = items[-1] if len(items) == limit else None
    return Page[Message](
        items=items,
        next_cursor=encode_cursor(last.sent_at.isoformat(), last.id) if last else None,
    )
