"""Outbound webhooks for consent changes: subscriptions with encrypted signing secrets, and
the `webhook` channel of the outbox (outbox/channels.py) that delivers the rows
`propagation.announce` queues, with the outbox's leases, retries, backoff and dead state.

A body is signed like Stripe's: `X-Unison-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of
"<t>.<body>" with the subscription's secret>`; receivers recompute it and reject old `t`.
"""

import hashlib
import hmac
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import orjson
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy.orm import Session, sessionmaker

from unison.consent import repository as rows
from unison.consent.errors import WebhookInvalid, WebhookNotFound
from unison.kit.clock import utcnow
from unison.kit.keys import sealer
from unison.kit.secrets import hint, new_secret
from unison.kit.settings import Settings
from unison.models import ConsentWebhook, OutboundMessage
from unison.outbox import queue as outbox
from unison.outbox.channels import Plug, Retry
from unison.outbox.envelope import DeliveryFailed, Envelope, Sender

CHANNEL = "webhook"  # the outbox channel
RECIPIENT_TYPE = "consent_webhook"  # the recipient is the subscription's id
PURPOSE = "consent.changed"
# The states a subscriber's deliveries had before they joined the outbox, kept in exports.
_EXPORTED_STATUS = {outbox.QUEUED: "pending", outbox.SENT: "delivered"}


def _fernet(settings: Settings) -> Fernet:
    return sealer(settings, "webhook-secrets")


def create(
    session: Session, settings: Settings, url: str, secret: str | None
) -> tuple[ConsentWebhook, str]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise WebhookInvalid("url must be an absolute http:// or https:// URL", field="url")
    secret = secret or new_secret("whsec")
    hook = ConsentWebhook(
        url=url,
        secret_encrypted=_fernet(settings).encrypt(secret.encode()),
        secret_hint=hint(secret),
        active=True,
        created_at=utcnow(),
    )
    return rows.add_webhook(session, hook), secret


def listing(session: Session) -> list[ConsentWebhook]:
    return rows.webhooks(session)


def delete(session: Session, webhook_id: int) -> None:
    hook = rows.webhook(session, webhook_id)
    if hook is None or not hook.active:
        raise WebhookNotFound(f"no webhook with id {webhook_id}", field="webhook_id")
    # Kept inactive rather than deleted: its past deliveries still name it.
    hook.active = False
    outbox.cancel_queued(session, CHANNEL, str(webhook_id))


@dataclass(frozen=True)
class Change:
    """One recorded consent change to announce: what subscribers receive, and whose it is."""

    record_id: int
    profile_id: int
    body: dict[str, Any]


def queue(session: Session, changes: Iterable[Change], now: datetime) -> int:
    """Queue every change for every active subscription; returns how many rows were new.
    `changes` is only consumed when there is a subscription (bodies cost time to build)."""
    hooks = rows.active_webhook_ids(session)
    if not hooks:
        return 0
    return outbox.enqueue_many(session, [_outgoing(h, c) for c in changes for h in hooks], now)


def _outgoing(hook: int, change: Change) -> outbox.Outgoing:
    return outbox.Outgoing(
        idempotency_key=f"consent-webhook:{hook}:{change.record_id}",
        profile_id=change.profile_id,
        channel=CHANNEL,
        recipient_type=RECIPIENT_TYPE,
        recipient=str(hook),
        purpose=PURPOSE,
        language="",
        body=orjson.dumps(change.body).decode(),
    )


def deliveries(session: Session, profile_ids: list[int]) -> list[OutboundMessage]:
    return outbox.of_profiles(session, profile_ids, channels=[CHANNEL])


def exported(delivery: OutboundMessage) -> dict[str, Any]:
    """A delivery as a data-subject export shows it."""
    status = _EXPORTED_STATUS.get(delivery.status, delivery.status)
    return {"id": delivery.id, "status": status, "body": orjson.loads(delivery.body)}


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


Poster = Callable[[str, bytes, dict[str, str], float], int]


def http_post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - scheme checked at creation
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


@dataclass(frozen=True)
class Subscription:
    url: str
    secret: str | None  # None: encrypted under another UNISON_SECRET_KEY, cannot sign


class WebhookSender:
    """The `webhook` channel's adapter: POSTs the body, signed, to one subscription's URL."""

    channel = CHANNEL

    def __init__(self, subscription: Subscription, timeout: float, post: Poster) -> None:
        self.subscription, self.timeout, self.post = subscription, timeout, post

    def send(self, envelope: Envelope) -> None:
        if self.subscription.secret is None:
            raise DeliveryFailed(
                "the webhook secret cannot be decrypted with the current UNISON_SECRET_KEY"
            )
        body = envelope.body.encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Unison-Webhooks/1",
            "X-Unison-Delivery": str(envelope.message_id),
            "X-Unison-Signature": signature(self.subscription.secret, int(time.time()), body),
        }
        try:
            status = self.post(self.subscription.url, body, headers, self.timeout)
        except OSError as exc:
            raise DeliveryFailed(f"connection failed: {type(exc).__name__}") from None
        if not 200 <= status < 300:
            raise DeliveryFailed(f"HTTP {status}")


class Subscribers:
    """The active subscriptions as the outbox's `webhook` senders (read once per round)."""

    def __init__(self, senders: dict[str, Sender]) -> None:
        self._senders = senders

    @property
    def channels(self) -> list[str]:
        return [CHANNEL] if self._senders else []

    def for_envelope(self, envelope: Envelope) -> Sender | None:
        return self._senders.get(envelope.recipient)


def webhook_channel(
    sessions: sessionmaker[Session], settings: Settings, *, post: Poster = http_post
) -> Plug:
    """The `webhook` channel to plug into `messaging.delivery.deliver_due`."""
    timeout = settings.consent_webhook_timeout_seconds
    with sessions() as session:
        hooks = [h for h in listing(session) if h.active]
    senders: dict[str, Sender] = {
        str(h.id): WebhookSender(Subscription(h.url, _secret(settings, h)), timeout, post)
        for h in hooks
    }
    retry = Retry(
        settings.consent_webhook_max_attempts,
        settings.consent_webhook_backoff_seconds,
        3 * timeout,
    )
    return Plug(Subscribers(senders), retry)


def _secret(settings: Settings, hook: ConsentWebhook) -> str | None:
    try:
        return _fernet(settings).decrypt(hook.secret_encrypted).decode()
    except InvalidToken:
        return None
