"""Outbound webhooks for consent changes: subscriptions with encrypted signing secrets, and
the delivery of the outbox rows `propagation.announce` wrote, with retries and backoff.

A body is signed like Stripe's: `X-Unison-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of
"<t>.<body>" with the subscription's secret>`; receivers recompute it and reject old `t`.
"""

import hashlib
import hmac
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import orjson
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from unison.kit.backoff import next_attempt
from unison.kit.clock import utcnow
from unison.kit.db import transaction
from unison.kit.errors import InvalidParameter, NotFound
from unison.kit.keys import sealer
from unison.kit.secrets import hint, new_secret
from unison.kit.settings import Settings
from unison.models import ConsentWebhook, WebhookDelivery

log = logging.getLogger(__name__)


class WebhookInvalid(InvalidParameter):
    pass


class WebhookNotFound(NotFound):
    pass


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
    session.add(hook)
    session.flush()
    return hook, secret


def listing(session: Session) -> list[ConsentWebhook]:
    return list(session.execute(select(ConsentWebhook).order_by(ConsentWebhook.id)).scalars())


def delete(session: Session, webhook_id: int) -> None:
    hook = session.get(ConsentWebhook, webhook_id)
    if hook is None or not hook.active:
        raise WebhookNotFound(f"no webhook with id {webhook_id}", field="webhook_id")
    # Kept inactive rather than deleted: its past deliveries still name it.
    hook.active = False
    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.webhook_id == webhook_id, WebhookDelivery.status == "pending")
        .values(status="cancelled")
    )


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


@dataclass(frozen=True)
class Attempt:
    delivery_id: int
    url: str
    secret: str | None
    body: bytes


Poster = Callable[[str, bytes, dict[str, str], float], int]


def http_post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - scheme checked at creation
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def deliver_due(
    sessions: sessionmaker[Session],
    settings: Settings,
    *,
    now: datetime | None = None,
    limit: int = 50,
    post: Poster = http_post,
) -> int:
    """Send every due delivery once; returns how many were attempted.

    Rows are leased in a short transaction (their next attempt moved past the HTTP timeout)
    so no lock is held while waiting on a receiver, and two workers never send one row.
    """
    moment = now or utcnow()
    attempts = _lease(sessions, settings, moment, limit)
    for attempt in attempts:
        _record(sessions, settings, attempt, _send(settings, attempt, post), moment)
    return len(attempts)


def _lease(
    sessions: sessionmaker[Session], settings: Settings, now: datetime, limit: int
) -> list[Attempt]:
    lease = now + timedelta(seconds=settings.consent_webhook_timeout_seconds * 3)
    with transaction(sessions) as session:
        query = (
            select(WebhookDelivery, ConsentWebhook)
            .join(ConsentWebhook, ConsentWebhook.id == WebhookDelivery.webhook_id)
            .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now)
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(limit)
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(of=WebhookDelivery, skip_locked=True)
        found = []
        for delivery, hook in session.execute(query):
            delivery.next_attempt_at = lease
            found.append(
                Attempt(delivery.id, hook.url, _secret(settings, hook), orjson.dumps(delivery.body))
            )
        return found


def _secret(settings: Settings, hook: ConsentWebhook) -> str | None:
    try:
        return _fernet(settings).decrypt(hook.secret_encrypted).decode()
    except InvalidToken:
        return None  # encrypted under another UNISON_SECRET_KEY: cannot sign


def _send(settings: Settings, attempt: Attempt, post: Poster) -> str | None:
    """None on success, else what went wrong (no body or secret in it)."""
    if attempt.secret is None:
        return "the webhook secret cannot be decrypted with the current UNISON_SECRET_KEY"
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Unison-Webhooks/1",
        "X-Unison-Delivery": str(attempt.delivery_id),
        "X-Unison-Signature": signature(attempt.secret, int(time.time()), attempt.body),
    }
    try:
        status = post(attempt.url, attempt.body, headers, settings.consent_webhook_timeout_seconds)
    except OSError as exc:
        return f"connection failed: {type(exc).__name__}"
    return None if 200 <= status < 300 else f"HTTP {status}"


def _record(
    sessions: sessionmaker[Session],
    settings: Settings,
    attempt: Attempt,
    error: str | None,
    now: datetime,
) -> None:
    with transaction(sessions) as session:
        delivery = session.get(WebhookDelivery, attempt.delivery_id)
        if delivery is None:  # erased meanwhile
            return
        delivery.attempts += 1
        if error is None:
            delivery.status, delivery.delivered_at, delivery.last_error = "delivered", now, None
            return
        delivery.last_error = error
        if delivery.attempts >= settings.consent_webhook_max_attempts:
            delivery.status = "failed"
            log.warning("webhook delivery gave up", extra={"delivery_id": delivery.id})
            return
        delivery.next_attempt_at = next_attempt(
            now, delivery.attempts, settings.consent_webhook_backoff_seconds
        )
