"""HTTP routes: Segment-compatible collection (/v1/*) and the event-log read API (/api/*)."""

from datetime import datetime
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.responses import Response

from unison.api.body import parse_json_object, read_body
from unison.api.deps import get_runtime, get_session, require
from unison.api.responses import JsonResponse
from unison.api.write_keys import authenticate, write_key_from_body, write_key_from_headers
from unison.auth.roles import Permission
from unison.events import repository
from unison.events.channels import ACCEPTED_TEXT, CHANNELS
from unison.events.schemas import (
    BatchEnvelope,
    EventOut,
    EventPage,
    EventType,
    IngestResult,
    RejectedEventOut,
    RejectedEventPage,
    SegmentEvent,
)
from unison.events.service import BatchContext, Prepared, json_kind, prepare_items
from unison.kit.clock import utcnow
from unison.kit.errors import InvalidParameter, NotFound, UnisonError
from unison.kit.pagination import decode_cursor, encode_cursor
from unison.models import Event, RejectedEvent
from unison.sources import repository as sources

collect = APIRouter(tags=["collection (Segment-compatible)"])
read = APIRouter(prefix="/api", tags=["event log"])


class InvalidBatch(UnisonError):
    status_code = 400


class BatchTooLarge(UnisonError):
    status_code = 400


class BatchRejected(UnisonError):
    status_code = 400


class EventNotFound(NotFound):
    pass


def _body_doc(model: type[Any], description: str) -> dict[str, Any]:
    schema = model.model_json_schema(by_alias=True)
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {"application/json": {"schema": schema}},
        }
    }


_EVENT_DOC = _body_doc(
    SegmentEvent,
    "One Segment-spec call; write key by HTTP Basic user name, "
    "X-Write-Key header or writeKey in the body.",
)
_BATCH_DOC = _body_doc(
    BatchEnvelope,
    "Up to 2,500 Segment-spec calls in `batch`; top-level "
    "context and integrations are merged into each item.",
)
_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": IngestResult},
    400: {"description": "invalid body or event; names the field and what is accepted"},
    401: {"description": "missing or unknown write key"},
    413: {"description": "request over 500 KB or event over 32 KB"},
}


def _envelope(body: dict[str, Any], max_events: int) -> tuple[list[Any], BatchContext]:
    if "batch" not in body:
        raise InvalidBatch("batch is required: a JSON array of events", field="batch")
    try:
        envelope = BatchEnvelope.model_validate(body)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InvalidBatch(
            f"{where}: {first['msg']} (got {json_kind(first['input'])})", field=where
        ) from None
    if len(envelope.batch) > max_events:
        raise BatchTooLarge(
            f"batch has {len(envelope.batch):,} events; the limit is {max_events:,} per request",
            field="batch",
        )
    return envelope.batch, BatchContext(envelope.context, envelope.integrations, envelope.sent_at)


async def _ingest(request: Request, implied_type: str | None) -> Response:
    runtime = get_runtime(request)
    settings = runtime.settings
    header_key = write_key_from_headers(request)
    body = parse_json_object(await read_body(request, settings.max_request_bytes))
    source = await authenticate(runtime, header_key or write_key_from_body(body))
    if implied_type is None:
        items, batch = _envelope(body, settings.max_batch_events)
    else:
        items, batch = [body], None
    received_at = utcnow()
    prepared = prepare_items(
        items,
        source=source,
        received_at=received_at,
        max_event_bytes=settings.max_event_bytes,
        implied_type=implied_type,
        batch=batch,
    )
    outcome = await runtime.writer.submit(
        partial(
            repository.store,
            rows=prepared.rows,
            rejections=prepared.rejections,
            source_id=source.id,
            origin="api",
            received_at=received_at,
        )
    )
    runtime.metrics.count_ingest(
        source.name, outcome.accepted, outcome.duplicates, outcome.rejected
    )
    return _ingest_response(prepared, outcome, single=implied_type is not None)


def _ingest_response(
    prepared: Prepared, outcome: repository.StoreOutcome, *, single: bool
) -> Response:
    rejected = [
        {"index": r.index, "error": r.error, "field": r.field, "detail": r.detail}
        for r in prepared.rejections
    ]
    if single and rejected:
        first = rejected[0]
        status = 413 if first["error"] == "EventTooLarge" else 400
        return JsonResponse(
            {"error": first["error"], "detail": first["detail"], "field": first["field"]},
            status_code=status,
        )
    if rejected and not prepared.rows:
        error = BatchRejected(
            f"all {len(rejected)} events were rejected; see `rejected` for each reason",
            field="batch",
            extra={"rejected": rejected},
        )
        return JsonResponse(error.to_dict(), status_code=400)
    return JsonResponse(
        {
            "success": True,
            "accepted": outcome.accepted,
            "duplicates": outcome.duplicates,
            "rejected": rejected,
        }
    )


def _single(event_type: str) -> Any:
    async def endpoint(request: Request) -> Response:
        return await _ingest(request, event_type)

    endpoint.__doc__ = f"Record one `{event_type}` call (Segment HTTP Tracking API)."
    endpoint.__name__ = f"collect_{event_type}"
    return endpoint


@collect.post("/v1/batch", openapi_extra=_BATCH_DOC, responses=_RESPONSES)
async def collect_batch(request: Request) -> Response:
    """Record up to 2,500 calls of any type at once (Segment HTTP Tracking API)."""
    return await _ingest(request, None)


for _type in ("track", "identify", "page", "screen", "group", "alias"):
    collect.add_api_route(
        f"/v1/{_type}",
        _single(_type),
        methods=["POST"],
        openapi_extra=_EVENT_DOC,
        responses=_RESPONSES,
    )


def _event_out(event: Event, source: str) -> EventOut:
    return EventOut(
        id=event.id,
        source=source,
        message_id=event.message_id,
        type=event.type,
        event=event.event,
        user_id=event.user_id,
        anonymous_id=event.anonymous_id,
        channel=event.channel,
        timestamp=event.timestamp,
        received_at=event.received_at,
        payload=event.payload,
    )


def _source_id(session: Session, name: str | None) -> int | None:
    if name is None:
        return None
    source = sources.by_name(session, name)
    if source is None:
        raise InvalidParameter(f"no source named {name!r}", field="source")
    return source.id


def _before(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    (value,) = decode_cursor(cursor, 1)
    if not isinstance(value, int):
        raise InvalidParameter("cursor is not one this API issued", field="cursor")
    return value


Limit = Annotated[int, Query(ge=1, le=1000, description="page size, 1-1000")]


@read.get("/events", response_model=EventPage)
def list_events(
    session: Session = Depends(get_session),
    _token: object = Depends(require(Permission.events_read)),
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
) -> EventPage:
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
    rows = repository.list_events(session, where, before_id=_before(cursor), limit=limit)
    items = [_event_out(e, name) for e, name in rows]
    next_cursor = encode_cursor(items[-1].id) if len(items) == limit else None
    return EventPage(items=items, next_cursor=next_cursor)


@read.get("/events/{event_id}", response_model=EventOut)
def get_event(
    event_id: Annotated[int, Path(ge=1)],
    session: Session = Depends(get_session),
    _token: object = Depends(require(Permission.events_read)),
) -> EventOut:
    """One event by its log offset."""
    found = repository.get_event(session, event_id)
    if found is None:
        raise EventNotFound(f"no event with id {event_id}", field="event_id")
    return _event_out(*found)


def _rejected_out(item: RejectedEvent, source: str | None) -> RejectedEventOut:
    return RejectedEventOut(
        id=item.id,
        source=source,
        origin=item.origin,
        received_at=item.received_at,
        item_index=item.item_index,
        line=item.line,
        error=item.error,
        field=item.field,
        reason=item.reason,
        payload=item.payload,
    )


@read.get("/rejected-events", response_model=RejectedEventPage)
def list_rejected_events(
    session: Session = Depends(get_session),
    _token: object = Depends(require(Permission.events_read)),
    source: str | None = None,
    limit: Limit = 100,
    cursor: str | None = None,
) -> RejectedEventPage:
    """Items that failed validation, newest first, with the reason and the item as sent."""
    rows = repository.list_rejected(
        session, source_id=_source_id(session, source), before_id=_before(cursor), limit=limit
    )
    items = [_rejected_out(r, name) for r, name in rows]
    next_cursor = encode_cursor(items[-1].id) if len(items) == limit else None
    return RejectedEventPage(items=items, next_cursor=next_cursor)
