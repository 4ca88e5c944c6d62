"""The one HTTP call every provider adapter makes, with failures sorted into rate limited
(429: retry after the provider's `Retry-After` / body hint), temporary (network trouble,
5xx: retry later) and the rest, which each adapter reads from the provider's own error
shape. Reasons carry status codes and provider error codes only, never the recipient.

One client per process: adapters are rebuilt every delivery round (connectors may change
while serving), and the client's connection pool is what should outlive them.
"""

import socket
import threading
from collections.abc import Container
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from unison.outbox.envelope import DeliveryFailed

_client: httpx.Client | None = None
_client_guard = threading.Lock()


def shared_client() -> httpx.Client:
    global _client
    with _client_guard:
        if _client is None:
            # TCP_NODELAY: a request's headers and body leave as two writes; without it
            # Nagle waits for the peer's delayed ACK (40 ms) before sending the body.
            nodelay = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]
            transport = httpx.HTTPTransport(socket_options=nodelay)
            _client = httpx.Client(follow_redirects=False, transport=transport)
        return _client


@dataclass(frozen=True)
class Request:
    url: str
    provider: str
    timeout: float
    headers: dict[str, str] = field(default_factory=dict)
    json: Any = None
    form: dict[str, str] | None = None
    auth: tuple[str, str] | None = None


def call(request: Request) -> tuple[int, Any]:
    """POST; the status and the decoded JSON answer (None when it is not JSON). Raises
    DeliveryFailed for 429 (with retry_after when the provider says) and 5xx."""
    headers = dict(request.headers)
    content: bytes | None = None
    if request.json is not None:
        headers.setdefault("Content-Type", "application/json")
        content = orjson.dumps(request.json)
    auth = httpx.BasicAuth(*request.auth) if request.auth else httpx.USE_CLIENT_DEFAULT
    try:
        response = shared_client().post(
            request.url,
            content=content,
            data=request.form,
            headers=headers,
            auth=auth,
            timeout=request.timeout,
        )
    except httpx.HTTPError as exc:
        raise DeliveryFailed(f"{request.provider} unreachable: {type(exc).__name__}") from exc
    answer = _json(response)
    if response.status_code == 429:
        wait = retry_after(response.headers.get("Retry-After"), answer)
        raise DeliveryFailed(f"{request.provider} HTTP 429", retry_after=wait)
    if response.status_code >= 500:
        raise DeliveryFailed(f"{request.provider} HTTP {response.status_code}")
    return response.status_code, answer


def post_json(
    url: str, body: dict[str, Any], headers: dict[str, str], provider: str, timeout: float
) -> tuple[int, Any]:
    """POST a JSON body; the status and the decoded answer (None when it is not JSON)."""
    return call(Request(url, provider, timeout, headers, json=body))


def refused(
    provider: str,
    status: int,
    code: object,
    *,
    reason: str | None = None,
    throttled: Container[object] = (),
    unreachable: Container[object] = (),
) -> DeliveryFailed:
    """A provider's refusal sorted by its error code: without one (an HTTP error without the
    provider's error shape) it is permanent for the message; a throttling code is retried
    a second later; any other code is permanent, and an unreachable one also marks the
    recipient. `reason` defaults to "<provider> error <code>"."""
    if code is None:
        return DeliveryFailed(f"{provider} HTTP {status}", permanent=True)
    reason = reason or f"{provider} error {code}"
    if code in throttled:
        return DeliveryFailed(reason, retry_after=1.0)
    return DeliveryFailed(reason, permanent=True, unreachable=code in unreachable)


def retry_after(header: str | None, answer: Any) -> float:
    """Seconds to wait: the `Retry-After` header (seconds), else Telegram's
    `parameters.retry_after`, else one second."""
    if header is not None:
        try:
            return max(0.0, float(header))
        except ValueError:
            pass
    params = answer.get("parameters") if isinstance(answer, dict) else None
    found = params.get("retry_after") if isinstance(params, dict) else None
    return float(found) if isinstance(found, int | float) else 1.0


def _json(response: httpx.Response) -> Any:
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return None
