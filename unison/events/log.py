"""The log's repository: reading the event log after a processor's committed position, and
moving that position.

SQLite commits ids in order (one writer), so "id after position" is exact. On PostgreSQL
concurrent transactions can commit ids out of order, so rows are read in (txid, id) order and
only from transactions older than every running one: nothing can later appear before the
position (docs/design/event-log.md).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, null, select, text, tuple_, update
from sqlalchemy.orm import Session

from unison.kit.clock import ensure_utc, utcnow
from unison.kit.db import chunks, dialect_insert
from unison.models import Event, ProcessorOffset

# The oldest transaction that may still add rows to this database's log. Transaction ids
# are cluster-wide, so the snapshot's own xmin would also wait for a long write in another
# database of the same server (another tenant's, a test worker's, a nightly job's), which
# can never add an event here. Leave out only the running transactions that
# pg_stat_activity positively shows in another database; one it no longer shows (it just
# ended, or the role may not see other sessions) still bounds the read, as before. Our own
# transaction's id counts, as it does in the snapshot's xmin. LEAST ignores NULLs.
_SAFE_XMIN = text(
    "(SELECT least(min(x::text::bigint),"
    " pg_snapshot_xmax(pg_current_snapshot())::text::bigint,"
    " pg_current_xact_id_if_assigned()::text::bigint)"
    " FROM pg_snapshot_xip(pg_current_snapshot()) AS x"
    " WHERE NOT EXISTS (SELECT 1 FROM pg_stat_activity AS a"
    " WHERE a.datname <> current_database()"
    " AND a.backend_xid::text::bigint = x::text::bigint % 4294967296))"
)


@dataclass(frozen=True, slots=True)
class LogEvent:
    id: int
    txid: int
    source_id: int
    type: str
    name: str | None
    channel: str
    timestamp: datetime
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Claim:
    position: int
    txid: int
    writer: str
    epoch: int


def claim(session: Session, name: str) -> Claim:
    """Lock the processor's offset row for this transaction (creating it if new).

    Two workers of one processor serialize here: the second waits, then reads the position
    the first committed, so no event is processed twice.
    """
    now = utcnow()
    touch = update(ProcessorOffset).where(ProcessorOffset.name == name).values(updated_at=now)
    if session.execute(touch).rowcount == 0:  # type: ignore[attr-defined]
        # Two new workers can race to create the row: insert-if-absent lets the loser go on
        # instead of failing on the primary key; the second UPDATE takes the row lock.
        session.execute(_insert_if_absent(session, name, now))
        session.execute(touch)
    row = session.execute(_claim_of(name)).one()
    return Claim(*row)


def _claim_of(name: str) -> Select[int, int, str, int]:
    return select(
        ProcessorOffset.position,
        ProcessorOffset.txid,
        ProcessorOffset.writer,
        ProcessorOffset.epoch,
    ).where(ProcessorOffset.name == name)


def _insert_if_absent(session: Session, name: str, now: datetime) -> Any:
    values = {"name": name, "position": 0, "txid": 0, "writer": "", "epoch": 0, "updated_at": now}
    return dialect_insert(session, ProcessorOffset).values(**values).on_conflict_do_nothing()


def current(session: Session, name: str) -> Claim:
    """The committed position, read without taking any lock."""
    row = session.execute(_claim_of(name)).first()
    return Claim(*row) if row else Claim(0, 0, "", 0)


def advance_from(
    session: Session, name: str, expected: Claim, event: LogEvent, writer: str
) -> bool:
    """Move the position to `event` if it is still `expected` (same position and epoch);
    False when another worker, a split or a rebuild got there first.

    One conditional UPDATE, which also takes the row's write lock for the rest of the
    transaction: every batch of every processor runs this, so its round trips count."""
    move = (
        update(ProcessorOffset)
        .where(
            ProcessorOffset.name == name,
            ProcessorOffset.position == expected.position,
            ProcessorOffset.txid == expected.txid,
            ProcessorOffset.epoch == expected.epoch,
        )
        .values(position=event.id, txid=event.txid, writer=writer, updated_at=utcnow())
    )
    if session.execute(move).rowcount:  # type: ignore[attr-defined]
        return True
    if expected != Claim(0, 0, "", 0):
        return False  # someone else moved it (a first batch may also find no row yet)
    claim(session, name)  # creates the row the first time
    return bool(session.execute(move).rowcount)  # type: ignore[attr-defined]


def bump_epoch(session: Session, name: str) -> None:
    """Out-of-band change to the processor's state: every worker drops its caches."""
    claim(session, name)
    session.execute(
        update(ProcessorOffset)
        .where(ProcessorOffset.name == name)
        .values(epoch=ProcessorOffset.epoch + 1)
    )


def reset(session: Session, name: str) -> None:
    claim(session, name)
    session.execute(
        update(ProcessorOffset)
        .where(ProcessorOffset.name == name)
        .values(position=0, txid=0, epoch=ProcessorOffset.epoch + 1)
    )


# An event as processors read it, but for its payload (fetched only when asked for).
_COLUMNS = (
    Event.id,
    Event.txid,
    Event.source_id,
    Event.type,
    Event.event,
    Event.channel,
    Event.timestamp,
)


def read_after(
    session: Session,
    position: Claim,
    limit: int,
    *,
    until: Claim | None = None,
    payload: bool = True,
) -> list[LogEvent]:
    """Events after `position` in log order; with `until`, none past that position (a
    downstream processor reads only what its upstream has already committed). Without
    `payload` each event's payload is left empty: not fetched, not decoded."""
    columns = (*_COLUMNS, Event.payload if payload else null())
    if session.get_bind().dialect.name == "postgresql":
        query = (
            select(*columns)
            .where(tuple_(Event.txid, Event.id) > tuple_(position.txid, position.position))
            .where(Event.txid < _SAFE_XMIN)
            .order_by(Event.txid, Event.id)
        )
        if until is not None:
            query = query.where(tuple_(Event.txid, Event.id) <= tuple_(until.txid, until.position))
    else:
        query = select(*columns).where(Event.id > position.position).order_by(Event.id)
        if until is not None:
            query = query.where(Event.id <= until.position)
    return [_log_event(row) for row in session.execute(query.limit(limit))]


def read_ids(session: Session, event_ids: list[int]) -> list[LogEvent]:
    """The log's events with these ids, in log order (txid, id): a split replays them."""
    found: list[LogEvent] = []
    for chunk in chunks(event_ids):
        query = select(*_COLUMNS, Event.payload).where(Event.id.in_(chunk))
        found += [_log_event(row) for row in session.execute(query)]
    return sorted(found, key=lambda e: (e.txid, e.id))


def _log_event(row: Sequence[Any]) -> LogEvent:
    # txid is NULL on SQLite (no transaction ids) and payload NULL where it was not fetched.
    return LogEvent(row[0], row[1] or 0, row[2], row[3], row[4], row[5], row[6], row[7] or {})


def between(session: Session, first: LogEvent, last: LogEvent) -> ColumnElement[bool]:
    """A condition on `events` that holds exactly for a batch `read_after` returned, from
    its `first` to its `last` event: a range of the reading order, which leaves nothing out
    because every transaction up to `last` had committed when it was read."""
    if session.get_bind().dialect.name == "postgresql":
        order = tuple_(Event.txid, Event.id)
        return and_(order >= tuple_(first.txid, first.id), order <= tuple_(last.txid, last.id))
    return Event.id.between(first.id, last.id)


def not_read(session: Session, position: Claim) -> ColumnElement[bool]:
    """A condition on `events` for the rows after `position` in the order processors read:
    (txid, id) on PostgreSQL, where an id below the position can still be unread (its
    transaction committed later) and one above it already read."""
    if session.get_bind().dialect.name == "postgresql":
        return tuple_(Event.txid, Event.id) > tuple_(position.txid, position.position)
    return Event.id > position.position


def lag(session: Session, name: str) -> dict[str, Any]:
    """How far behind the log a processor is: events not yet processed, in its own reading
    order, and the oldest's age."""
    position = current(session, name)
    behind, oldest = session.execute(
        select(func.count(), func.min(Event.received_at)).where(not_read(session, position))
    ).one()
    seconds = (utcnow() - ensure_utc(oldest)).total_seconds() if oldest is not None else 0.0
    return {
        "position": position.position,
        "behind_events": int(behind),
        "lag_seconds": round(seconds, 3),
    }


# How far back `last_received` looks: the log has no index by source and time (each index
# is written in the ingest commit), so the look is bounded instead of a full scan.
RECENT_WINDOW = 100_000


def last_received(session: Session, source_ids: list[int]) -> dict[int, datetime]:
    """When each source last had an event among the log's newest RECENT_WINDOW (the
    console's "last event seen" for a connector); a source absent from the answer had none."""
    if not source_ids:
        return {}
    newest = session.execute(select(func.max(Event.id))).scalar_one_or_none() or 0
    rows = session.execute(
        select(Event.source_id, func.max(Event.received_at))
        .where(Event.id > newest - RECENT_WINDOW, Event.source_id.in_(source_ids))
        .group_by(Event.source_id)
    ).all()
    return {source_id: ensure_utc(at) for source_id, at in rows}
