"""All queries of the segments domain (dialect fragments in sql_dialects.py)."""

# ruff: noqa: S608 - SQL text from this module's own names and compiled fragments; values bound

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import and_, delete, func, select, text, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from unison.kit.clock import ensure_utc
from unison.kit.db import sqlite_time
from unison.models import (
    ComputedTrait,
    Event,
    EventProfile,
    Identifier,
    Merge,
    Profile,
    Segment,
    SegmentHistory,
    SegmentMember,
    SegmentState,
    SegmentTimer,
    TraitDefinitionRow,
)
from unison.segments.values import bucket

_CHUNK = 500  # ids per IN list: within SQLite's bound-parameter limit


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def upsert(session: Session, model: Any) -> Any:
    return (pg_insert if dialect(session) == "postgresql" else sqlite_insert)(model)


# --- segments -------------------------------------------------------------------------
def segments(session: Session, *, active_only: bool = False) -> list[Segment]:
    query = select(Segment).order_by(Segment.id)
    if active_only:
        query = query.where(Segment.active.is_(True))
    return list(session.execute(query).scalars())


def segment(session: Session, segment_id: int) -> Segment | None:
    return session.get(Segment, segment_id)


def segment_named(session: Session, name: str) -> Segment | None:
    return session.execute(select(Segment).where(Segment.name == name)).scalar_one_or_none()


def add_segment(session: Session, row: Segment) -> Segment:
    session.add(row)
    session.flush()
    return row


def delete_segment(session: Session, segment_id: int) -> None:
    session.execute(delete(SegmentMember).where(SegmentMember.segment_id == segment_id))
    session.execute(delete(SegmentTimer).where(SegmentTimer.owner == f"segment:{segment_id}"))
    session.execute(delete(Segment).where(Segment.id == segment_id))


# --- running a compiled condition -------------------------------------------------------
def _prepare(session: Session) -> None:
    if dialect(session) == "sqlite":
        raw = session.connection().connection.dbapi_connection
        assert raw is not None
        raw.create_function("unison_bucket", 2, bucket, deterministic=True)


def matching_ids(session: Session, sql: str, params: dict[str, Any]) -> list[int]:
    _prepare(session)
    return [row[0] for row in session.execute(text(sql), params)]


def count_matching(session: Session, where: str, params: dict[str, Any]) -> int:
    _prepare(session)
    sql = f"SELECT count(*) FROM profiles p WHERE {where}"
    return int(session.execute(text(sql), params).scalar_one())


def sample_matching(session: Session, where: str, params: dict[str, Any], limit: int) -> list[int]:
    _prepare(session)
    sql = f"SELECT p.id FROM profiles p WHERE {where} ORDER BY p.id LIMIT {int(limit)}"
    return [row[0] for row in session.execute(text(sql), params)]


# --- membership -------------------------------------------------------------------------
def member_ids(session: Session, segment_id: int) -> set[int]:
    query = select(SegmentMember.profile_id).where(SegmentMember.segment_id == segment_id)
    return set(session.execute(query).scalars())


def members_page(
    session: Session, segment_id: int, after: int | None, limit: int
) -> list[SegmentMember]:
    query = select(SegmentMember).where(SegmentMember.segment_id == segment_id)
    if after is not None:
        query = query.where(SegmentMember.profile_id > after)
    return list(session.execute(query.order_by(SegmentMember.profile_id).limit(limit)).scalars())


def memberships(session: Session, profile_ids: Sequence[int]) -> list[tuple[int, int]]:
    """(segment id, profile id) held by any of these profiles."""
    found: list[tuple[int, int]] = []
    for chunk in _chunks(profile_ids):
        query = select(SegmentMember.segment_id, SegmentMember.profile_id).where(
            SegmentMember.profile_id.in_(chunk)
        )
        found += [(s, p) for s, p in session.execute(query)]
    return found


def segments_of_profile(session: Session, profile_id: int) -> list[tuple[Segment, datetime]]:
    query = (
        select(Segment, SegmentMember.entered_at)
        .join(SegmentMember, SegmentMember.segment_id == Segment.id)
        .where(SegmentMember.profile_id == profile_id)
        .order_by(Segment.name)
    )
    return [(s, at) for s, at in session.execute(query)]


def enter(session: Session, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    mark = "%s" if dialect(session) == "postgresql" else "?"
    stamp = (lambda m: m) if mark == "%s" else sqlite_time
    session.connection().exec_driver_sql(
        "INSERT INTO segment_members (segment_id, profile_id, entered_at) "
        f"VALUES ({mark}, {mark}, {mark}) ON CONFLICT DO NOTHING",
        [(r["segment_id"], r["profile_id"], stamp(r["entered_at"])) for r in rows],
    )


def leave(session: Session, pairs: list[tuple[int, int]]) -> None:
    for chunk in _chunks(pairs):
        session.execute(
            delete(SegmentMember).where(
                tuple_(SegmentMember.segment_id, SegmentMember.profile_id).in_(list(chunk))
            )
        )


def add_history(session: Session, rows: list[dict[str, Any]]) -> None:
    """Sent straight to the driver: every entry and exit writes one (the hot path)."""
    if not rows:
        return
    postgres = dialect(session) == "postgresql"
    mark = "%s" if postgres else "?"
    reason = f"CAST({mark} AS jsonb)" if postgres else mark
    session.connection().exec_driver_sql(
        "INSERT INTO segment_history (segment_id, profile_id, change, at, trigger, reason) "
        f"VALUES ({mark}, {mark}, {mark}, {mark}, {mark}, {reason})",
        [
            (
                r["segment_id"],
                r["profile_id"],
                r["change"],
                r["at"] if postgres else sqlite_time(r["at"]),
                r["trigger"],
                orjson.dumps(r["reason"]).decode(),
            )
            for r in rows
        ],
    )


def history(
    session: Session, segment_id: int | None, profile_id: int | None, limit: int
) -> list[SegmentHistory]:
    query = select(SegmentHistory)
    if segment_id is not None:
        query = query.where(SegmentHistory.segment_id == segment_id)
    if profile_id is not None:
        query = query.where(SegmentHistory.profile_id == profile_id)
    return list(session.execute(query.order_by(SegmentHistory.id.desc()).limit(limit)).scalars())


def set_count(session: Session, segment_id: int, at: datetime) -> None:
    count = session.execute(
        select(func.count()).where(SegmentMember.segment_id == segment_id)
    ).scalar_one()
    row = session.get(Segment, segment_id)
    if row is not None:
        row.member_count = int(count)
        row.evaluated_at = at


def add_to_counts(session: Session, deltas: dict[int, int], at: datetime) -> None:
    """Move member counts by the changes just written (never a count over the members).
    Sent straight to the driver: it runs for most membership changes."""
    mark = "%s" if dialect(session) == "postgresql" else "?"
    stamp = at if mark == "%s" else sqlite_time(at)
    sql = (
        f"UPDATE segments SET member_count = member_count + {mark}, evaluated_at = {mark} "
        f"WHERE id = {mark}"
    )
    for segment_id, delta in sorted(deltas.items()):
        session.connection().exec_driver_sql(sql, (delta, stamp, segment_id))


# --- timers -------------------------------------------------------------------------------
def timers_of(session: Session, profile_ids: Sequence[int]) -> dict[tuple[str, int], datetime]:
    found: dict[tuple[str, int], datetime] = {}
    for chunk in _chunks(profile_ids):
        query = select(SegmentTimer.owner, SegmentTimer.profile_id, SegmentTimer.due_at).where(
            SegmentTimer.profile_id.in_(chunk)
        )
        for owner, pid, due in session.execute(query):
            found[(owner, pid)] = ensure_utc(due)
    return found


def set_timers(session: Session, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    mark = "%s" if dialect(session) == "postgresql" else "?"
    stamp = (lambda m: m) if mark == "%s" else sqlite_time
    session.connection().exec_driver_sql(
        "INSERT INTO segment_timers (owner, profile_id, due_at) "
        f"VALUES ({mark}, {mark}, {mark}) "
        "ON CONFLICT (owner, profile_id) DO UPDATE SET due_at = excluded.due_at",
        [(r["owner"], r["profile_id"], stamp(r["due_at"])) for r in rows],
    )


def drop_timers(session: Session, pairs: list[tuple[str, int]]) -> None:
    for chunk in _chunks(pairs):
        session.execute(
            delete(SegmentTimer).where(
                tuple_(SegmentTimer.owner, SegmentTimer.profile_id).in_(list(chunk))
            )
        )


def drop_owner_timers(session: Session, owner: str) -> None:
    session.execute(delete(SegmentTimer).where(SegmentTimer.owner == owner))


def due_timers(session: Session, now: datetime, limit: int) -> list[tuple[str, int, datetime]]:
    query = (
        select(SegmentTimer.owner, SegmentTimer.profile_id, SegmentTimer.due_at)
        .where(SegmentTimer.due_at <= now)
        .order_by(SegmentTimer.due_at)
        .limit(limit)
    )
    return [(o, p, ensure_utc(d)) for o, p, d in session.execute(query)]


# --- facts of profiles --------------------------------------------------------------------
def profiles(session: Session, ids: Sequence[int]) -> list[Profile]:
    found: list[Profile] = []
    for chunk in _chunks(ids):
        found += session.execute(select(Profile).where(Profile.id.in_(chunk))).scalars()
    return found


def canonical_ids(session: Session, ids: Sequence[int]) -> dict[int, int]:
    found: dict[int, int] = {}
    for chunk in _chunks(ids):
        query = select(Profile.id, Profile.canonical_id).where(Profile.id.in_(chunk))
        found.update({pid: cid for pid, cid in session.execute(query)})  # noqa: C416
    return found


def group_members(session: Session, canonical: Sequence[int]) -> dict[int, list[int]]:
    """canonical id -> every profile id merged into it (itself included)."""
    found: dict[int, list[int]] = {}
    for chunk in _chunks(canonical):
        query = select(Profile.canonical_id, Profile.id).where(Profile.canonical_id.in_(chunk))
        for cid, pid in session.execute(query):
            found.setdefault(cid, []).append(pid)
    return found


def event_owners(session: Session, event_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """event id -> (attributed profile id, its live profile id)."""
    found: dict[int, tuple[int, int]] = {}
    for chunk in _chunks(event_ids):
        query = (
            select(EventProfile.event_id, EventProfile.profile_id, Profile.canonical_id)
            .join(Profile, Profile.id == EventProfile.profile_id)
            .where(EventProfile.event_id.in_(chunk))
        )
        for eid, pid, cid in session.execute(query):
            found[eid] = (pid, cid)
    return found


def merged_by(session: Session, event_ids: Sequence[int]) -> set[int]:
    """Survivors of merges these events caused."""
    found: set[int] = set()
    for chunk in _chunks(event_ids):
        query = select(Merge.survivor_id).where(Merge.event_id.in_(chunk))
        found |= set(session.execute(query).scalars())
    return found


def events_of(
    session: Session, canonical: Sequence[int], names: Sequence[str], with_payload: bool
) -> list[tuple[int, str, datetime, dict[str, Any] | None]]:
    """(live profile id, event name, timestamp, payload) of the named events of profiles."""
    if not names or not canonical:
        return []
    columns: list[Any] = [Profile.canonical_id, EventProfile.event, EventProfile.timestamp]
    if with_payload:
        columns.append(Event.payload)
    found: list[tuple[int, str, datetime, dict[str, Any] | None]] = []
    for chunk in _chunks(canonical):
        query = (
            select(*columns)
            .join(Profile, Profile.id == EventProfile.profile_id)
            .where(Profile.canonical_id.in_(chunk), EventProfile.event.in_(list(names)))
        )
        if with_payload:
            query = query.join(Event, Event.id == EventProfile.event_id)
        for row in session.execute(query):
            found.append((row[0], row[1], ensure_utc(row[2]), row[3] if with_payload else None))
    return found


def identifier_types(session: Session, canonical: Sequence[int]) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {}
    for chunk in _chunks(canonical):
        query = select(Identifier.profile_id, Identifier.type).where(
            Identifier.profile_id.in_(chunk)
        )
        for pid, kind in session.execute(query):
            found.setdefault(pid, set()).add(kind)
    return found


def addressing(session: Session, canonical: Sequence[int]) -> dict[int, tuple[str, str]]:
    """An identifier to address each profile with on the log (user id, else anonymous id)."""
    found: dict[int, tuple[str, str]] = {}
    for chunk in _chunks(canonical):
        query = (
            select(Identifier.profile_id, Identifier.type, Identifier.value)
            .where(
                Identifier.profile_id.in_(chunk),
                Identifier.type.in_(["user_id", "anonymous_id"]),
            )
            .order_by(Identifier.id)
        )
        for pid, kind, value in session.execute(query):
            if pid not in found or (kind == "user_id" and found[pid][0] != "user_id"):
                found[pid] = (kind, value)
    return found


def computed_values(
    session: Session, canonical: Sequence[int], names: Sequence[str] | None
) -> dict[int, dict[str, Any]]:
    found: dict[int, dict[str, Any]] = {}
    for chunk in _chunks(canonical):
        query = select(ComputedTrait.profile_id, ComputedTrait.name, ComputedTrait.value).where(
            ComputedTrait.profile_id.in_(chunk)
        )
        if names is not None:
            query = query.where(ComputedTrait.name.in_(list(names)))
        for pid, name, value in session.execute(query):
            found.setdefault(pid, {})[name] = value
    return found


def live_profiles_with(session: Session, kind: str) -> list[int]:
    query = select(Identifier.profile_id).where(Identifier.type == kind).distinct()
    return list(session.execute(query).scalars())


def live_profile_ids(session: Session, after: int | None, limit: int) -> list[int]:
    query = select(Profile.id).where(Profile.id == Profile.canonical_id)
    if after is not None:
        query = query.where(Profile.id > after)
    return list(session.execute(query.order_by(Profile.id).limit(limit)).scalars())


def profiles_with_events(
    session: Session, names: Sequence[str], since: datetime | None = None
) -> list[int]:
    query = (
        select(Profile.canonical_id)
        .join(EventProfile, EventProfile.profile_id == Profile.id)
        .where(EventProfile.event.in_(list(names)))
        .distinct()
    )
    if since is not None:
        query = query.where(EventProfile.timestamp > since)
    return list(session.execute(query).scalars())


# --- computed trait definitions and state ----------------------------------------------
def trait_definitions(session: Session) -> list[TraitDefinitionRow]:
    return list(
        session.execute(select(TraitDefinitionRow).order_by(TraitDefinitionRow.name)).scalars()
    )


def trait_definition(session: Session, name: str) -> TraitDefinitionRow | None:
    return session.get(TraitDefinitionRow, name)


def state(session: Session, key: str) -> Any:
    row = session.get(SegmentState, key)
    return None if row is None else row.value


def state_updated(session: Session, key: str) -> datetime | None:
    row = session.get(SegmentState, key)
    return None if row is None else ensure_utc(row.updated_at)


def set_state(session: Session, key: str, value: Any, at: datetime) -> None:
    statement = upsert(session, SegmentState).values(key=key, value=value, updated_at=at)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["key"], set_={"value": statement.excluded.value, "updated_at": at}
        )
    )


def order_stats(session: Session) -> list[tuple[int, int, Any, datetime | None]]:
    """(live profile id, order count, revenue by currency, last order) of buyers."""
    query = select(Profile.id, Profile.order_count, Profile.revenue, Profile.last_order_at).where(
        and_(Profile.id == Profile.canonical_id, Profile.order_count > 0)
    )
    return [(a, b, c, ensure_utc(d) if d else None) for a, b, c, d in session.execute(query)]


# --- export -------------------------------------------------------------------------------
def identifier_values(
    session: Session, profile_ids: Sequence[int], types: Sequence[str]
) -> dict[tuple[int, str], str]:
    """(profile id, type) -> the identifier of that type the profile gained most recently."""
    found: dict[tuple[int, str], str] = {}
    if not types:
        return found
    for chunk in _chunks(profile_ids):
        query = (
            select(Identifier.profile_id, Identifier.type, Identifier.value)
            .where(Identifier.profile_id.in_(chunk), Identifier.type.in_(types))
            .order_by(Identifier.first_seen, Identifier.id)
        )
        for pid, kind, value in session.execute(query):
            found[(pid, kind)] = value  # later rows win: the most recent one stays
    return found
