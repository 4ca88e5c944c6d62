"""Webhook destinations (channel `webhook`, recipient type `url`): POST the rendered JSON
to the URL, signed as Unison signs everything it sends out:

    X-Unison-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>
    Idempotency-Key: <the outbox key>     (receivers drop a repeated key)
    X-Unison-Delivery: <the outbox row id>

The host is resolved at send time and must be public (outbox/destinations.py); the request
goes to the address that was checked, with the URL's host name in `Host` and TLS SNI, so a
DNS answer changed after the check cannot send it inside. 2xx is delivered; 429 and 5xx are
retried (after `Retry-After`); other 4xx are permanent."""

import hashlib
import hmac
import time
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import orjson

from unison.channels.outbound.http import retry_after, shared_client
from unison.outbox.destinations import resolve_public
from unison.outbox.envelope import DeliveryFailed, Envelope
from unison.outbox.errors import DestinationRefused

RECIPIENT_TYPE = "url"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


class WebhookDestinations:
    """The `webhook` channel's sender for rows of recipient type `url` (a typed plug beside
    the consent-webhook subscriptions, outbox/channels.py)."""

    channel = "webhook"
    idempotent = True  # receivers are told to drop a repeated Idempotency-Key

    def __init__(self, secret: str, *, allow_private: bool, timeout: float) -> None:
        self._secret, self._allow_private, self._timeout = secret, allow_private, timeout

    def send(self, envelope: Envelope) -> str | None:
        content = envelope.content or {}
        url = str(content.get("url") or envelope.recipient)
        try:
            address = resolve_public(url, allow_private=self._allow_private)
        except DestinationRefused as refused:
            raise DeliveryFailed(
                f"webhook destination refused: {refused}", permanent=True
            ) from None
        body = orjson.dumps(content.get("json", {}))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Unison-Webhooks/1",
            "Idempotency-Key": envelope.idempotency_key,
            "X-Unison-Delivery": str(envelope.message_id),
            "X-Unison-Signature": signature(self._secret, int(time.time()), body),
        }
        response = self._post(url, address, body, headers)
        if 200 <= response.status_code < 300:
            return None
        if response.status_code == 429:
            wait = retry_after(response.headers.get("Retry-After"), None)
            raise DeliveryFailed("webhook HTTP 429", retry_after=wait)
        if response.status_code >= 500:
            raise DeliveryFailed(f"webhook HTTP {response.status_code}")
        raise DeliveryFailed(f"webhook HTTP {response.status_code}", permanent=True)

    def _post(self, url: str, address: str, body: bytes, headers: dict[str, str]) -> Any:
        parts = urlsplit(url)
        host = parts.hostname or ""
        pinned = f"[{address}]" if ":" in address else address
        netloc = f"{pinned}:{parts.port}" if parts.port else pinned
        target = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
        try:
            return shared_client().post(
                target,
                content=body,
                headers={**headers, "Host": parts.netloc.rsplit("@", 1)[-1]},
                timeout=self._timeout,
                extensions={"sni_hostname": host},
            )
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"webhook unreachable: {type(exc).__name__}") from exc
