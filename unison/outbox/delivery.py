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
import os
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from unison.kit.backoff import MAX_BACKOFF
from unison.kit.clock import utcnow
from unison.kit.db import write_transaction
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
from unison.outbox.pace import Pace
from unison.outbox.ratelimit import LIMITS, RateLimits
from unison.outbox.receipts import Receipt, record_receipts

log = logging.getLogger(__name__)
# Every envelope field but the message id is the outbox column of the same name.
_COLUMNS = [f.name for f in fields(Envelope) if f.name != "message_id"]
# What a lease reads, in this order: the envelope's fields (by position), then `claimed_at`.
_LEASED = ["id", *_COLUMNS, "claimed_at"]
# Sends of one in-flight batch (UNISON_OUTBOX_INFLIGHT_BATCH) under way at once, at most:
# within the keep-alive connections kept per provider (channels/outbound/http.py, 20), so
# no connection is opened per send.
MAX_CONCURRENT_SENDS = 16
PACE = Pace(MAX_CONCURRENT_SENDS)  # how many of them a batch uses (outbox/pace.py)
# Rows a lease takes at the least (within the round's limit): see _Leases.
LEASE_AT_LEAST = 200
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
    leases = _Leases(run, limit, settings.outbox_inflight_batch)
    flight: _Flight | None = None
    try:
        while True:
            # The next chunk is leased and checked, and the one that landed recorded, while
            # the one in flight is being sent: the database's work overlaps the providers'.
            ready = leases.next_ready()
            if not ready and flight is None:
                return leases.total
            landed = flight.landed() if flight is not None else []
            flight = None
            if ready:
                # Claimed right before it is sent, once the chunk before it has landed (a
                # claim is what a crash leaves "maybe sent": never more than one chunk).
                with write_transaction(sessions) as session:
                    outbox.claim_many(session, [e.message_id for e in ready], run.now)
                # In flight from here until recorded: the chunk's sends go out together,
                # each paced by its provider's rate limit (one token bucket for the threads).
                flight = _Flight(run, ready)
            if landed:
                with write_transaction(sessions) as session:
                    _record_all(run, session, landed)
    except BaseException:
        if flight is not None:  # sent already: recorded if the database lets us
            _record_after_failure(run, flight)
        raise


class _Leases:
    """A round's leases, until `limit` rows or no more due, handed out an in-flight batch
    at a time. A lease takes at least `LEASE_AT_LEAST` rows: with small in-flight batches
    (the default is one) a lease per batch would cost a commit per message."""

    def __init__(self, run: Round, limit: int, size: int) -> None:
        self._run, self._limit, self._size = run, limit, size
        self.total, self._more = 0, True
        self._ready: list[Envelope] = []

    def next_ready(self) -> list[Envelope]:
        """The next rows the send-time check lets go, at most an in-flight batch."""
        while not self._ready and self._more and self.total < self._limit:
            asked = min(max(self._size, LEASE_AT_LEAST), self._limit - self.total)
            leased, self._ready = _lease(self._run, asked)
            self.total, self._more = self.total + leased, leased == asked
        batch, self._ready = self._ready[: self._size], self._ready[self._size :]
        return batch


class _Flight:
    """A chunk's sends under way on the process's sending threads, as many at once as the
    pace says (outbox/pace.py). A few long tasks rather than one per send: each thread
    takes the chunk's next envelope until none is left, so a slow provider holds up one
    thread, not the others' queue."""

    def __init__(self, run: Round, chunk: list[Envelope]) -> None:
        self._run, self._chunk = run, chunk
        self._outcomes: list[Outcome | None] = [None] * len(chunk)
        self._turns, self._guard = iter(range(len(chunk))), threading.Lock()
        self._cpu, self._started = 0.0, time.perf_counter()
        self._ended = self._started
        self._threads = PACE.threads_for(len(chunk))
        self._tasks = [_senders().submit(self._work) for _ in range(self._threads)]

    def _work(self) -> None:
        cpu = time.thread_time()
        while True:
            with self._guard:
                index = next(self._turns, None)
            if index is None:
                break
            self._outcomes[index] = _attempt(self._run, self._chunk[index])
        with self._guard:
            self._cpu += time.thread_time() - cpu
            self._ended = max(self._ended, time.perf_counter())

    def landed(self) -> list[Outcome]:
        """Every send's outcome, once all have answered (or failed)."""
        for task in self._tasks:
            task.result()
        PACE.learn(self._threads, self._cpu, self._ended - self._started)
        return [outcome for outcome in self._outcomes if outcome is not None]


def _record_after_failure(run: Round, flight: _Flight) -> None:
    """The round failed (its database work, most likely) while a chunk was in flight: wait
    for its sends and try to record them, so they are not left "maybe sent"."""
    try:
        landed = flight.landed()
        with write_transaction(run.sessions) as session:
            _record_all(run, session, landed)
    except Exception:
        log.exception("outbox: sends in flight when the round failed could not be recorded")


_POOL: ThreadPoolExecutor | None = None
_POOL_GUARD = threading.Lock()


def _forget_inherited_senders() -> None:
    """In a forked child the parent's sending threads do not exist, though its executor
    object does: work handed to it would wait forever. The child starts its own."""
    global _POOL, _POOL_GUARD, PACE
    _POOL, _POOL_GUARD = None, threading.Lock()
    PACE = Pace(MAX_CONCURRENT_SENDS)  # its lock may have been held by a parent's thread


os.register_at_fork(after_in_child=_forget_inherited_senders)


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
    """Lease the due rows: those interrupted mid-send settled as dead (unless the provider
    drops a repeat), the others put to the send-time check at once; what it lets go is held
    past its lease (one statement per lease length), the rest deferred or suppressed."""
    with write_transaction(run.sessions) as session:
        registry = run.registry
        leased = outbox.lease_due(
            session, registry.channels, run.now, limit, registry.only_types(), _LEASED
        )
        settled: list[dict[str, Any]] = []
        asked: list[Envelope] = []
        for row in leased:
            fields_: Any = row[:-1]  # the envelope's, in order (_LEASED)
            envelope, claimed_at = Envelope(*fields_), row[-1]
            if claimed_at is not None and not _idempotent(run, envelope):
                settled.append(_interrupted(envelope))
            else:
                asked.append(envelope)
        ready: list[Envelope] = []
        held: dict[datetime, list[int]] = {}
        for envelope, verdict in zip(
            asked, run.check.check_many(session, asked, run.now), strict=True
        ):
            if isinstance(verdict, Send):
                ready.append(envelope)
                lease = registry.retry(envelope.channel, envelope.recipient_type).lease_seconds
                until = run.now + timedelta(seconds=lease)
                held.setdefault(until, []).append(envelope.message_id)
            else:
                settled.append(_not_now(envelope, verdict))
        outbox.update_each(session, settled)
        for until, ids in held.items():
            outbox.update_rows(session, ids, {"next_attempt_at": until})
        return len(leased), ready


def _interrupted(envelope: Envelope) -> dict[str, Any]:
    return {
        "id": envelope.message_id,
        "status": outbox.DEAD,
        "claimed_at": None,
        "last_error": INTERRUPTED,
    }


def _not_now(envelope: Envelope, verdict: Defer | Suppress) -> dict[str, Any]:
    """A row the send-time check deferred or suppressed: its new values."""
    if isinstance(verdict, Defer):
        reason = f"deferred: {verdict.reason}"
        return {"id": envelope.message_id, "next_attempt_at": verdict.until, "last_error": reason}
    return {
        "id": envelope.message_id,
        "status": outbox.SUPPRESSED,
        "last_error": verdict.reason[:300],
    }


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
    """Record a chunk's outcomes: its rows' attempts read in one query, their new values
    written in a statement or two, its receipts appended in one call to the log."""
    if not outcomes:
        return
    attempts = outbox.attempts_of(session, [o.envelope.message_id for o in outcomes])
    changes: list[dict[str, Any]] = []
    receipts: list[Receipt] = []
    for outcome in outcomes:
        done = attempts.get(outcome.envelope.message_id)
        if done is None:  # erased meanwhile
            continue
        change = {"id": outcome.envelope.message_id, "claimed_at": None}
        receipt = _record(run, session, outcome, done, change)
        changes.append(change)
        if receipt is not None:
            receipts.append(receipt)
    outbox.update_each(session, changes)
    record_receipts(session, receipts)


def _record(
    run: Round, session: Session, outcome: Outcome, attempts: int, change: dict[str, Any]
) -> Receipt | None:
    """One outcome's new values into `change`; its receipt, if it gets one."""
    if outcome.wait is not None:  # held back by the provider's pause: not an attempt
        change["next_attempt_at"] = run.now + timedelta(seconds=outcome.wait)
        return None
    failure = outcome.failure
    if failure is not None and failure.retry_after is not None and not failure.permanent:
        change["next_attempt_at"] = run.now + timedelta(seconds=failure.retry_after)
        change["last_error"] = failure.reason[:300]
        return None
    change["attempts"] = attempts + 1
    if failure is None:
        change.update(status=outbox.SENT, sent_at=run.now, last_error=None)
        change["provider_message_id"] = outcome.provider_id
        return _receipt(outcome.envelope, "Message Sent")
    return _failed(run, session, outcome.envelope, failure, change)


def _failed(
    run: Round,
    session: Session,
    envelope: Envelope,
    failure: DeliveryFailed,
    change: dict[str, Any],
) -> Receipt | None:
    change["last_error"] = failure.reason[:300]
    retry = run.registry.retry(envelope.channel, envelope.recipient_type)
    if not failure.permanent and change["attempts"] < retry.max_attempts:
        change["next_attempt_at"] = backoff(run.now, change["attempts"], retry)
        return None
    exhausted = outbox.DEAD if retry.dead_letter else outbox.FAILED
    change["status"] = outbox.FAILED if failure.permanent else exhausted
    log.warning(
        "outbound message %s",
        change["status"],
        extra={
            "message_id": envelope.message_id,
            "channel": envelope.channel,
            "why": failure.reason,
        },
    )
    if failure.unreachable and run.unreachable is not None:
        run.unreachable.mark(session, envelope, failure.reason)
    bounced = failure.unreachable and envelope.channel == "email"
    return _receipt(envelope, "Bounced" if bounced else "Failed", failure.reason)


def backoff(now: datetime, attempts: int, retry: Retry) -> datetime:
    """After the n-th failed attempt: base x 2^(n-1), capped at six hours, times a random
    factor around 1 (the policy's jitter) so rows that failed together spread out."""
    delay = min(timedelta(seconds=retry.backoff_seconds * 2 ** (attempts - 1)), MAX_BACKOFF)
    spread = random.uniform(1 - retry.jitter, 1 + retry.jitter)  # noqa: S311 - not a secret
    return now + delay * spread


def _receipt(envelope: Envelope, kind: str, reason: str | None = None) -> Receipt | None:
    """Receipts for messages messaging sent (rows with meta); older kinds of rows (consent
    confirmations, replies, consent webhooks) keep their own trails."""
    if envelope.meta is None:
        return None
    meta = {**envelope.meta, "outbox_id": envelope.message_id}
    return Receipt(kind, meta, envelope.profile_id, envelope.channel, reason)
