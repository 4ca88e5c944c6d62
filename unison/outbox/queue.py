"""The outbox's repository: one table (`outbound_messages`) for everything Unison sends, on
any channel (email, telegram, viber, whatsapp, and `webhook` for consent-change webhooks).
Rows are written in the transaction that decides to send, keyed so a replay never queues one twice;
unison/outbox/delivery.py sends them. All of the outbox's SQL is here."""

from collections.abc import Collection
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from unison.kit.clock import utcnow
from unison.kit.db import dialect_insert
from unison.models import OutboundMessage
from unison.models.base import table

# queued -> sent | failed (the dead state: out of attempts, or a permanent refusal);
# queued -> cancelled when what it was for went away (e.g. a deleted webhook subscription).
QUEUED, SENT, FAILED, CANCELLED = "queued", "sent", "failed", "cancelled"


@dataclass(frozen=True)
class Outgoing:
    idempotency_key: str
    profile_id: int
    channel: str
    recipient_type: str
    recipient: str
    purpose: str
    language: str
    body: str
    subject: str | None = None  # email
    via_source_id: int | None = None  # reply through the account the customer wrote to


def _insert(session: Session) -> Any:
    return dialect_insert(session, table(OutboundMessage))


def enqueue(session: Session, message: Outgoing) -> bool:
    """Queue a message; False when one with the same key is already queued."""
    return enqueue_many(session, [message]) == 1


def enqueue_many(session: Session, messages: list[Outgoing], now: datetime | None = None) -> int:
    """Queue messages in one statement; returns how many were new (keys not seen before)."""
    if not messages:
        return 0
    created = now or utcnow()
    rows = [{**asdict(m), "status": QUEUED, "created_at": created} for m in messages]
    result = session.execute(_insert(session).values(rows).on_conflict_do_nothing())
    return int(result.rowcount)  # type: ignore[attr-defined]


def lease_due(
    session: Session, channels: list[str], now: datetime, limit: int
) -> list[OutboundMessage]:
    """Due queued rows of these channels, oldest first; on PostgreSQL locked with SKIP LOCKED
    so concurrent senders take disjoint rows (SQLite has one writer, which serializes them).
    The caller moves each row's next attempt past its lease before committing."""
    query = (
        select(OutboundMessage)
        .where(
            OutboundMessage.status == QUEUED,
            OutboundMessage.channel.in_(channels),
            or_(OutboundMessage.next_attempt_at.is_(None), OutboundMessage.next_attempt_at <= now),
        )
        .order_by(OutboundMessage.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(session.execute(query).scalars())


def cancel_queued(session: Session, channel: str, recipient: str) -> int:
    """Cancel what is still queued for one recipient of a channel."""
    result = session.execute(
        update(OutboundMessage)
        .where(
            OutboundMessage.channel == channel,
            OutboundMessage.recipient == recipient,
            OutboundMessage.status == QUEUED,
        )
        .values(status=CANCELLED)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def of_profiles(
    session: Session,
    profile_ids: list[int],
    *,
    channels: Collection[str] | None = None,
    other_than: Collection[str] = (),
) -> list[OutboundMessage]:
    query = select(OutboundMessage).where(OutboundMessage.profile_id.in_(profile_ids))
    if channels is not None:
        query = query.where(OutboundMessage.channel.in_(channels))
    if other_than:
        query = query.where(OutboundMessage.channel.not_in(other_than))
    return list(session.execute(query.order_by(OutboundMessage.id)).scalars())


def erase(
    session: Session,
    profile_ids: list[int],
    recipients: list[str],
    *,
    not_personal: Collection[str] = (),
) -> int:
    """Erasure: messages to the person go entirely (body and recipient are both PII).
    Channels in `not_personal` address systems, not people (a webhook's recipient is a
    subscription id), so their rows are matched by profile only."""
    removed = session.execute(
        delete(OutboundMessage).where(OutboundMessage.profile_id.in_(profile_ids))
    ).rowcount  # type: ignore[attr-defined]
    if recipients:
        removed += session.execute(
            delete(OutboundMessage).where(
                OutboundMessage.recipient.in_(recipients),
                OutboundMessage.channel.not_in(not_personal),
            )
        ).rowcount  # type: ignore[attr-defined]
    return int(removed)


def counts(session: Session) -> list[tuple[str, str, int]]:
    """(channel, status, messages) for every pair present."""
    query = (
        select(OutboundMessage.channel, OutboundMessage.status, func.count())
        .group_by(OutboundMessage.channel, OutboundMessage.status)
        .order_by(OutboundMessage.channel, OutboundMessage.status)
    )
    return [(channel, status, int(n)) for channel, status, n in session.execute(query)]
