"""HTTP routes of broadcasts: create, list, show with live counts, pause, resume, cancel."""

from typing import Annotated

from fastapi import APIRouter, Path, Query

from unison.api.deps import BroadcastsRead, DbSession, MessagesSend
from unison.api.ids import DbId
from unison.api.openapi import raises
from unison.kit.pagination import Page
from unison.messaging.broadcasts import service
from unison.messaging.broadcasts.errors import CHANGE_ERRORS, CREATE_ERRORS, BroadcastNotFound
from unison.messaging.broadcasts.schemas import Broadcast, BroadcastCreate

router = APIRouter(tags=["broadcasts"])
BroadcastId = Annotated[DbId, Path(description="a broadcast id")]
CHANGES = raises(*CHANGE_ERRORS)


@router.post(
    "/api/broadcasts",
    response_model=Broadcast,
    status_code=201,
    responses=raises(*CREATE_ERRORS),
)
def post_broadcast(body: BroadcastCreate, session: DbSession, token: MessagesSend) -> Broadcast:
    """Schedule a template (or A/B/n variants) to a segment; the fan-out loop sends it."""
    return service.create(session, body, f"token:{token.name}")


@router.get("/api/broadcasts", response_model=Page[Broadcast])
def list_broadcasts(
    session: DbSession,
    _token: BroadcastsRead,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Page[Broadcast]:
    """Broadcasts, newest first (counts on the single-broadcast view)."""
    return service.listed(session, cursor, limit)


@router.get(
    "/api/broadcasts/{broadcast_id}", response_model=Broadcast, responses=raises(BroadcastNotFound)
)
def get_broadcast(
    broadcast_id: BroadcastId, session: DbSession, _token: BroadcastsRead
) -> Broadcast:
    """One broadcast with its live counts."""
    return service.get(session, broadcast_id)


@router.post("/api/broadcasts/{broadcast_id}/pause", response_model=Broadcast, responses=CHANGES)
def pause(broadcast_id: BroadcastId, session: DbSession, _token: MessagesSend) -> Broadcast:
    """Stop the fan-out (a chunk in progress is rolled back, or held if it committed
    first) and hold its queued, unsent messages."""
    return _changed(session, broadcast_id, "paused")


@router.post("/api/broadcasts/{broadcast_id}/resume", response_model=Broadcast, responses=CHANGES)
def resume(broadcast_id: BroadcastId, session: DbSession, _token: MessagesSend) -> Broadcast:
    """Go on where the fan-out stopped and release the held messages."""
    return _changed(session, broadcast_id, "running")


@router.post("/api/broadcasts/{broadcast_id}/cancel", response_model=Broadcast, responses=CHANGES)
def cancel(broadcast_id: BroadcastId, session: DbSession, _token: MessagesSend) -> Broadcast:
    """Stop for good and cancel its queued or held messages not yet sent."""
    return _changed(session, broadcast_id, "cancelled")


def _changed(session: DbSession, broadcast_id: int, to: str) -> Broadcast:
    """The change committed before its counts are read: on SQLite it holds the one write
    lock (on PostgreSQL the broadcast's row) for the change and the hold, not also for
    counting a large broadcast's messages (most of a second at a million recipients)."""
    changed = service.change(session, broadcast_id, to)
    session.commit()
    return service.view(session, changed)
