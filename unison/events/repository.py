"""All event-log queries. The insert is the hot path of collection."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Select, Table, func, insert, select
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


_COLUMNS = (
    "source_id, message_id, type, event, user_id, anonymous_id, channel, timestamp, "
    "received_at, payload"
)
# Constant text built from our own column names; every value is a bound parameter.
_SQLITE_INSERT = (
    f"INSERT INTO events ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "  # noqa: S608
    "ON CONFLICT (source_id, message_id) DO NOTHING"
)
_POSTGRES_INSERT = (
    f"INSERT INTO events ({_COLUMNS}) "  # noqa: S608
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, CAST(%s AS jsonb)) "
    "ON CONFLICT (source_id, message_id) DO NOTHING"
)


def _sqlite_time(moment: datetime) -> str:
    # The exact text SQLAlchemy's SQLite DateTime writes (naive UTC, always microseconds), so
    # rows written here read back through the ORM like any other.
    if moment.utcoffset():
        moment = moment.astimezone(UTC)
    text = moment.replace(tzinfo=None).isoformat(" ")
    return text if len(text) > 19 else text + ".000000"


def _insert_new(session: Session, rows: list[dict[str, Any]]) -> int:
    """The ingest hot path: one driver-level executemany with pre-encoded JSON.

    Going below the ORM here more than doubles throughput (no per-value type processing);
    the column list and formats match the models, and the tests read these rows back through
    the ORM on both stores. The unique index makes the insert idempotent; the driver's
    rowcount counts only the rows actually inserted, which is how duplicates are counted.
    """
    connection = session.connection()
    stamp: Callable[[datetime], str | datetime]
    if connection.dialect.name == "sqlite":
        sql, stamp = _SQLITE_INSERT, _sqlite_time
    elif connection.dialect.name == "postgresql":
        sql, stamp = _POSTGRES_INSERT, _identity
    else:  # pragma: no cover - only the two supported stores exist
        raise RuntimeError(f"unsupported database dialect {connection.dialect.name}")
    received = {row["received_at"] for row in rows}  # one per request: format it once
    stamps = {moment: stamp(moment) for moment in received}
    params = [
        (
            row["source_id"],
            row["message_id"],
            row["type"],
            row["event"],
            row["user_id"],
            row["anonymous_id"],
            row["channel"],
            stamp(row["timestamp"]),
            stamps[row["received_at"]],
            orjson.dumps(row["payload"]).decode("utf-8"),
        )
        for row in rows
    ]
    result = connection.exec_driver_sql(sql, params)
    return int(result.rowcount)


def _identity(moment: datetime) -> datetime:
    return moment


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
