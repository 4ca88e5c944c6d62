"""Sending the outbox, on every plugged channel (outbox/channels.py): lease due rows, ask the
send-time check, hand each row to its channel's adapter, record the outcome under the
channel's retry policy (docs/design/outbox.md, "Exactly once").

Rows are leased in a short transaction (their next attempt moved past the adapter's
timeout), so no database lock is held while a provider answers, and two senders never take
one row (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite has one writer). Each row is then
marked in flight (`claimed_at`) in the same commit that records the row before it, sent,
and recorded. After a crash, a row still marked in flight may have reached the provider:
it is sent again (same key) only where the provider drops a repeated key; elsewhere it
becomes a dead letter for a person to check, so nothing is ever sent twice.
"""

import logging
import random
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from unison.kit.backoff import MAX_BACKOFF
from unison.kit.clock import utcnow
from unison.kit.db import transaction
from unison.kit.settings import Settings
from unison.models import OutboundMessage
from unison.outbox import queue as outbox
from unison.outbox.channels import Plug, Registry, Retry
from unison.outbox.envelope import (
    Defer,
    DeliveryFailed,
    Envelope,
    Send,
    SendAll,
    Sender,
    Senders,
    SendTimeCheck,
    Suppress,
    Unreachable,
)
from unison.outbox.ratelimit import LIMITS, RateLimits
from unison.outbox.receipts import Receipt, record_receipts

log = logging.getLogger(__name__)
# Every envelope field but the message id is the outbox column of the same name.
_COLUMNS = [f.name for f in fields(Envelope) if f.name != "message_id"]
# Sends of one in-flight batch (UNISON_OUTBOX_INFLIGHT_BATCH) under way at once, at most:
# within httpx's default keep-alive pool (20), so no connection is opened per send.
MAX_CONCURRENT_SENDS = 16
INTERRUPTED = (
    "interrupted mid-send (the dispatcher stopped); not resent because this provider "
    "cannot drop a repeat: check, then `unison outbox retry`"
)


@dataclass(frozen=True)
class Outcome:
    envelope: Envelope
    key: str  # the rate key of the sender used
    provider_id: str | None = None
    failure: DeliveryFailed | None = None
    wait: float | None = None  # not sent: the provider's pause for this key is running


@dataclass
class Round:
    sessions: sessionmaker[Session]
    registry: Registry
    now: datetime
    check: SendTimeCheck
    unreachable: Unreachable | None
    limits: RateLimits


def deliver_due(
    sessions: sessionmaker[Session],
    settings: Settings,
    *plugged: Senders | Plug,
    now: datetime | None = None,
    limit: int = 50,
    check: SendTimeCheck | None = None,
    unreachable: Unreachable | None = None,
    limits: RateLimits = LIMITS,
) -> int:
    """Attempt every due message of a plugged channel; returns how many rows were leased."""
    registry = Registry(settings, plugged)
    if not registry.channels:
        return 0
    run = Round(sessions, registry, now or utcnow(), check or SendAll(), unreachable, limits)
    leased, envelopes = _lease(run, limit)
    size, pending = settings.outbox_inflight_batch, list[Outcome]()
    for start in range(0, len(envelopes), size):
        chunk = envelopes[start : start + size]
        with transaction(sessions) as session:
            _record_all(run, session, pending)  # one commit records a chunk, claims the next
            outbox.claim_many(session, [e.message_id for e in chunk], run.now)
        # In flight from here until recorded: the chunk's sends go out together, each
        # paced by its provider's rate limit (the token bucket is shared by the threads).
        pending = _attempt_all(run, chunk)
    if pending:
        with transaction(sessions) as session:
            _record_all(run, session, pending)
    return leased


def _attempt_all(run: Round, chunk: list[Envelope]) -> list[Outcome]:
    if len(chunk) == 1:
        return [_attempt(run, chunk[0])]
    return list(_senders().map(lambda envelope: _attempt(run, envelope), chunk))


_POOL: ThreadPoolExecutor | None = None
_POOL_GUARD = threading.Lock()


def _senders() -> ThreadPoolExecutor:
    """The process's sending threads: started once (a delivery round is too short to pay
    for starting its own), idle between rounds."""
    global _POOL
    with _POOL_GUARD:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(MAX_CONCURRENT_SENDS, thread_name_prefix="outbox-send")
        return _POOL


def _attempt(run: Round, envelope: Envelope) -> Outcome:
    sender = run.registry.sender(envelope)
    key = rate_key(sender, envelope)
    wait = run.limits.paused(key)  # a 429 earlier in this round pauses the rest of its key
    return Outcome(envelope, key, wait=wait) if wait else _send(run, sender, envelope, key)


def rate_key(sender: Sender | None, envelope: Envelope) -> str:
    return str(getattr(sender, "rate_key", envelope.channel))


def _lease(run: Round, limit: int) -> tuple[int, list[Envelope]]:
    with transaction(run.sessions) as session:
        registry = run.registry
        leased = outbox.lease_due(session, registry.channels, run.now, limit, registry.only_types())
        ready = [e for message in leased if (e := _admit(run, session, message)) is not None]
        return len(leased), ready


def _admit(run: Round, session: Session, message: OutboundMessage) -> Envelope | None:
    """Lease one row, or settle it now (interrupted, deferred, suppressed)."""
    envelope = envelope_of(message)
    if message.claimed_at is not None and not _idempotent(run, envelope):
        message.status, message.claimed_at, message.last_error = outbox.DEAD, None, INTERRUPTED
        return None
    verdict = run.check.check(session, envelope, run.now)
    if isinstance(verdict, Defer):
        message.next_attempt_at, message.last_error = verdict.until, f"deferred: {verdict.reason}"
        return None
    if isinstance(verdict, Suppress):
        message.status, message.last_error = outbox.SUPPRESSED, verdict.reason[:300]
        return None
    assert isinstance(verdict, Send)
    lease = run.registry.retry(message.channel, message.recipient_type).lease_seconds
    message.next_attempt_at = run.now + timedelta(seconds=lease)
    return envelope


def _idempotent(run: Round, envelope: Envelope) -> bool:
    return bool(getattr(run.registry.sender(envelope), "idempotent", False))


def envelope_of(message: OutboundMessage) -> Envelope:
    return Envelope(message.id, **{name: getattr(message, name) for name in _COLUMNS})


def _send(run: Round, sender: Sender | None, envelope: Envelope, key: str) -> Outcome:
    if sender is None:  # its connector or subscription went away since the lease
        return Outcome(envelope, key, failure=DeliveryFailed(f"no {envelope.channel} adapter"))
    run.limits.take(key, getattr(sender, "rate_per_second", None))
    try:
        provider_id = sender.send(envelope)
    except DeliveryFailed as failure:
        if failure.retry_after is not None and not failure.permanent:
            run.limits.pause(key, failure.retry_after)  # before this round's next send
        return Outcome(envelope, key, failure=failure)
    return Outcome(envelope, key, provider_id=provider_id)


def _record_all(run: Round, session: Session, outcomes: list[Outcome]) -> None:
    """Record a chunk's outcomes: its rows read in one query, its receipts appended in one
    call to the log."""
    if not outcomes:
        return
    found = outbox.get_many(session, [o.envelope.message_id for o in outcomes])
    receipts = [
        receipt
        for outcome in outcomes
        if (message := found.get(outcome.envelope.message_id)) is not None  # else: erased
        and (receipt := _record(run, session, message, outcome)) is not None
    ]
    record_receipts(session, receipts)


def _record(
    run: Round, session: Session, message: OutboundMessage, outcome: Outcome
) -> Receipt | None:
    message.claimed_at = None
    if outcome.wait is not None:  # held back by the provider's pause: not an attempt
        message.next_attempt_at = run.now + timedelta(seconds=outcome.wait)
        return None
    failure = outcome.failure
    if failure is not None and failure.retry_after is not None and not failure.permanent:
        message.next_attempt_at = run.now + timedelta(seconds=failure.retry_after)
        message.last_error = failure.reason[:300]
        return None
    message.attempts += 1
    if failure is None:
        message.status, message.sent_at, message.last_error = outbox.SENT, run.now, None
        message.provider_message_id = outcome.provider_id
        return _receipt(message, "Message Sent")
    return _failed(run, session, message, outcome.envelope, failure)


def _failed(
    run: Round,
    session: Session,
    message: OutboundMessage,
    envelope: Envelope,
    failure: DeliveryFailed,
) -> Receipt | None:
    message.last_error = failure.reason[:300]
    retry = run.registry.retry(message.channel, message.recipient_type)
    if not failure.permanent and message.attempts < retry.max_attempts:
        message.next_attempt_at = backoff(run.now, message.attempts, retry)
        return None
    exhausted = outbox.DEAD if retry.dead_letter else outbox.FAILED
    message.status = outbox.FAILED if failure.permanent else exhausted
    log.warning(
        "outbound message %s",
        message.status,
        extra={"message_id": message.id, "channel": message.channel, "why": failure.reason},
    )
    if failure.unreachable and run.unreachable is not None:
        run.unreachable.mark(session, envelope, failure.reason)
    bounced = failure.unreachable and message.channel == "email"
    return _receipt(message, "Bounced" if bounced else "Failed", failure.reason)


def backoff(now: datetime, attempts: int, retry: Retry) -> datetime:
    """After the n-th failed attempt: base x 2^(n-1), capped at six hours, times a random
    factor around 1 (the policy's jitter) so rows that failed together spread out."""
    delay = min(timedelta(seconds=retry.backoff_seconds * 2 ** (attempts - 1)), MAX_BACKOFF)
    spread = random.uniform(1 - retry.jitter, 1 + retry.jitter)  # noqa: S311 - not a secret
    return now + delay * spread


def _receipt(message: OutboundMessage, kind: str, reason: str | None = None) -> Receipt | None:
    """Receipts for messages messaging sent (rows with meta); older kinds of rows (consent
    confirmations, replies, consent webhooks) keep their own trails."""
    if message.meta is None:
        return None
    meta = {**message.meta, "outbox_id": message.id}
    return Receipt(kind, meta, message.profile_id, message.channel, reason)
