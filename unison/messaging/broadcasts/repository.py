"""All of broadcasts' SQL: the broadcasts and their recipients, the segment members the
fan-out walks, and the counts read from messages, the outbox and the log."""

from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, select, update
from sqlalchemy.orm import Session

from unison.kit import bulk
from unison.kit.db import driver_rows, driver_sql
from unison.models import (
    Broadcast,
    BroadcastRecipient,
    Event,
    EventProfile,
    Message,
    OutboundMessage,
    Segment,
)

PENDING, SENT, HOLDOUT, FAILED = "pending", "sent", "holdout", "failed"
RECEIPTS = {"Delivered": "delivered", "Opened": "opened", "Clicked": "clicked"}
REPLIED = "Replied"
PURCHASE = "Order Completed"


def add(session: Session, row: Broadcast) -> Broadcast:
    session.add(row)
    session.flush()
    return row


def get(session: Session, broadcast_id: int, *, for_update: bool = False) -> Broadcast | None:
    query = select(Broadcast).where(Broadcast.id == broadcast_id)
    if for_update:
        query = query.with_for_update()
    return session.execute(query).scalars().first()


def listed(session: Session, before: int | None, limit: int) -> list[Broadcast]:
    query = select(Broadcast).order_by(Broadcast.id.desc()).limit(limit)
    if before is not None:
        query = query.where(Broadcast.id < before)
    return list(session.execute(query).scalars())


def segment_exists(session: Session, segment_id: int) -> bool:
    return session.get(Segment, segment_id) is not None


def due_ids(session: Session, now: datetime) -> list[int]:
    """Running broadcasts, and scheduled ones whose moment has come, oldest first."""
    query = select(Broadcast.id).where(_may_go_on(now)).order_by(Broadcast.id)
    return list(session.execute(query).scalars())


def unfinished(session: Session) -> int:
    query = select(func.count()).where(Broadcast.status.in_(("scheduled", "running")))
    return int(session.execute(query.select_from(Broadcast)).scalar() or 0)


def _may_go_on(now: datetime) -> Any:
    """Running, or scheduled and its moment has come."""
    return (Broadcast.status == "running") | and_(
        Broadcast.status == "scheduled",
        (Broadcast.scheduled_at.is_(None)) | (Broadcast.scheduled_at <= now),
    )


def claim(session: Session, broadcast_id: int, now: datetime) -> Broadcast | None:
    """Start a chunk: the broadcast if it may go on, read without locking its row (a pause
    is not kept waiting by the chunk; the chunk's `confirm` finds out)."""
    query = select(Broadcast).where(Broadcast.id == broadcast_id, _may_go_on(now))
    found = session.execute(query).scalars().first()
    if found is not None:
        # The chunk must not write the row before `confirm`: that would lock it (PostgreSQL).
        session.expunge(found)
    return found


def confirm(session: Session, broadcast: Broadcast, now: datetime, changes: dict[str, Any]) -> bool:
    """End a targeting chunk: record its progress unless the broadcast changed since `claim`
    read it (a pause, resume or cancel committed meanwhile, or another fan-out's targeting
    chunk, each of which moves `updated_at`). False: the caller rolls the chunk back. On
    PostgreSQL a change still in progress is waited for, then seen, so a pause is never
    overtaken."""
    return _confirm(session, broadcast, now, Broadcast.updated_at == broadcast.updated_at, changes)


def confirm_sent(
    session: Session, broadcast: Broadcast, now: datetime, changes: dict[str, Any]
) -> bool:
    """End a sending chunk: record its progress unless a pause, resume or cancel came since
    `claim` (they alone move `control_version`; fan-out processes sending their shares of
    the broadcast do not overtake each other, and leave `updated_at` to targeting)."""
    same = Broadcast.control_version == broadcast.control_version
    return _confirm(session, broadcast, now, same, changes, touch=False)


def _confirm(
    session: Session,
    broadcast: Broadcast,
    now: datetime,
    unchanged: Any,
    changes: dict[str, Any],
    *,
    touch: bool = True,
) -> bool:
    values = {"status": "running", **({"updated_at": now} if touch else {}), **changes}
    result = session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast.id, unchanged, _may_go_on(now))
        .values(values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def members_after(session: Session, segment_id: int, after: int, limit: int) -> list[int]:
    """The next `limit` members after profile `after` (driver rows: read every chunk)."""
    mark = driver_sql(session).mark
    found = driver_rows(
        session,
        f"SELECT profile_id FROM segment_members WHERE segment_id = {mark} "  # noqa: S608 - constant text
        f"AND profile_id > {mark} ORDER BY profile_id LIMIT {mark}",
        (segment_id, after, limit),
    )
    return [int(pid) for (pid,) in found]


def add_recipients(session: Session, rows: list[dict[str, Any]]) -> None:
    """Recipient rows (each with every column of `_RECIPIENT_COLUMNS`), a recipient already
    added skipped; through the driver (bulk.py), as the fan-out writes a chunk's at once."""
    if rows:
        bulk.insert_rows(session, _RECIPIENT_COLUMNS, rows, "ON CONFLICT DO NOTHING")


_RECIPIENT_COLUMNS = bulk.Columns(
    "broadcast_recipients",
    ("broadcast_id", "profile_id", "variant", "holdout", "due_at", "state"),
    times=frozenset({"due_at"}),
)


def due_recipients(
    session: Session,
    broadcast_id: int,
    now: datetime,
    limit: int,
    share: tuple[int, int] = (0, 1),
) -> list[tuple[int, str | None]]:
    """(profile id, variant) of the recipients due by `now` in this process's share (the
    profile ids that are k modulo n), the earliest first (driver rows: read every chunk)."""
    sql = driver_sql(session)
    mark = sql.mark
    k, n = share
    modulo = "%" if sql.sqlite else "%%"  # psycopg's parameter style takes % itself
    found = driver_rows(
        session,
        f"SELECT profile_id, variant FROM broadcast_recipients WHERE broadcast_id = {mark} "  # noqa: S608 - constant text
        f"AND state = {mark} AND due_at <= {mark} AND profile_id {modulo} {mark} = {mark} "
        f"ORDER BY due_at, profile_id LIMIT {mark}",
        (broadcast_id, PENDING, sql.stamp(now), n, k, limit),
    )
    return [(int(pid), variant) for pid, variant in found]


def settle(session: Session, broadcast_id: int, settled: list[tuple[int, str, int | None]]) -> None:
    """Each (profile id, state, message id) recorded on its recipient row, one driver-level
    executemany (no per-value processing: plain ints and text)."""
    if not settled:
        return
    sql = driver_sql(session)
    sql.executemany(
        f"UPDATE broadcast_recipients SET state = {sql.mark}, message_id = {sql.mark} "  # noqa: S608 - constant text
        f"WHERE broadcast_id = {sql.mark} AND profile_id = {sql.mark}",
        [(state, mid, broadcast_id, pid) for pid, state, mid in settled],
    )


def has_pending(session: Session, broadcast_id: int) -> bool:
    query = select(BroadcastRecipient.profile_id).where(
        BroadcastRecipient.broadcast_id == broadcast_id, BroadcastRecipient.state == PENDING
    )
    return session.execute(query.limit(1)).first() is not None


def next_due(session: Session, broadcast_id: int) -> datetime | None:
    query = select(func.min(BroadcastRecipient.due_at)).where(
        BroadcastRecipient.broadcast_id == broadcast_id, BroadcastRecipient.state == PENDING
    )
    found: datetime | None = session.execute(query).scalar()
    return found


def outbox_keys(broadcast_id: int) -> Select[str | None]:
    """The idempotency keys of the outbox rows the broadcast queued (a subquery)."""
    return (
        select(Message.outbox_key)
        .join(BroadcastRecipient, BroadcastRecipient.message_id == Message.id)
        .where(BroadcastRecipient.broadcast_id == broadcast_id, Message.outbox_key.is_not(None))
    )


def recipient_counts(session: Session, broadcast_id: int) -> dict[str, int]:
    query = (
        select(BroadcastRecipient.state, func.count())
        .where(BroadcastRecipient.broadcast_id == broadcast_id)
        .group_by(BroadcastRecipient.state)
    )
    return {state: int(n) for state, n in session.execute(query)}


def variant_counts(session: Session, broadcast_id: int) -> dict[str, int]:
    query = (
        select(BroadcastRecipient.variant, func.count())
        .where(
            BroadcastRecipient.broadcast_id == broadcast_id,
            BroadcastRecipient.holdout.is_(False),
        )
        .group_by(BroadcastRecipient.variant)
    )
    return {str(variant): int(n) for variant, n in session.execute(query)}


def decisions(session: Session, broadcast_id: int) -> list[tuple[str, list[str], str | None]]:
    """(decision, reasons, send-time decision) of every message the broadcast put through."""
    query = (
        select(Message.decision, Message.reasons, Message.send_decision, Message.send_reason)
        .join(BroadcastRecipient, BroadcastRecipient.message_id == Message.id)
        .where(BroadcastRecipient.broadcast_id == broadcast_id)
        .where((Message.decision != "queued") | (Message.send_decision == "suppress"))
    )
    found: list[tuple[str, list[str], str | None]] = []
    for decision, reasons, send_decision, send_reason in session.execute(query):
        if send_decision == "suppress":
            found.append(("suppressed", [send_reason or "send_time"], send_decision))
        else:
            found.append((decision, list(reasons or []), send_decision))
    return found


def decision_counts(session: Session, broadcast_id: int) -> list[tuple[str, list[str], int]]:
    """`decisions` counted in SQL: (decision, reasons, messages) of the messages not queued
    as decided, a send-time suppression counted as ("suppressed", [its reason])."""
    query = (
        select(
            Message.decision,
            Message.reasons,
            Message.send_decision,
            Message.send_reason,
            func.count(),
        )
        .join(BroadcastRecipient, BroadcastRecipient.message_id == Message.id)
        .where(BroadcastRecipient.broadcast_id == broadcast_id)
        .where((Message.decision != "queued") | (Message.send_decision == "suppress"))
        .group_by(Message.decision, Message.reasons, Message.send_decision, Message.send_reason)
    )
    found: list[tuple[str, list[str], int]] = []
    for decision, reasons, send_decision, send_reason, n in session.execute(query):
        if send_decision == "suppress":
            found.append(("suppressed", [send_reason or "send_time"], int(n)))
        else:
            found.append((decision, list(reasons or []), int(n)))
    return found


def outbox_counts(session: Session, broadcast_id: int) -> dict[str, int]:
    query = (
        select(OutboundMessage.status, func.count())
        .where(OutboundMessage.idempotency_key.in_(outbox_keys(broadcast_id)))
        .group_by(OutboundMessage.status)
    )
    return {status: int(n) for status, n in session.execute(query)}


def receipt_counts(session: Session, broadcast_id: int) -> dict[str, int]:
    """Receipt events carrying the broadcast's id (outbox/receipts.py copies the meta)."""
    names = [*RECEIPTS, REPLIED]
    tagged = Event.payload["properties"]["broadcast_id"].as_integer()
    query = (
        select(Event.event, func.count())
        .where(Event.event.in_(names), tagged == broadcast_id)
        .group_by(Event.event)
    )
    return {str(name): int(n) for name, n in session.execute(query)}


def converted(session: Session, broadcast_id: int) -> int:
    """Recipients sent a message who completed an order after it."""
    query = (
        select(func.count(func.distinct(BroadcastRecipient.profile_id)))
        .select_from(BroadcastRecipient)
        .join(Message, Message.id == BroadcastRecipient.message_id)
        .join(
            EventProfile,
            and_(
                EventProfile.profile_id == Message.profile_id,
                EventProfile.event == PURCHASE,
                EventProfile.timestamp >= Message.created_at,
            ),
        )
        .where(BroadcastRecipient.broadcast_id == broadcast_id, Message.decision != "suppressed")
    )
    return int(session.execute(query).scalar() or 0)
