"""The outbox's repository: one table (`outbound_messages`) for everything Unison sends, on
any channel (email, telegram, viber, whatsapp, and `webhook` for consent-change webhooks).
Rows are written in the transaction that decides to send, keyed so a replay never queues one twice;
unison/outbox/delivery.py sends them. All of the outbox's SQL is here."""

from collections.abc import Collection, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Row, and_, bindparam, delete, func, or_, select, update
from sqlalchemy.orm import Session

from unison.kit import bulk
from unison.kit.clock import utcnow
from unison.models import Identifier, OutboundMessage, Profile
from unison.models.base import table

# queued -> sent | failed (a permanent refusal) | dead (out of attempts: the dead letter,
# requeued by `unison outbox retry`); queued -> suppressed when the send-time check says never;
# queued -> cancelled when what it was for went away (e.g. a deleted webhook subscription).
QUEUED, SENT, FAILED, CANCELLED = "queued", "sent", "failed", "cancelled"
DEAD, SUPPRESSED = "dead", "suppressed"


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
    content: dict[str, Any] | None = None  # the rendered message (docs/design/outbox.md)
    meta: dict[str, Any] | None = None  # ids receipts carry: message, template, campaign...
    next_attempt_at: datetime | None = None  # not before (quiet hours): None, due now


_FIELDS = [f.name for f in fields(Outgoing)]
_TABLE = table(OutboundMessage)


def enqueue(session: Session, message: Outgoing) -> bool:
    """Queue a message; False when one with the same key is already queued."""
    return enqueue_many(session, [message]) == 1


def enqueue_many(session: Session, messages: list[Outgoing], now: datetime | None = None) -> int:
    """Queue messages in one statement per 500; returns how many were new (keys not seen
    before, counted from RETURNING). Through the driver (bulk.py): SQLAlchemy's per-value
    processing of the JSON and time values cost more than the write."""
    if not messages:
        return 0
    created = now or utcnow()
    # Shallow (asdict would deep-copy every rendered content).
    rows = [
        {**{name: getattr(m, name) for name in _FIELDS}, "status": QUEUED, "created_at": created}
        for m in messages
    ]
    tail = "ON CONFLICT DO NOTHING RETURNING id"
    return len(bulk.insert_rows(session, _OUTGOING_COLUMNS, rows, tail, returning=True))


_OUTGOING_COLUMNS = bulk.Columns(
    "outbound_messages",
    (*_FIELDS, "status", "created_at"),
    json=frozenset({"content", "meta"}),
    times=frozenset({"next_attempt_at", "created_at"}),
)


def lease_due(
    session: Session,
    channels: list[str],
    now: datetime,
    limit: int,
    only_types: dict[str, list[str]] | None = None,
    columns: Sequence[str] = (),
) -> list[Row[Any]]:
    """Due queued rows of these channels (of `only_types`' recipient types on the channels it
    names), oldest first; on PostgreSQL locked with SKIP LOCKED so concurrent senders take
    disjoint rows (SQLite has one writer, which serializes them). The caller moves each row's
    next attempt past its lease before committing. Plain rows of `columns` (default: all),
    not ORM objects: a delivery round reads them by position and writes its outcomes in bulk
    (`update_rows`, `update_each`), without the ORM's per-object bookkeeping."""
    typed = only_types or {}
    whole = [c for c in channels if c not in typed]
    t = _TABLE.c
    which = or_(
        t.channel.in_(whole),
        *(and_(t.channel == c, t.recipient_type.in_(kinds)) for c, kinds in typed.items()),
    )
    selected = [t[name] for name in columns] if columns else [_TABLE]
    query = (
        select(*selected)
        .where(
            t.status == QUEUED,
            which,
            or_(t.next_attempt_at.is_(None), t.next_attempt_at <= now),
        )
        .order_by(t.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(session.execute(query).all())  # fetched at once, not row by row


def update_rows(session: Session, message_ids: list[int], values: dict[str, Any]) -> None:
    """The same values on many rows, in one statement."""
    if message_ids:
        params = {f"new_{column}": value for column, value in values.items()}
        session.execute(_update(tuple(values), many=True), {"ids": message_ids, **params})


def update_each(session: Session, changes: list[dict[str, Any]]) -> None:
    """Each row its own values (`{"id": row id, column: value, ...}`): one executemany per
    set of columns changed."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for change in changes:
        groups.setdefault(tuple(sorted(k for k in change if k != "id")), []).append(change)
    for columns, rows in groups.items():
        params = [{"row_id": r["id"], **{f"new_{c}": r[c] for c in columns}} for r in rows]
        session.execute(_update(columns, many=False), params)


@lru_cache(maxsize=64)
def _update(columns: tuple[str, ...], *, many: bool) -> Any:
    """UPDATE of these columns (parameters `new_<column>`) for the row `row_id` or the rows
    `ids`: built once, so a delivery round does not build and coerce a statement (and an IN
    list of literals) per chunk."""
    key = _TABLE.c.id
    which = key.in_(bindparam("ids", expanding=True)) if many else key == bindparam("row_id")
    return update(_TABLE).where(which).values({c: bindparam(f"new_{c}") for c in columns})


def attempts_of(session: Session, message_ids: list[int]) -> dict[int, int]:
    """Each row's attempts so far (rows erased meanwhile are missing)."""
    found = session.execute(_ATTEMPTS, {"ids": message_ids}).all()
    return {int(row_id): int(attempts) for row_id, attempts in found}


# Built once (with an expanding IN): these run for every recorded chunk of a delivery round.
_ATTEMPTS = select(_TABLE.c.id, _TABLE.c.attempts).where(
    _TABLE.c.id.in_(bindparam("ids", expanding=True))
)
_PROFILES, _IDENTIFIERS = table(Profile), table(Identifier)
_IDENTIFIERS_OF = (
    select(_PROFILES.c.id, _IDENTIFIERS.c.type, _IDENTIFIERS.c.value)
    .join_from(_IDENTIFIERS, _PROFILES, _IDENTIFIERS.c.profile_id == _PROFILES.c.canonical_id)
    .where(_PROFILES.c.id.in_(bindparam("ids", expanding=True)))
    .order_by(_IDENTIFIERS.c.id)
)


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


def dead(session: Session, limit: int = 100) -> list[OutboundMessage]:
    """The dead letters (out of attempts) and permanent failures, newest first."""
    query = (
        select(OutboundMessage)
        .where(OutboundMessage.status.in_((DEAD, FAILED)))
        .order_by(OutboundMessage.id.desc())
        .limit(limit)
    )
    return list(session.execute(query).scalars())


def requeue(session: Session, message_id: int, now: datetime) -> bool:
    """A dead or failed row queued again, due now, with a fresh attempt count; False when
    there is no such row (or it is not dead or failed)."""
    result = session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.id == message_id, OutboundMessage.status.in_((DEAD, FAILED)))
        .values(status=QUEUED, attempts=0, next_attempt_at=now, last_error=None)
    )
    return int(result.rowcount) == 1  # type: ignore[attr-defined]


def by_provider_id(session: Session, channel: str, provider_id: str) -> OutboundMessage | None:
    """The row a provider's status callback names."""
    query = select(OutboundMessage).where(
        OutboundMessage.channel == channel, OutboundMessage.provider_message_id == provider_id
    )
    return session.execute(query.limit(1)).scalar_one_or_none()


def identifiers_of_profile(session: Session, profile_id: int) -> list[tuple[str, str]]:
    """(type, value) of every identifier of the live profile a (maybe merged) id belongs to."""
    query = (
        select(Identifier.type, Identifier.value)
        .join(Profile, Identifier.profile_id == Profile.canonical_id)
        .where(Profile.id == profile_id)
        .order_by(Identifier.id)
    )
    return [(kind, value) for kind, value in session.execute(query)]


def identifiers_of_profiles(session: Session, profile_ids: list[int]) -> dict[int, list[Any]]:
    """`identifiers_of_profile` for many (maybe merged) ids in one query."""
    found: dict[int, list[Any]] = {}
    for pid, kind, value in session.execute(_IDENTIFIERS_OF, {"ids": profile_ids}).all():
        found.setdefault(int(pid), []).append((kind, value))
    return found


def claim_many(session: Session, message_ids: list[int], now: datetime) -> None:
    """Mark leased rows in flight, in one statement: their sends start once this commits."""
    update_rows(session, message_ids, {"claimed_at": now})


def get(session: Session, message_id: int) -> OutboundMessage | None:
    return session.get(OutboundMessage, message_id)


def latest_sent(
    session: Session, channel: str, recipient: str, limit: int = 5
) -> list[OutboundMessage]:
    """The newest messages sent to one recipient on one channel."""
    query = (
        select(OutboundMessage)
        .where(
            OutboundMessage.channel == channel,
            OutboundMessage.recipient == recipient,
            OutboundMessage.status == SENT,
        )
        .order_by(OutboundMessage.id.desc())
        .limit(limit)
    )
    return list(session.execute(query).scalars())
