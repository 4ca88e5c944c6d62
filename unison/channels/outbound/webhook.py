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
from urllib.parse import urlsplit

import orjson

from unison.channels.outbound.http import Answer, origin_of, post, retry_after
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
        answer = self._post(url, address, body, headers)
        if 200 <= answer.status < 300:
            return None
        if answer.status == 429:
            wait = retry_after(answer.headers.get("Retry-After"), None)
            raise DeliveryFailed("webhook HTTP 429", retry_after=wait)
        if answer.status >= 500:
            raise DeliveryFailed(f"webhook HTTP {answer.status}")
        raise DeliveryFailed(f"webhook HTTP {answer.status}", permanent=True)

    def _post(self, url: str, address: str, body: bytes, headers: dict[str, str]) -> Answer:
        """To the checked address, with the URL's host in `Host` and as TLS's server name."""
        origin, target = origin_of(url, address)
        host = {"Host": urlsplit(url).netloc.rsplit("@", 1)[-1]}
        return post(origin, target, body, {**headers, **host}, self._timeout, "webhook")
