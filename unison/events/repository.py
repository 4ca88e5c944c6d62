"""All event-log queries. The insert is the hot path of collection."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, insert, or_, select, update
from sqlalchemy.orm import Session

from unison.events import log as offsets
from unison.events.log import LogEvent
from unison.events.service import Rejection
from unison.kit.db import as_is, chunks, insert_ignore_from, sqlite_time
from unison.models import Event, EventLookup, RejectedEvent, Source
from unison.models.base import table

EVENTS = table(Event)
REJECTED = table(RejectedEvent)


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


@dataclass(frozen=True, slots=True)
class IngestBatch:
    """One request's (or one import chunk's) validated rows and rejections."""

    rows: list[dict[str, Any]]
    rejections: Sequence[Rejection]
    source_id: int | None
    origin: str
    received_at: datetime


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
    batch = IngestBatch(rows, rejections, source_id, origin, received_at)
    return store_batches(session, [batch])[0]


def store_batches(session: Session, batches: list[IngestBatch]) -> list[StoreOutcome]:
    """Store many requests' batches in one transaction and tell each how many rows were new.

    The common case, no duplicates, costs one statement per 1,000 rows for the whole group.
    When the row count shows that some rows were already stored, the attempt is rolled back
    and each batch is inserted on its own, so its own row count is exact; a messageId sent
    twice within the group is then new for the first batch and a duplicate for the others.
    """
    stamps: dict[datetime, str | datetime] = {}
    rows = [row for batch in batches for row in batch.rows]
    if len(batches) > 1 and rows:
        if _insert_new(session, rows, stamps) == len(rows):
            outcomes = [StoreOutcome(len(b.rows), 0, len(b.rejections)) for b in batches]
            _store_rejections(session, batches)
            return outcomes
        session.rollback()  # some were duplicates: redo batch by batch to attribute them
    outcomes = []
    for batch in batches:
        accepted = _insert_new(session, batch.rows, stamps) if batch.rows else 0
        outcomes.append(StoreOutcome(accepted, len(batch.rows) - accepted, len(batch.rejections)))
    _store_rejections(session, batches)
    return outcomes


def _store_rejections(session: Session, batches: list[IngestBatch]) -> None:
    rejected = [_rejected_row(batch, r) for batch in batches for r in batch.rejections]
    if rejected:
        session.execute(insert(REJECTED), rejected)


def _rejected_row(batch: IngestBatch, rejection: Rejection) -> dict[str, Any]:
    return {
        "source_id": batch.source_id,
        "origin": batch.origin,
        "received_at": batch.received_at,
        "item_index": rejection.index if rejection.line is None else None,
        "line": rejection.line,
        "error": rejection.error,
        "field": rejection.field,
        "reason": rejection.detail,
        "payload": rejection.payload,
    }


_COLUMNS = (
    "source_id, message_id, type, event, user_id, anonymous_id, channel, timestamp, "
    "received_at, payload"
)
# The payload comes as UTF-8 bytes (events/service.py) or text; CAST stores either as text.
_SQLITE_ROW = "(?, ?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS TEXT))"
_POSTGRES_ROW = "(%s, %s, %s, %s, %s, %s, %s, %s, %s, CAST(%s AS jsonb))"
_ROWS_PER_STATEMENT = 1000  # 10,000 bound values: within both stores' limits


def _insert_sql(row_sql: str, count: int) -> str:
    # Constant text from our own column names; every value is a bound parameter.
    return (
        f"INSERT INTO events ({_COLUMNS}) VALUES {', '.join([row_sql] * count)} "  # noqa: S608
        "ON CONFLICT (source_id, message_id) DO NOTHING"
    )


def _as_given(payload: str | bytes) -> str | bytes:
    return payload


def _as_text(payload: str | bytes) -> str | bytes:
    # psycopg would send bytes as bytea, which does not cast to jsonb
    return payload.decode("utf-8") if isinstance(payload, bytes) else payload


def _insert_new(
    session: Session, rows: list[dict[str, Any]], stamps: dict[datetime, str | datetime]
) -> int:
    """The ingest hot path: multi-row INSERT ... ON CONFLICT DO NOTHING; returns rows added.

    It goes below the ORM (no per-value type processing) and sends one statement per 1,000
    rows instead of one per row: the driver releases the GIL once per statement rather than
    once per row, which is what lets the writer thread and the request thread run side by
    side (RETURNING would bring the per-row GIL round trips back, which is why the count
    comes from the driver's row count). The unique index makes the insert idempotent.
    Formats match the models; the tests read these rows back through the ORM on both stores.
    """
    connection = session.connection()
    stamp: Callable[[datetime], str | datetime]
    text: Callable[[str | bytes], str | bytes]
    if connection.dialect.name == "sqlite":
        row_sql, stamp, text = _SQLITE_ROW, sqlite_time, _as_given
    elif connection.dialect.name == "postgresql":
        row_sql, stamp, text = _POSTGRES_ROW, as_is, _as_text
    else:  # pragma: no cover - only the two supported stores exist
        raise RuntimeError(f"unsupported database dialect {connection.dialect.name}")
    inserted = 0
    for start in range(0, len(rows), _ROWS_PER_STATEMENT):
        chunk = rows[start : start + _ROWS_PER_STATEMENT]
        params: list[Any] = []
        for row in chunk:
            received = row["received_at"]
            if received not in stamps:  # one per request: format it once
                stamps[received] = stamp(received)
            params += (
                row["source_id"],
                row["message_id"],
                row["type"],
                row["event"],
                row["user_id"],
                row["anonymous_id"],
                row["channel"],
                stamp(row["timestamp"]),
                stamps[received],
                text(row["payload_json"]),
            )
        result = connection.exec_driver_sql(_insert_sql(row_sql, len(chunk)), tuple(params))
        inserted += result.rowcount
    return inserted


def _filtered(
    session: Session, query: Select[Event, str], where: EventFilter
) -> Select[Event, str]:
    for column, value in (
        (Event.type, where.type),
        (Event.event, where.event),
        (Event.channel, where.channel),
        (Event.source_id, where.source_id),
    ):
        if value is not None:
            query = query.where(column == value)
    keys = lookup_matching(
        session,
        user_id=where.user_id,
        anonymous_id=where.anonymous_id,
        since=where.since,
        until=where.until,
    )
    return query if keys is None else query.where(keys)


def list_events(
    session: Session, where: EventFilter, *, before_id: int | None, limit: int
) -> list[tuple[Event, str]]:
    """Newest first by log offset; keyset pagination on id."""
    query = select(Event, Source.name).join(Source, Source.id == Event.source_id)
    query = _filtered(session, query, where)
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


# The log's secondary keys (events/lookup.py: why they are off the ingest commit)
LOOKUP_PROCESSOR = "event-lookup"
_LOOKUP_CHUNK = 1000
_LOOKUP = table(EventLookup)
_LOOKUP_KEYS = ("event_id", "user_id", "anonymous_id", "timestamp")


def copy_lookup_keys(session: Session, first: LogEvent, last: LogEvent) -> None:
    """One INSERT ... SELECT of a batch's keys; a replayed batch adds nothing."""
    keys = select(Event.id, Event.user_id, Event.anonymous_id, Event.timestamp).where(
        offsets.between(session, first, last)
    )
    insert_ignore_from(session, _LOOKUP, _LOOKUP_KEYS, keys, index_elements=["event_id"])


def lookup_matching(
    session: Session,
    *,
    user_id: str | None,
    anonymous_id: str | None,
    since: datetime | None,
    until: datetime | None,
) -> ColumnElement[bool] | None:
    """A condition on `events` for these keys (None when none is given): the ids found in
    `event_lookup`, or, among the events the processor has not reached, those that match."""
    keyed: list[ColumnElement[bool]] = []
    direct: list[ColumnElement[bool]] = []
    for lookup_column, event_column, value in (
        (EventLookup.user_id, Event.user_id, user_id),
        (EventLookup.anonymous_id, Event.anonymous_id, anonymous_id),
    ):
        if value is not None:
            keyed.append(lookup_column == value)
            direct.append(event_column == value)
    if since is not None:
        keyed.append(EventLookup.timestamp >= since)
        direct.append(Event.timestamp >= since)
    if until is not None:
        keyed.append(EventLookup.timestamp < until)
        direct.append(Event.timestamp < until)
    if not keyed:
        return None
    indexed = Event.id.in_(select(EventLookup.event_id).where(*keyed))
    return or_(indexed, and_(_lookup_not_reached(session), *direct))


def _lookup_not_reached(session: Session) -> ColumnElement[bool]:
    """Events after the processor's committed position, in its reading order."""
    return offsets.not_read(session, offsets.current(session, LOOKUP_PROCESSOR))


def forget_lookup_keys(session: Session, event_ids: Sequence[int]) -> None:
    """Erasure: the lookup rows of these events lose who (user id, anonymous id)."""
    for chunk in chunks(event_ids, _LOOKUP_CHUNK):
        session.execute(
            update(EventLookup)
            .where(EventLookup.event_id.in_(chunk))
            .values(user_id=None, anonymous_id=None)
        )
