"""Sending the outbox: lease due messages, hand each to its channel's adapter, record the
outcome. A message is sent at most once per lease and recorded as sent in the transaction
right after; only a crash between the two repeats it (the adapters give it a stable id).

Rows are leased in a short transaction (their next attempt moved past the send timeout), so
no database lock is held while a provider answers, and two senders never take one row
(`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite has one writer).
"""

import logging
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from unison.kit.backoff import next_attempt
from unison.kit.clock import utcnow
from unison.kit.db import transaction
from unison.kit.settings import Settings
from unison.messaging.envelope import DeliveryFailed, Envelope, Sender, Senders
from unison.models import OutboundMessage

log = logging.getLogger(__name__)


def deliver_due(
    sessions: sessionmaker[Session],
    settings: Settings,
    senders: Senders,
    *,
    now: datetime | None = None,
    limit: int = 50,
) -> int:
    """Attempt every due message of a channel that has an adapter; returns how many."""
    channels = senders.channels
    if not channels:
        return 0
    moment = now or utcnow()
    envelopes = _lease(sessions, settings, moment, limit, channels)
    for envelope in envelopes:
        error = _send(senders.for_envelope(envelope), envelope)
        _record(sessions, settings, envelope, error, moment)
    return len(envelopes)


def _lease(
    sessions: sessionmaker[Session],
    settings: Settings,
    now: datetime,
    limit: int,
    channels: list[str],
) -> list[Envelope]:
    # Held well past the slowest adapter's timeout, so a row is never sent by two rounds.
    slowest = max(settings.smtp_timeout_seconds, settings.outbox_http_timeout_seconds)
    lease = now + timedelta(seconds=3 * slowest)
    with transaction(sessions) as session:
        query = (
            select(OutboundMessage)
            .where(
                OutboundMessage.status == "queued",
                OutboundMessage.channel.in_(channels),
                or_(
                    OutboundMessage.next_attempt_at.is_(None),
                    OutboundMessage.next_attempt_at <= now,
                ),
            )
            .order_by(OutboundMessage.id)
            .limit(limit)
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        leased = []
        for message in session.execute(query).scalars():
            message.next_attempt_at = lease
            leased.append(envelope_of(message))
        return leased


def envelope_of(message: OutboundMessage) -> Envelope:
    return Envelope(
        message_id=message.id,
        idempotency_key=message.idempotency_key,
        channel=message.channel,
        recipient_type=message.recipient_type,
        recipient=message.recipient,
        language=message.language,
        subject=message.subject,
        body=message.body,
        via_source_id=message.via_source_id,
    )


def _send(sender: Sender | None, envelope: Envelope) -> DeliveryFailed | None:
    if sender is None:  # its connector lost its credentials since the lease
        return DeliveryFailed(f"no {envelope.channel} connector can send now")
    try:
        sender.send(envelope)
    except DeliveryFailed as failure:
        return failure
    return None


def _record(
    sessions: sessionmaker[Session],
    settings: Settings,
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
            message.status, message.sent_at, message.last_error = "sent", now, None
            return
        message.last_error = failure.reason[:300]
        if failure.permanent or message.attempts >= settings.outbox_max_attempts:
            message.status = "failed"
            log.warning(
                "outbound message failed",
                extra={"message_id": message.id, "channel": message.channel, "why": failure.reason},
            )
            return
        message.next_attempt_at = next_attempt(
            now, message.attempts, settings.outbox_backoff_seconds
        )
