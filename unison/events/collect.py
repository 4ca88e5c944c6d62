"""Segment-compatible collection (/v1/*): the shared core, its documented routes, and the
fast path that serves them.

Collection is the hot path of the platform, so `CollectFastPath` (a pure ASGI layer) answers
POST /v1/* before FastAPI's routing, dependency and exception machinery, which costs more per
request than the ingest work itself. The FastAPI routes below describe the same endpoints in
OpenAPI and run the same core, so behaviour cannot differ between the two.
"""

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.responses import Response
from starlette.types import Scope

from unison.api.body import parse_json_object
from unison.api.deps import runtime_of
from unison.api.errors import MalformedBody, UnsupportedEncoding
from unison.api.openapi import raises
from unison.api.runtime import Runtime
from unison.events.errors import (
    BatchRejected,
    BatchTooLarge,
    EventTooLarge,
    InvalidBatch,
    InvalidEvent,
)
from unison.events.ingest import Answer, Call, Claim, IngestFastPath, Intake, Opener, Stored, serve
from unison.events.schemas import BatchEnvelope, IngestResult, SegmentEvent
from unison.events.service import BatchContext
from unison.kit.errors import PayloadTooLarge, Unauthorized
from unison.kit.json_body import json_kind
from unison.kit.settings import Settings
from unison.sources.ref import SourceRef
from unison.sources.write_keys import authenticate, write_key_from_body, write_key_from_headers

router = APIRouter(tags=["collection (Segment-compatible)"])
CALL_TYPES = ("track", "identify", "page", "screen", "group", "alias")
# path -> the type it implies (None: a batch names each item's type)
COLLECT_PATHS: dict[str, str | None] = {"/v1/batch": None} | {f"/v1/{t}": t for t in CALL_TYPES}


def _envelope(body: dict[str, Any], source: SourceRef, max_events: int) -> Intake:
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
    batch = BatchContext(envelope.context, envelope.integrations, envelope.sent_at)
    return Intake(source, envelope.batch, batch=batch)


@dataclass(frozen=True, slots=True)
class SegmentEntry:
    """A /v1/* call: a JSON object, authenticated by its write key, holding one call or a
    batch of them."""

    implied_type: str | None  # None for /v1/batch, where each item names its type
    header_key: str | None
    origin: str = "api"

    def body_limit(self, settings: Settings) -> int:
        return settings.max_request_bytes

    def decode(self, body: bytes) -> dict[str, Any]:
        return parse_json_object(body)

    async def authenticate(self, runtime: Runtime, decoded: dict[str, Any]) -> SourceRef:
        return await authenticate(runtime, self.header_key or write_key_from_body(decoded))

    def canonical(self, decoded: dict[str, Any], source: SourceRef, settings: Settings) -> Intake:
        if self.implied_type is not None:
            return Intake(source, [decoded], implied_type=self.implied_type)
        return _envelope(decoded, source, settings.max_batch_events)

    def answer(self, intake: Intake, stored: Stored) -> Answer:
        rejected = stored.rejected
        if self.implied_type is not None and rejected:
            first = rejected[0]
            status = 413 if first["error"] == "EventTooLarge" else 400
            fields = {k: first[k] for k in ("error", "detail", "field")}
            return Answer(status, fields)
        if rejected and not stored.prepared.rows:
            error = BatchRejected(
                f"all {len(rejected)} events were rejected; see `rejected` for each reason",
                field="batch",
                extra={"rejected": rejected},
            )
            return Answer(400, error.to_dict())
        outcome = stored.outcome
        return Answer(
            200,
            {
                "success": True,
                "accepted": outcome.accepted,
                "duplicates": outcome.duplicates,
                "rejected": rejected,
            },
        )


def opener(implied_type: str | None) -> Opener:
    async def open_(_runtime: Runtime, call: Call) -> SegmentEntry:
        # A malformed Authorization header is refused before the body is read.
        return SegmentEntry(implied_type, write_key_from_headers(call.headers))

    return open_


_OPENERS = {path: opener(implied) for path, implied in COLLECT_PATHS.items()}


class CollectFastPath(IngestFastPath):
    """Pure ASGI: serves POST /v1/* directly, passes everything else to the app."""

    def claim(self, scope: Scope) -> Claim | None:
        if scope["method"] != "POST":
            return None
        found = _OPENERS.get(scope["path"])
        return None if found is None else Claim(scope["path"], found)


# The routes below document /v1/* in OpenAPI; CollectFastPath answers before they are reached
# in a running app, through the same `serve`.


def _body_doc(model: type[Any], description: str) -> dict[str, Any]:
    schema = model.model_json_schema(by_alias=True)
    content = {"application/json": {"schema": schema}}
    return {"requestBody": {"required": True, "description": description, "content": content}}


_EVENT_DOC = _body_doc(
    SegmentEvent,
    "One Segment-spec call; write key by HTTP Basic user name, X-Write-Key header or writeKey "
    "in the body.",
)
_BATCH_DOC = _body_doc(
    BatchEnvelope,
    "Up to 2,500 Segment-spec calls in `batch`; top-level context and integrations are "
    "merged into each item.",
)
# What the core refuses on every path (the body read, the write key), then what each path
# adds: a batch refused as a whole, or the one event of a /v1/<type> call.
_REFUSED = (MalformedBody, UnsupportedEncoding, PayloadTooLarge, Unauthorized)
_OK: dict[int | str, dict[str, Any]] = {200: {"model": IngestResult}}
_BATCH_RESPONSES = _OK | raises(*_REFUSED, InvalidBatch, BatchTooLarge, BatchRejected)
_EVENT_RESPONSES = _OK | raises(*_REFUSED, InvalidEvent, EventTooLarge)


async def _route(request: Request) -> Response:
    call = Call(request.headers, request.stream(), request.method, request.url.query)
    return await serve(runtime_of(request), call, _OPENERS[request.url.path])


for _path, _type in COLLECT_PATHS.items():
    router.add_api_route(
        _path,
        _route,
        methods=["POST"],
        name=f"collect_{_type or 'batch'}",
        summary=f"Record one `{_type}` call" if _type else "Record up to 2,500 calls",
        openapi_extra=_EVENT_DOC if _type else _BATCH_DOC,
        responses=_EVENT_RESPONSES if _type else _BATCH_RESPONSES,
    )
