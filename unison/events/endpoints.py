"""HTTP routes of the event-log read API (/api/*). Collection (/v1/*) is in collect.py."""

from datetime import datetime
from typing import Annotated, TypeVar

from fastapi import APIRouter, Path, Query
from sqlalchemy.orm import Session

from unison.api.deps import DbSession, EventsRead
from unison.api.ids import DbId
from unison.api.openapi import raises
from unison.events import repository
from unison.events.errors import EventNotFound
from unison.events.schemas import (
    EventType,
    EventView,
    RejectedEventView,
)
from unison.kit.errors import InvalidParameter
from unison.kit.pagination import Page, decode_id_cursor, encode_cursor
from unison.models import Event, RejectedEvent
from unison.sources import service as sources
from unison.sources.channels import ACCEPTED_TEXT, CHANNELS

read = APIRouter(prefix="/api", tags=["event log"])


ViewT = TypeVar("ViewT", EventView, RejectedEventView)


def _view(view: type[ViewT], row: Event | RejectedEvent, source: str | None) -> ViewT:
    """A log row as its API view: the columns the view names, and its source by name (the row
    holds the source's id)."""
    columns = {name: getattr(row, name) for name in view.model_fields if name != "source"}
    return view.model_validate({**columns, "source": source})


def _source_id(session: Session, name: str | None) -> int | None:
    if name is None:
        return None
    source = sources.source_named(session, name)
    if source is None:
        raise InvalidParameter(f"no source named {name!r}", field="source")
    return source.id


Limit = Annotated[int, Query(ge=1, le=1000, description="page size, 1-1000")]


@read.get("/events")
def list_events(
    session: DbSession,
    _token: EventsRead,
    type: EventType | None = None,
    event: str | None = None,
    user_id: str | None = None,
    anonymous_id: str | None = None,
    channel: str | None = None,
    source: str | None = None,
    since: datetime | None = Query(None, description="timestamp >= since (ISO 8601)"),
    until: datetime | None = Query(None, description="timestamp < until (ISO 8601)"),
    limit: Limit = 100,
    cursor: str | None = None,
) -> Page[EventView]:
    """List events, newest first, filtered and cursor-paginated."""
    if channel is not None and channel not in CHANNELS:
        raise InvalidParameter(
            f"channel {channel!r} is not a channel; accepted: {ACCEPTED_TEXT}", field="channel"
        )
    where = repository.EventFilter(
        type=type,
        event=event,
        user_id=user_id,
        anonymous_id=anonymous_id,
        channel=channel,
        source_id=_source_id(session, source),
        since=since,
        until=until,
    )
    rows = repository.list_events(session, where, before_id=decode_id_cursor(cursor), limit=limit)
    items = [_view(EventView, e, name) for e, name in rows]
    next_cursor = encode_cursor(items[-1].id) if len(items) == limit else None
    return Page[EventView](items=items, next_cursor=next_cursor)


@read.get("/events/{event_id}", responses=raises(EventNotFound))
def get_event(
    event_id: Annotated[DbId, Path()],
    session: DbSession,
    _token: EventsRead,
) -> EventView:
    """One event by its log offset."""
    found = repository.get_event(session, event_id)
    if found is None:
        raise EventNotFound(f"no event with id {event_id}", field="event_id")
    return _view(EventView, *found)


@read.get("/rejected-events")
def list_rejected_events(
    session: DbSession,
    _token: EventsRead,
    source: str | None = None,
    limit: Limit = 100,
    cursor: str | None = None,
) -> Page[RejectedEventView]:
    """Items that failed validation, newest first, with the reason and the item as sent."""
    rows = repository.list_rejected(
        session,
        source_id=_source_id(session, source),
        before_id=decode_id_cursor(cursor),
        limit=limit,
    )
    items = [_view(RejectedEventView, r, name) for r, name in rows]
    next_cursor = encode_cursor(items[-1].id) if len(items) == limit else None
    return Page[RejectedEventView](items=items, next_cursor=next_cursor)
