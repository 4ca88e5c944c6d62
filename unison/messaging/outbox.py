"""The outbound-message outbox: rows are written in the transaction that decides to send,
keyed so a replay never queues a message twice. unison/messaging/delivery.py sends them."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from unison.kit.clock import utcnow
from unison.models import OutboundMessage
from unison.models.base import table


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
    # INSERT ... ON CONFLICT on either store (typed Any: the two classes share the methods).
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(table(OutboundMessage))


def enqueue(session: Session, message: Outgoing) -> bool:
    """Queue a message; False when one with the same key is already queued."""
    result = session.execute(
        _insert(session)
        .values(**message.__dict__, status="queued", created_at=utcnow())
        .on_conflict_do_nothing()
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def of_profiles(session: Session, profile_ids: list[int]) -> list[OutboundMessage]:
    query = select(OutboundMessage).where(OutboundMessage.profile_id.in_(profile_ids))
    return list(session.execute(query.order_by(OutboundMessage.id)).scalars())


def erase(session: Session, profile_ids: list[int], recipients: list[str]) -> int:
    """Erasure: messages to the person go entirely (body and recipient are both PII)."""
    removed = session.execute(
        delete(OutboundMessage).where(OutboundMessage.profile_id.in_(profile_ids))
    ).rowcount  # type: ignore[attr-defined]
    if recipients:
        removed += session.execute(
            delete(OutboundMessage).where(OutboundMessage.recipient.in_(recipients))
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
