"""Receiving channel webhooks: `POST /hooks/<type>/<connector>` (and WhatsApp's `GET`
verification challenge).

Order of checks, each answered before the next runs: unknown type or connector 404; body
over the limit 413 (checked while reading); signature or secret wrong or missing 401; body
not the provider's format 400 naming the place. Only then are the events stored, through
the same validation and group-commit writer as `/v1/*`, and the answer (200) is sent once
they are committed: a provider that hears 200 may forget the update.

Providers retry on slow answers, so the hot path is a pure ASGI layer like
`events.collect.CollectFastPath` (FastAPI's routing and dependencies cost more than the
work), and a connector's decrypted secrets are cached for `connector_cache_seconds`.
"""

import time
import weakref
from collections.abc import AsyncIterator, Mapping
from typing import Any
from urllib.parse import parse_qs

import anyio.to_thread
from fastapi import APIRouter, Request
from sqlalchemy import Engine
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from unison.api.body import read_body
from unison.api.deps import runtime_of
from unison.api.responses import JsonResponse, error_response
from unison.api.runtime import Runtime
from unison.channels import signing
from unison.channels.base import ConnectorRef
from unison.channels.service import ConnectorNotFound, connector_ref
from unison.channels.types import TYPE_NAMES, TYPES, Check
from unison.events import repository
from unison.events.service import prepare_items
from unison.kit.clock import utcnow
from unison.kit.db import transaction
from unison.kit.errors import Forbidden, InvalidParameter, UnisonError

ROUTE = "/hooks/{type}/{connector}"
PREFIX = "/hooks/"
_CACHE_LIMIT = 10_000


class MethodNotAllowed(UnisonError):
    status_code = 405


class ConnectorCache:
    """(type, name) -> (connector with decrypted secrets, expiry). Only found connectors are
    kept, so a connector created a moment ago answers at once; a changed or deleted one is
    dropped by the endpoints that change it, and by expiry in other processes."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._entries: dict[tuple[str, str], tuple[ConnectorRef, float]] = {}

    def get(self, key: tuple[str, str]) -> ConnectorRef | None:
        entry = self._entries.get(key)
        if entry is None or entry[1] < time.monotonic():
            return None
        return entry[0]

    def put(self, key: tuple[str, str], connector: ConnectorRef) -> None:
        if len(self._entries) >= _CACHE_LIMIT:
            self._entries.clear()
        self._entries[key] = (connector, time.monotonic() + self.ttl)

    def clear(self) -> None:
        self._entries.clear()


_CACHES: "weakref.WeakKeyDictionary[Engine, ConnectorCache]" = weakref.WeakKeyDictionary()


def cache_for(runtime: Runtime) -> ConnectorCache:
    cache = _CACHES.get(runtime.engine)
    if cache is None:
        cache = _CACHES[runtime.engine] = ConnectorCache(runtime.settings.connector_cache_seconds)
    return cache


def forget_connectors(engine: Engine) -> None:
    """After a connector changed: the next webhook reads it again."""
    cache = _CACHES.get(engine)
    if cache is not None:
        cache.clear()


async def _connector(runtime: Runtime, type_name: str, name: str) -> ConnectorRef:
    if type_name not in TYPES:
        raise ConnectorNotFound(
            f"{type_name[:40]!r} is not a connector type; accepted: {TYPE_NAMES}", field="type"
        )
    cache = cache_for(runtime)
    found = cache.get((type_name, name))
    if found is None:
        found = await anyio.to_thread.run_sync(_lookup, runtime, type_name, name)
        if found is None:
            raise ConnectorNotFound(
                f"no {type_name} connector named {name[:60]!r}", field="connector"
            )
        cache.put((type_name, name), found)
    return found


def _lookup(runtime: Runtime, type_name: str, name: str) -> ConnectorRef | None:
    with transaction(runtime.sessions) as session:
        return connector_ref(session, runtime.settings, type_name, name)


async def receive(
    runtime: Runtime,
    method: str,
    type_name: str,
    name: str,
    headers: Mapping[str, str],
    chunks: AsyncIterator[bytes],
    query: str,
) -> Response:
    """Answer one webhook call; raises UnisonError for every refusal."""
    connector = await _connector(runtime, type_name, name)
    if method == "GET" and type_name == "whatsapp":
        return _challenge(query, connector)
    if method != "POST":
        allowed = "GET and POST" if type_name == "whatsapp" else "POST"
        raise MethodNotAllowed(f"{type_name} webhooks take {allowed}", field="method")
    kind = TYPES[type_name]
    settings = runtime.settings
    limit = (
        settings.connector_max_email_bytes if kind.raw_body else settings.connector_max_body_bytes
    )
    body = await read_body(headers, chunks, limit)
    check = Check(now=time.time(), tolerance=settings.connector_signature_tolerance_seconds)
    kind.verify(headers, body, connector, check)  # before anything is parsed or stored
    parsed = kind.parse(body, connector)
    answer: dict[str, Any] = {"ok": True, "accepted": 0, "duplicates": 0, "rejected": []}
    if parsed.ignored:
        answer["ignored"] = parsed.ignored
    if not parsed.events:
        return JsonResponse(answer)
    received_at = utcnow()
    prepared = prepare_items(
        parsed.events,
        source=connector.source,
        received_at=received_at,
        max_event_bytes=settings.max_event_bytes,
    )
    outcome = await runtime.writer.submit(
        repository.IngestBatch(
            prepared.rows, prepared.rejections, connector.source.id, "webhook", received_at
        )
    )
    runtime.metrics.count_ingest(
        connector.source.name, outcome.accepted, outcome.duplicates, outcome.rejected
    )
    # A rejected item is kept in rejected_events and named here, but still answered 200: a
    # provider would redeliver it forever, and it would never pass.
    answer.update(
        accepted=outcome.accepted,
        duplicates=outcome.duplicates,
        rejected=[
            {"index": r.index, "error": r.error, "field": r.field, "detail": r.detail}
            for r in prepared.rejections
        ],
    )
    return JsonResponse(answer)


def _challenge(query: str, connector: ConnectorRef) -> Response:
    """Meta's verification request: echo hub.challenge when hub.verify_token is ours."""
    params = {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}
    for key in ("hub.mode", "hub.verify_token", "hub.challenge"):
        if not params.get(key):
            raise InvalidParameter(
                f"{key} is required (Meta's webhook verification request)", field=key
            )
    if params["hub.mode"] != "subscribe":
        raise InvalidParameter("hub.mode must be 'subscribe'", field="hub.mode")
    expected = connector.secrets.get("verify_token", "")
    if not expected or not signing.equal(params["hub.verify_token"], expected):
        raise Forbidden(
            "hub.verify_token does not match this connector's verify token",
            field="hub.verify_token",
        )
    return PlainTextResponse(params["hub.challenge"])


def _split(path: str) -> tuple[str, str] | None:
    parts = path[len(PREFIX) :].split("/")
    if len(parts) != 2 or not parts[0] or not parts[1]:
        return None
    return parts[0], parts[1]


class WebhookFastPath:
    """Pure ASGI: answers /hooks/<type>/<connector> directly, passes the rest on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive_: Receive, send: Send) -> None:
        target = (
            _split(scope["path"])
            if scope["type"] == "http" and scope["path"].startswith(PREFIX)
            else None
        )
        if target is None:
            await self.app(scope, receive_, send)
            return
        scope["unison.route"] = ROUTE
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        runtime: Runtime = scope["app"].state.runtime
        query = scope.get("query_string", b"").decode("latin-1")
        try:
            response = await receive(
                runtime, scope["method"], *target, headers, _chunks(receive_), query
            )
        except UnisonError as exc:
            response = error_response(exc)
        await response(scope, receive_, send)


async def _chunks(receive_: Receive) -> AsyncIterator[bytes]:
    while True:
        message = await receive_()
        if message["type"] == "http.disconnect":
            return
        yield message.get("body", b"")
        if not message.get("more_body", False):
            return


# These routes put the webhooks in OpenAPI; WebhookFastPath answers before they are reached
# in a running app, through the same `receive`.
router = APIRouter(tags=["channel webhooks"])


async def _route(request: Request, type: str, connector: str) -> Response:
    try:
        return await receive(
            runtime_of(request),
            request.method,
            type,
            connector,
            request.headers,
            request.stream(),
            request.url.query,
        )
    except UnisonError as exc:
        return error_response(exc)


router.add_api_route(
    ROUTE,
    _route,
    methods=["POST"],
    name="channel_webhook",
    summary="Receive a provider's webhook (telegram, viber, whatsapp, email, telephony, helpdesk)",
    responses={
        200: {"description": "stored (or already stored); counts and any rejected items"},
        400: {"description": "the body is not the provider's documented format"},
        401: {"description": "signature or secret missing or wrong; nothing stored"},
        404: {"description": "no connector of that type and name"},
        413: {"description": "body over the limit"},
    },
)


async def _whatsapp_route(request: Request, connector: str) -> Response:
    return await _route(request, "whatsapp", connector)


router.add_api_route(
    "/hooks/whatsapp/{connector}",
    _whatsapp_route,
    methods=["GET"],
    name="whatsapp_verification",
    summary="Meta's webhook verification: echoes hub.challenge when hub.verify_token matches",
)
