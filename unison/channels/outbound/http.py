"""The one HTTP call every messenger adapter makes, with failures sorted into temporary
(network trouble, 429, 5xx: retry later) and permanent (everything else the provider
refuses). Reasons carry status codes and provider error codes only, never the recipient."""

from typing import Any

import httpx
import orjson

from unison.messaging.envelope import DeliveryFailed


def post_json(
    client: httpx.Client, url: str, body: dict[str, Any], headers: dict[str, str], provider: str
) -> tuple[int, Any]:
    """POST a JSON body; the status and the decoded answer (None when it is not JSON)."""
    try:
        response = client.post(
            url, content=orjson.dumps(body), headers={"Content-Type": "application/json", **headers}
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


def client(timeout: float) -> httpx.Client:
    return httpx.Client(timeout=timeout, follow_redirects=False)
