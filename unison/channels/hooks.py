"""Receiving channel webhooks: `POST /hooks/<type>/<connector>` (and WhatsApp's `GET`
verification challenge).

Order of checks, each answered before the next runs: unknown type or connector 404; body
over the limit 413 (checked while reading); signature or secret wrong or missing 401; body
not the provider's format 400 naming the place. Only then are the events stored, through
the same validation and group-commit writer as `/v1/*`, and the answer (200) is sent once
they are committed: a provider that hears 200 may forget the update.

What /hooks/* supplies to the ingest core (events/ingest.py), which /v1/* shares: routing
(the connector, WhatsApp's challenge, the method) before the body is read, the connector
type's body limit, signature verification as authentication, the type's parser for
canonical events, and the answer. Providers retry on slow answers, so it is served by the
core's pure ASGI fast path, and a connector's decrypted secrets are cached for
`connector_cache_seconds`.
"""

import time
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import anyio.to_thread
from fastapi import APIRouter, Request
from sqlalchemy import Engine
from starlette.responses import PlainTextResponse, Response
from starlette.types import Scope

from unison.api.deps import runtime_of
from unison.api.errors import MalformedBody, UnsupportedEncoding
from unison.api.openapi import raises
from unison.api.runtime import Runtime
from unison.channels import signing
from unison.channels.base import ConnectorRef
from unison.channels.errors import (
    ConnectorNotFound,
    MethodNotAllowed,
    SecretsUnreadable,
    SignatureInvalid,
    WebhookMalformed,
)
from unison.channels.service import connector_ref
from unison.channels.types import TYPE_NAMES, TYPES, ChannelType, Check
from unison.events.ingest import Answer, Call, Claim, IngestFastPath, Intake, Opener, Stored, serve
from unison.kit.cache import TtlCache
from unison.kit.db import transaction
from unison.kit.errors import Forbidden, InvalidParameter, PayloadTooLarge
from unison.kit.settings import Settings
from unison.sources.ref import SourceRef

ROUTE = "/hooks/{type}/{connector}"
PREFIX = "/hooks/"


class ConnectorCache(TtlCache[tuple[str, str], ConnectorRef]):
    """(type, name) -> connector with decrypted secrets. Only found connectors are kept (see
    TtlCache), so a connector created a moment ago answers at once; a changed or deleted one
    is dropped by the endpoints that change it, and by expiry in other processes."""


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
        # A name with U+0000 names no connector (creation refuses control characters), and
        # PostgreSQL text cannot even be compared with one: answer without asking.
        found = None if "\x00" in name else await _lookup_in_thread(runtime, type_name, name)
        if found is None:
            raise ConnectorNotFound(
                f"no {type_name} connector named {name[:60]!r}", field="connector"
            )
        cache.put((type_name, name), found)
    return found


async def _lookup_in_thread(runtime: Runtime, type_name: str, name: str) -> ConnectorRef | None:
    return await anyio.to_thread.run_sync(_lookup, runtime, type_name, name)


def _lookup(runtime: Runtime, type_name: str, name: str) -> ConnectorRef | None:
    with transaction(runtime.sessions) as session:
        return connector_ref(session, runtime.settings, type_name, name)


@dataclass(frozen=True, slots=True)
class Target:
    """The connector a /hooks/<type>/<connector> path names."""

    type: str
    connector: str


@dataclass(frozen=True, slots=True)
class WebhookEntry:
    """A provider's webhook: its raw body, authenticated by the connector's signature or
    secret, parsed by the connector type into canonical events, answered 200 once stored."""

    kind: ChannelType
    connector: ConnectorRef
    headers: Mapping[str, str]
    origin: str = "webhook"

    def body_limit(self, settings: Settings) -> int:
        if self.kind.raw_body:
            return settings.connector_max_email_bytes
        return settings.connector_max_body_bytes

    def decode(self, body: bytes) -> bytes:
        return body  # parsed only once verified: the signature covers the raw bytes

    async def authenticate(self, runtime: Runtime, decoded: bytes) -> SourceRef:
        settings = runtime.settings
        check = Check(now=time.time(), tolerance=settings.connector_signature_tolerance_seconds)
        self.kind.verify(self.headers, decoded, self.connector, check)
        return self.connector.source

    def canonical(self, decoded: bytes, source: SourceRef, settings: Settings) -> Intake:
        parsed = self.kind.parse(decoded, self.connector)
        return Intake(source, parsed.events, ignored=parsed.ignored)

    def answer(self, intake: Intake, stored: Stored) -> Answer:
        # A rejected item is kept in rejected_events and named here, but still answered 200:
        # a provider would redeliver it forever, and it would never pass.
        body: dict[str, Any] = {
            "ok": True,
            "accepted": stored.outcome.accepted,
            "duplicates": stored.outcome.duplicates,
            "rejected": stored.rejected,
        }
        if intake.ignored:
            body["ignored"] = intake.ignored
        return Answer(200, body)


def opener(target: Target) -> Opener:
    """Routing, before the body is read: the connector (404), WhatsApp's verification
    challenge (a GET), the method (405)."""

    async def open_(runtime: Runtime, call: Call) -> WebhookEntry | Response:
        connector = await _connector(runtime, target.type, target.connector)
        if call.method == "GET" and target.type == "whatsapp":
            return _challenge(call.query, connector)
        _require_post(call.method, target.type)
        return WebhookEntry(TYPES[target.type], connector, call.headers)

    return open_


def _require_post(method: str, type_name: str) -> None:
    if method != "POST":
        allowed = "GET and POST" if type_name == "whatsapp" else "POST"
        raise MethodNotAllowed(f"{type_name} webhooks take {allowed}", field="method")


async def receive(runtime: Runtime, target: Target, call: Call) -> Response:
    """Answer one webhook call: routing, then the ingest core (events/ingest.py)."""
    return await serve(runtime, call, opener(target))


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


def target_of(path: str) -> Target | None:
    parts = path[len(PREFIX) :].split("/")
    if len(parts) != 2 or not parts[0] or not parts[1]:
        return None
    return Target(parts[0], parts[1])


class WebhookFastPath(IngestFastPath):
    """Pure ASGI: answers /hooks/<type>/<connector> directly, passes the rest on."""

    def claim(self, scope: Scope) -> Claim | None:
        target = target_of(scope["path"]) if scope["path"].startswith(PREFIX) else None
        return None if target is None else Claim(ROUTE, opener(target))


# These routes put the webhooks in OpenAPI; WebhookFastPath answers before they are reached
# in a running app, through the same `receive`.
router = APIRouter(tags=["channel webhooks"])


async def _route(request: Request, type: str, connector: str) -> Response:
    call = Call(request.headers, request.stream(), request.method, request.url.query)
    return await receive(runtime_of(request), Target(type, connector), call)


router.add_api_route(
    ROUTE,
    _route,
    methods=["POST"],
    name="channel_webhook",
    summary="Receive a provider's webhook (telegram, viber, whatsapp, email, telephony, helpdesk)",
    responses={
        200: {"description": "stored (or already stored); counts and any rejected items"},
        **raises(
            ConnectorNotFound,  # no connector of that type and name
            SecretsUnreadable,  # its secrets do not decrypt under the current key
            PayloadTooLarge,
            UnsupportedEncoding,
            MalformedBody,  # not valid gzip
            SignatureInvalid,  # signature or secret missing or wrong; nothing stored
            WebhookMalformed,  # not the provider's documented format
        ),
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
    responses=raises(ConnectorNotFound, SecretsUnreadable, InvalidParameter, Forbidden),
)
