"""The one HTTP call every messenger adapter makes, with failures sorted into temporary
(network trouble, 429, 5xx: retry later) and permanent (everything else the provider
refuses). Reasons carry status codes and provider error codes only, never the recipient.

One client per process: adapters are rebuilt every delivery round (connectors may change
while serving), and the client's connection pool is what should outlive them.
"""

import threading
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
            _client = httpx.Client(follow_redirects=False)
        return _client


def post_json(
    url: str, body: dict[str, Any], headers: dict[str, str], provider: str, timeout: float
) -> tuple[int, Any]:
    """POST a JSON body; the status and the decoded answer (None when it is not JSON)."""
    try:
        response = shared_client().post(
            url,
            content=orjson.dumps(body),
            headers={"Content-Type": "application/json", **headers},
            timeout=timeout,
        )
    except httpx.HTTPError as exc:
        raise DeliveryFailed(f"{provider} unreachable: {type(exc).__name__}") from exc
    try:
        answer = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        answer = None
    if response.status_code == 429 or response.status_code >= 500:
        raise DeliveryFailed(f"{provider} HTTP {response.status_code}")
    return response.status_code, answer
