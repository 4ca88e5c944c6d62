"""Segment-compatible collection (/v1/*): the shared core, its documented routes, and the
fast path that serves them.

Collection is the hot path of the platform, so `CollectFastPath` (a pure ASGI layer) answers
POST /v1/* before FastAPI's routing, dependency and exception machinery, which costs more per
request than the ingest work itself. The FastAPI routes below describe the same endpoints in
OpenAPI and run the same core, so behaviour cannot differ between the two.
"""

from collections.abc import AsyncIterator, Mapping
from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from unison.api.body import parse_json_object, read_body
from unison.api.deps import runtime_of
from unison.api.responses import JsonResponse, error_response
from unison.api.runtime import Runtime
from unison.events import repository
from unison.events.schemas import BatchEnvelope, IngestResult, SegmentEvent
from unison.events.service import BatchContext, Prepared, json_kind, prepare_items
from unison.kit.clock import utcnow
from unison.kit.errors import UnisonError
from unison.sources.write_keys import authenticate, write_key_from_body, write_key_from_headers

router = APIRouter(tags=["collection (Segment-compatible)"])
CALL_TYPES = ("track", "identify", "page", "screen", "group", "alias")
# path -> the type it implies (None: a batch names each item's type)
COLLECT_PATHS: dict[str, str | None] = {"/v1/batch": None} | {f"/v1/{t}": t for t in CALL_TYPES}


class InvalidBatch(UnisonError):
    status_code = 400


class BatchTooLarge(UnisonError):
    status_code = 400


class BatchRejected(UnisonError):
    status_code = 400


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


async def ingest(
    runtime: Runtime,
    headers: Mapping[str, str],
    chunks: AsyncIterator[bytes],
    implied_type: str | None,
) -> tuple[int, dict[str, Any]]:
    """Validate, store (acknowledged only once committed) and answer one /v1/* call.

    Raises UnisonError for a request that fails as a whole (auth, body, envelope).
    """
    settings = runtime.settings
    header_key = write_key_from_headers(headers)
    body = parse_json_object(await read_body(headers, chunks, settings.max_request_bytes))
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
        repository.IngestBatch(prepared.rows, prepared.rejections, source.id, "api", received_at)
    )
    runtime.metrics.count_ingest(
        source.name, outcome.accepted, outcome.duplicates, outcome.rejected
    )
    return _answer(prepared, outcome, single=implied_type is not None)


def _answer(
    prepared: Prepared, outcome: repository.StoreOutcome, *, single: bool
) -> tuple[int, dict[str, Any]]:
    rejected = [
        {"index": r.index, "error": r.error, "field": r.field, "detail": r.detail}
        for r in prepared.rejections
    ]
    if single and rejected:
        first = rejected[0]
        status = 413 if first["error"] == "EventTooLarge" else 400
        return status, {"error": first["error"], "detail": first["detail"], "field": first["field"]}
    if rejected and not prepared.rows:
        error = BatchRejected(
            f"all {len(rejected)} events were rejected; see `rejected` for each reason",
            field="batch",
            extra={"rejected": rejected},
        )
        return 400, error.to_dict()
    return 200, {
        "success": True,
        "accepted": outcome.accepted,
        "duplicates": outcome.duplicates,
        "rejected": rejected,
    }


class CollectFastPath:
    """Pure ASGI: serves POST /v1/* directly, passes everything else to the app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        implied = COLLECT_PATHS.get(scope["path"], "")
        if implied == "":
            await self.app(scope, receive, send)
            return
        scope["unison.route"] = scope["path"]
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        runtime: Runtime = scope["app"].state.runtime
        try:
            status, body = await ingest(runtime, headers, _chunks(receive), implied)
        except UnisonError as exc:
            await _error(exc)(scope, receive, send)
            return
        await _response(status, body)(scope, receive, send)


def _error(error: UnisonError) -> JsonResponse:
    response = error_response(error)
    if error.status_code == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="unison"'
    return response


def _response(status: int, body: dict[str, Any]) -> JsonResponse:
    response = JsonResponse(body, status_code=status)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="unison"'
    return response


async def _chunks(receive: Receive) -> AsyncIterator[bytes]:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        yield message.get("body", b"")
        if not message.get("more_body", False):
            return


# The routes below document /v1/* in OpenAPI; CollectFastPath answers before they are reached
# in a running app, through the same `ingest`.


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
_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": IngestResult},
    400: {"description": "invalid body or event; names the field and what is accepted"},
    401: {"description": "missing or unknown write key"},
    413: {"description": "request over 500 KB or event over 32 KB"},
}


async def _route(request: Request) -> Response:
    implied = COLLECT_PATHS[request.url.path]
    try:
        status, body = await ingest(runtime_of(request), request.headers, request.stream(), implied)
    except UnisonError as exc:
        return _error(exc)
    return _response(status, body)


for _path, _type in COLLECT_PATHS.items():
    router.add_api_route(
        _path,
        _route,
        methods=["POST"],
        name=f"collect_{_type or 'batch'}",
        summary=f"Record one `{_type}` call" if _type else "Record up to 2,500 calls",
        openapi_extra=_EVENT_DOC if _type else _BATCH_DOC,
        responses=_RESPONSES,
    )
