"""All event-log queries. The insert is the hot path of collection."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, Table, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from unison.events.service import Rejection
from unison.models import Event, RejectedEvent, Source

EVENTS: Table = Event.__table__  # type: ignore[assignment]  # declarative tables are Tables
REJECTED: Table = RejectedEvent.__table__  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class StoreOutcome:
    accepted: int
    duplicates: int
    rejected: int


@dataclass(frozen=True, slots=True)
class EventFilter:
    type: str | None = None
    event: str | None = None
    user_id: str | None = None
    anonymous_id: str | None = None
    channel: str | None = None
    source_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


def store(
    session: Session,
    rows: list[dict[str, Any]],
    rejections: Sequence[Rejection],
    *,
    source_id: int | None,
    origin: str,
    received_at: datetime,
) -> StoreOutcome:
    """Append rows, skipping any (source, messageId) already in the log; keep rejections."""
    accepted = _insert_new(session, rows) if rows else 0
    if rejections:
        session.execute(
            insert(REJECTED),
            [
                {
                    "source_id": source_id,
                    "origin": origin,
                    "received_at": received_at,
                    "item_index": r.index if r.line is None else None,
                    "line": r.line,
                    "error": r.error,
                    "field": r.field,
                    "reason": r.detail,
                    "payload": r.payload,
                }
                for r in rejections
            ],
        )
    return StoreOutcome(accepted, len(rows) - accepted, len(rejections))


def _insert_new(session: Session, rows: list[dict[str, Any]]) -> int:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        stmt: Any = postgresql.insert(EVENTS).on_conflict_do_nothing(
            index_elements=["source_id", "message_id"]
        )
    elif dialect == "sqlite":
        stmt = sqlite.insert(EVENTS).on_conflict_do_nothing(
            index_elements=["source_id", "message_id"]
        )
    else:  # pragma: no cover - only the two supported stores exist
        raise RuntimeError(f"unsupported database dialect {dialect}")
    # RETURNING yields only the rows actually inserted, so duplicates are counted exactly.
    result = session.execute(stmt.returning(EVENTS.c.id), rows)
    return len(result.all())


def _filtered(query: Select[Event, str], where: EventFilter) -> Select[Event, str]:
    for column, value in (
        (Event.type, where.type),
        (Event.event, where.event),
        (Event.user_id, where.user_id),
        (Event.anonymous_id, where.anonymous_id),
        (Event.channel, where.channel),
        (Event.source_id, where.source_id),
    ):
        if value is not None:
            query = query.where(column == value)
    if where.since is not None:
        query = query.where(Event.timestamp >= where.since)
    if where.until is not None:
        query = query.where(Event.timestamp < where.until)
    return query


def list_events(
    session: Session, where: EventFilter, *, before_id: int | None, limit: int
) -> list[tuple[Event, str]]:
    """Newest first by log offset; keyset pagination on id."""
    query = select(Event, Source.name).join(Source, Source.id == Event.source_id)
    query = _filtered(query, where)
    if before_id is not None:
        query = query.where(Event.id < before_id)
    rows = session.execute(query.order_by(Event.id.desc()).limit(limit)).all()
    return [(row[0], row[1]) for row in rows]


def get_event(session: Session, event_id: int) -> tuple[Event, str] | None:
    row = session.execute(
        select(Event, Source.name)
        .join(Source, Source.id == Event.source_id)
        .where(Event.id == event_id)
    ).first()
    return (row[0], row[1]) if row else None


def count_events(session: Session, source_id: int | None = None) -> int:
    query = select(func.count()).select_from(Event)
    if source_id is not None:
        query = query.where(Event.source_id == source_id)
    return int(session.execute(query).scalar_one())


def list_rejected(
    session: Session, *, source_id: int | None, before_id: int | None, limit: int
) -> list[tuple[RejectedEvent, str | None]]:
    query = select(RejectedEvent, Source.name).outerjoin(
        Source, Source.id == RejectedEvent.source_id
    )
    if source_id is not None:
        query = query.where(RejectedEvent.source_id == source_id)
    if before_id is not None:
        query = query.where(RejectedEvent.id < before_id)
    rows = session.execute(query.order_by(RejectedEvent.id.desc()).limit(limit)).all()
    return [(row[0], row[1]) for row in rows]
