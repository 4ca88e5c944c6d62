"""The one ingest core behind both fast paths: `/v1/*` (Segment collection, events/collect.py)
and `/hooks/*` (channel webhooks, channels/hooks.py).

Every call takes the same steps, in this order, each answered before the next runs: read
and bound the body (413 past the limit, gzip inflated within it, 415 for another encoding);
decode it; authenticate it; turn it into canonical events; validate and store them through
the group-commit writer (answered only once committed); count them; answer. A refusal at
any step renders one way for both paths: the one error shape, `WWW-Authenticate` on a 401,
`Connection: close` when the body was left unread.

An entry point supplies only what differs, as an `Entry`: its body limit, how to decode,
how to authenticate (write key or connector signature), how its payload becomes canonical
events, and how to answer. What it checks before the body is read (routing, a header key)
is its `Opener`.

Ingest is the hot path, so `IngestFastPath` (pure ASGI) answers before FastAPI's routing,
dependency and exception machinery, which cost more per request than the ingest work; the
documented FastAPI routes call the same `serve`, so the two cannot answer differently.
"""

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from unison.api.body import read_body
from unison.api.declarations import checked
from unison.api.responses import JsonResponse, error_response
from unison.api.runtime import Runtime
from unison.events import repository
from unison.events.service import BatchContext, Prepared, prepare_items
from unison.kit.clock import utcnow
from unison.kit.errors import UnisonError
from unison.kit.settings import Settings
from unison.sources.ref import SourceRef

Decoded = TypeVar("Decoded")
# What every 401 carries (RFC 9110 requires a challenge), as the app-wide handler sends it.
CHALLENGE = 'Basic realm="unison"'


@dataclass(frozen=True, slots=True)
class Call:
    """One HTTP request as the core reads it."""

    headers: Mapping[str, str]  # keyed by lower-case names
    chunks: AsyncIterator[bytes]
    method: str = "POST"
    query: str = ""


@dataclass(slots=True)
class Intake:
    """The canonical events an entry point made of an authenticated body."""

    source: SourceRef
    items: list[Any]
    implied_type: str | None = None  # /v1/<type>: the one item's type
    batch: BatchContext | None = None  # /v1/batch: merged into each item
    ignored: list[str] = field(default_factory=list)  # provider updates with nothing to keep


@dataclass(frozen=True, slots=True)
class Stored:
    """What validation and the writer made of an intake."""

    prepared: Prepared
    outcome: repository.StoreOutcome

    @property
    def rejected(self) -> list[dict[str, Any]]:
        return [
            {"index": r.index, "error": r.error, "field": r.field, "detail": r.detail}
            for r in self.prepared.rejections
        ]


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: dict[str, Any]


class Entry(Protocol[Decoded]):
    """What one entry point supplies; the core does the rest."""

    @property
    def origin(self) -> str:
        """Recorded with each stored event: "api", "webhook"."""
        ...

    def body_limit(self, settings: Settings) -> int: ...

    def decode(self, body: bytes) -> Decoded: ...

    async def authenticate(self, runtime: Runtime, decoded: Decoded) -> SourceRef: ...

    def canonical(self, decoded: Decoded, source: SourceRef, settings: Settings) -> Intake: ...

    def answer(self, intake: Intake, stored: Stored) -> Answer: ...


# Checks made before the body is read (routing, a header key); returns the entry to ingest
# through, or a finished response (e.g. a verification challenge).
Opener = Callable[[Runtime, Call], Awaitable["Entry[Any] | Response"]]


async def serve(runtime: Runtime, call: Call, opener: Opener) -> Response:
    """Answer one ingest call; every refusal becomes the one error answer."""
    try:
        entry = await opener(runtime, call)
        if isinstance(entry, Response):
            return entry
        answer = await ingest(runtime, call, entry)
    except UnisonError as exc:
        return error_answer(exc)
    return JsonResponse(answer.body, status_code=answer.status)


async def ingest(runtime: Runtime, call: Call, entry: "Entry[Decoded]") -> Answer:
    """Read, decode, authenticate, validate and store one call; raises UnisonError for a
    call refused as a whole."""
    settings = runtime.settings
    body = await read_body(call.headers, call.chunks, entry.body_limit(settings))
    decoded = entry.decode(body)
    source = await entry.authenticate(runtime, decoded)
    intake = entry.canonical(decoded, source, settings)
    stored = await store(runtime, intake, entry.origin)
    return entry.answer(intake, stored)


_NOTHING = repository.StoreOutcome(accepted=0, duplicates=0, rejected=0)


async def store(runtime: Runtime, intake: Intake, origin: str) -> Stored:
    """Validate the intake's items and store them; returns once they are committed."""
    if not intake.items:  # nothing to validate or write: no trip through the writer
        return Stored(Prepared(), _NOTHING)
    received_at = utcnow()
    prepared = prepare_items(
        intake.items,
        source=intake.source,
        received_at=received_at,
        max_event_bytes=runtime.settings.max_event_bytes,
        implied_type=intake.implied_type,
        batch=intake.batch,
    )
    outcome = await runtime.writer.submit(
        repository.IngestBatch(
            prepared.rows, prepared.rejections, intake.source.id, origin, received_at
        )
    )
    runtime.metrics.count_ingest(
        intake.source.name, outcome.accepted, outcome.duplicates, outcome.rejected
    )
    return Stored(prepared, outcome)


def error_answer(error: UnisonError) -> Response:
    response = error_response(error)
    if error.status_code == 401:
        response.headers["WWW-Authenticate"] = CHALLENGE
    return response


@dataclass(frozen=True, slots=True)
class Claim:
    """A fast path serves this request: under which route label, through which opener."""

    route: str  # the route label of the request metrics
    opener: Opener


class IngestFastPath:
    """Pure ASGI: answers the HTTP requests `claim` claims through `serve`, passes the rest
    on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def claim(self, scope: Scope) -> Claim | None:
        raise NotImplementedError

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        claim = self.claim(scope) if scope["type"] == "http" else None
        if claim is None:
            await self.app(scope, receive, send)
            return
        scope["unison.route"] = claim.route
        runtime: Runtime = scope["app"].state.runtime
        response = await serve(runtime, call_of(scope, receive), claim.opener)
        response = checked(scope, response)  # strict error declarations (api/declarations.py)
        await response(scope, receive, send)


def call_of(scope: Scope, receive: Receive) -> Call:
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    query = scope.get("query_string", b"").decode("latin-1")
    return Call(headers, _chunks(receive), scope["method"], query)


async def _chunks(receive: Receive) -> AsyncIterator[bytes]:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        yield message.get("body", b"")
        if not message.get("more_body", False):
            return
