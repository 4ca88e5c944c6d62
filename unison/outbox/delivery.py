"""Sending the outbox, on every plugged channel (outbox/channels.py): lease due rows, hand
each to its channel's adapter, record the outcome under the channel's retry policy. A row is
sent at most once per lease and recorded right after; only a crash between the two repeats
it (adapters give receivers a stable id: the idempotency key, or X-Unison-Delivery).

Rows are leased in a short transaction (their next attempt moved past the adapter's
timeout), so no database lock is held while a provider answers, and two senders never take
one row (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite has one writer).
"""

import logging
from dataclasses import fields
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from unison.kit.backoff import next_attempt
from unison.kit.clock import utcnow
from unison.kit.db import transaction
from unison.kit.settings import Settings
from unison.models import OutboundMessage
from unison.outbox import queue as outbox
from unison.outbox.channels import Plug, Registry
from unison.outbox.envelope import DeliveryFailed, Envelope, Sender, Senders

log = logging.getLogger(__name__)
# Every envelope field but the message id is the outbox column of the same name.
_COLUMNS = [f.name for f in fields(Envelope) if f.name != "message_id"]


def deliver_due(
    sessions: sessionmaker[Session],
    settings: Settings,
    *plugged: Senders | Plug,
    now: datetime | None = None,
    limit: int = 50,
) -> int:
    """Attempt every due message of a plugged channel; returns how many were attempted."""
    registry = Registry(settings, plugged)
    if not registry.channels:
        return 0
    moment = now or utcnow()
    envelopes = _lease(sessions, registry, moment, limit)
    for envelope in envelopes:
        error = _send(registry.sender(envelope), envelope)
        _record(sessions, registry, envelope, error, moment)
    return len(envelopes)


def _lease(
    sessions: sessionmaker[Session], registry: Registry, now: datetime, limit: int
) -> list[Envelope]:
    with transaction(sessions) as session:
        leased = outbox.lease_due(session, registry.channels, now, limit)
        for message in leased:
            lease = registry.retry(message.channel).lease_seconds
            message.next_attempt_at = now + timedelta(seconds=lease)
        return [envelope_of(message) for message in leased]


def envelope_of(message: OutboundMessage) -> Envelope:
    return Envelope(message.id, **{name: getattr(message, name) for name in _COLUMNS})


def _send(sender: Sender | None, envelope: Envelope) -> DeliveryFailed | None:
    if sender is None:  # its connector or subscription went away since the lease
        return DeliveryFailed(f"no {envelope.channel} adapter can send now")
    try:
        sender.send(envelope)
    except DeliveryFailed as failure:
        return failure
    return None


def _record(
    sessions: sessionmaker[Session],
    registry: Registry,
    envelope: Envelope,
    failure: DeliveryFailed | None,
    now: datetime,
) -> None:
    with transaction(sessions) as session:
        message = session.get(OutboundMessage, envelope.message_id)
        if message is None:  # erased while it was being sent
            return
        message.attempts += 1
        if failure is None:
            message.status, message.sent_at, message.last_error = outbox.SENT, now, None
            return
        message.last_error = failure.reason[:300]
        retry = registry.retry(message.channel)
        if failure.permanent or message.attempts >= retry.max_attempts:
            message.status = outbox.FAILED
            log.warning(
                "outbound message failed",
                extra={"message_id": message.id, "channel": message.channel, "why": failure.reason},
            )
            return
        message.next_attempt_at = next_attempt(now, message.attempts, retry.backoff_seconds)
