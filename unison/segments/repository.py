"""All queries of the segments domain (dialect-specific elements in sql_dialects.py)."""

# ruff: noqa: S608 - SQL text from this module's own names and compiled fragments; values bound

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import orjson
from sqlalchemy import and_, delete, func, select, tuple_
from sqlalchemy.orm import Session

from unison.kit.clock import ensure_utc
from unison.kit.db import chunks, dialect_insert, driver_rows, sqlite_time
from unison.models import (
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
from unison.segments.language.values import bucket
from unison.segments.sql.compiler import Compiled


def dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def upsert(session: Session, model: Any) -> Any:
    return dialect_insert(session, model)


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


def matching_ids(session: Session, compiled: Compiled) -> list[int]:
    _prepare(session)
    return list(session.execute(compiled.statement).scalars())


def count_matching(session: Session, compiled: Compiled) -> int:
    _prepare(session)
    query = select(func.count()).select_from(compiled.profiles).where(compiled.where)
    return int(session.execute(query).scalar_one())


def count_and_sample(session: Session, compiled: Compiled, limit: int) -> tuple[int, list[int]]:
    """How many profiles match and the first `limit` of them, in one pass over the matches
    (`count(*) OVER ()`): the live count and its sample evaluate the condition once."""
    if limit < 1:
        return count_matching(session, compiled), []
    _prepare(session)
    ids = compiled.profiles.c.id
    query = select(ids, func.count().over()).where(compiled.where).order_by(ids).limit(limit)
    found = session.execute(query).all()
    return (int(found[0][1]) if found else 0), [row[0] for row in found]


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
    for chunk in chunks(profile_ids):
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


def _send(session: Session, statement: str, values: list[tuple[Any, ...]]) -> None:
    """A fixed statement straight to the driver, for the writes every round makes (building
    and compiling Core would cost more than the write); `{m}` is the dialect's mark."""
    if values:
        mark = "%s" if dialect(session) == "postgresql" else "?"
        session.connection().exec_driver_sql(statement.replace("{m}", mark), values)


def _stamp(session: Session) -> Callable[[datetime], Any]:
    """A moment as the store's column takes it (SQLite: its stored text)."""
    return (lambda moment: moment) if dialect(session) == "postgresql" else sqlite_time


def _delete_pairs(
    session: Session, model: type[Any], names: tuple[str, str], pairs: Sequence[tuple[Any, Any]]
) -> None:
    key = tuple_(*(getattr(model, name) for name in names))
    for chunk in chunks(pairs):
        session.execute(delete(model).where(key.in_(list(chunk))))


def _insert_keyed(
    session: Session,
    table: str,
    names: tuple[str, str, str],
    on_conflict: str,
    rows: list[dict[str, Any]],
) -> None:
    """`_send` of rows given as dicts: two key columns, then a moment; the columns named are
    the dict keys read."""
    key, other, moment = names
    statement = (
        f"INSERT INTO {table} ({key}, {other}, {moment}) VALUES ({{m}}, {{m}}, {{m}}) "
        f"ON CONFLICT {on_conflict}"
    )
    stamp = _stamp(session)
    _send(session, statement, [(r[key], r[other], stamp(r[moment])) for r in rows])


def enter(session: Session, rows: list[dict[str, Any]]) -> None:
    names = ("segment_id", "profile_id", "entered_at")
    _insert_keyed(session, "segment_members", names, "DO NOTHING", rows)


def leave(session: Session, pairs: list[tuple[int, int]]) -> None:
    _delete_pairs(session, SegmentMember, ("segment_id", "profile_id"), pairs)


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
def set_timers(session: Session, rows: list[dict[str, Any]]) -> None:
    update = "(owner, profile_id) DO UPDATE SET due_at = excluded.due_at"
    _insert_keyed(session, "segment_timers", ("owner", "profile_id", "due_at"), update, rows)


def drop_timers(session: Session, pairs: list[tuple[str, int]]) -> None:
    _delete_pairs(session, SegmentTimer, ("owner", "profile_id"), pairs)


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
    for chunk in chunks(ids):
        found += session.execute(select(Profile).where(Profile.id.in_(chunk))).scalars()
    return found


def canonical_ids(session: Session, ids: Sequence[int]) -> dict[int, int]:
    found: dict[int, int] = {}
    for chunk in chunks(ids):
        query = select(Profile.id, Profile.canonical_id).where(Profile.id.in_(chunk))
        found.update({pid: cid for pid, cid in session.execute(query)})  # noqa: C416
    return found


def event_owners(session: Session, event_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """event id -> (attributed profile id, its live profile id)."""
    found: dict[int, tuple[int, int]] = {}
    for chunk in chunks(event_ids):
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
    for chunk in chunks(event_ids):
        query = select(Merge.survivor_id).where(Merge.event_id.in_(chunk))
        found |= set(session.execute(query).scalars())
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
    for chunk in chunks(profile_ids):
        query = (
            select(Identifier.profile_id, Identifier.type, Identifier.value)
            .where(Identifier.profile_id.in_(chunk), Identifier.type.in_(types))
            .order_by(Identifier.first_seen, Identifier.id)
        )
        for pid, kind, value in session.execute(query):
            found[(pid, kind)] = value  # later rows win: the most recent one stays
    return found


# --- the real-time round's reads ----------------------------------------------------------
# Sent straight to the driver: building SQLAlchemy statements cost more than running them;
# a round of five driver-level reads for a profile takes a fraction of a millisecond.
def _mark(session: Session) -> str:
    return "%s" if session.get_bind().dialect.name == "postgresql" else "?"


def _moment(value: Any) -> datetime | None:
    # SQLite hands back the stored text (naive UTC); PostgreSQL an aware datetime.
    if value is None or isinstance(value, datetime):
        return value
    moment = datetime.fromisoformat(value)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _json(value: Any) -> Any:
    """SQLite hands back JSON text (a bare number as a number); PostgreSQL decoded jsonb."""
    return orjson.loads(value) if isinstance(value, str | bytes) else value


@dataclass(frozen=True, slots=True)
class ProfileRow:
    id: int
    traits: dict[str, Any]
    stats: dict[str, Any]


def round_profiles(
    session: Session, canonical: Sequence[int]
) -> tuple[dict[int, ProfileRow], dict[int, list[int]], dict[int, int]]:
    """Live profiles (with traits and stats), every profile id of each group, and the
    live id of every member, in one query per 500 groups."""
    live: dict[int, ProfileRow] = {}
    groups: dict[int, list[int]] = {}
    owner: dict[int, int] = {}
    for chunk in chunks(canonical):
        marks = ", ".join([_mark(session)] * len(chunk))
        sql = (
            "SELECT id, canonical_id, traits, event_count, order_count, revenue, first_seen, "
            f"last_seen, last_order_at FROM profiles WHERE canonical_id IN ({marks})"
        )
        for row in driver_rows(session, sql, chunk):
            pid, cid = row[0], row[1]
            groups.setdefault(cid, []).append(pid)
            owner[pid] = cid
            if pid == cid:
                live[pid] = _profile(row)
    return live, groups, owner


def _profile(row: Sequence[Any]) -> ProfileRow:
    revenue = _json(row[5]) or {}
    traits = _json(row[2]) or {}
    return ProfileRow(
        row[0],
        {k: v.get("value") for k, v in traits.items() if isinstance(v, dict)},
        {
            "event_count": row[3],
            "order_count": row[4],
            "revenue": float(sum(v for v in revenue.values() if isinstance(v, int | float))),
            "first_seen": _moment(row[6]),
            "last_seen": _moment(row[7]),
            "last_order_at": _moment(row[8]),
        },
    )


def round_events(
    session: Session, profile_ids: Sequence[int], names: Sequence[str], payload: bool
) -> list[tuple[int, str, datetime, dict[str, Any] | None]]:
    """(profile id, event name, timestamp, payload) of the named events of these profiles
    (attributed ids, merged ones included), through the (profile_id, timestamp) index."""
    if not names or not profile_ids:
        return []
    mark = _mark(session)
    found: list[tuple[int, str, datetime, dict[str, Any] | None]] = []
    name_marks = ", ".join([mark] * len(names))
    for chunk in chunks(profile_ids):
        marks = ", ".join([mark] * len(chunk))
        if payload:
            sql = (
                "SELECT ep.profile_id, ep.event, ep.timestamp, e.payload FROM event_profiles ep "
                "JOIN events e ON e.id = ep.event_id "
                f"WHERE ep.profile_id IN ({marks}) AND ep.event IN ({name_marks})"
            )
        else:
            sql = (
                "SELECT profile_id, event, timestamp FROM event_profiles "
                f"WHERE profile_id IN ({marks}) AND event IN ({name_marks})"
            )
        for row in driver_rows(session, sql, [*chunk, *names]):
            moment = _moment(row[2])
            assert moment is not None
            found.append((row[0], row[1], moment, _json(row[3]) if payload else None))
    return found


def round_memberships(session: Session, profile_ids: Sequence[int]) -> list[tuple[int, int]]:
    found: list[tuple[int, int]] = []
    for chunk in chunks(profile_ids):
        marks = ", ".join([_mark(session)] * len(chunk))
        sql = f"SELECT segment_id, profile_id FROM segment_members WHERE profile_id IN ({marks})"
        found += [(row[0], row[1]) for row in driver_rows(session, sql, chunk)]
    return found


def round_timers(session: Session, profile_ids: Sequence[int]) -> dict[tuple[str, int], datetime]:
    found: dict[tuple[str, int], datetime] = {}
    for chunk in chunks(profile_ids):
        marks = ", ".join([_mark(session)] * len(chunk))
        sql = f"SELECT owner, profile_id, due_at FROM segment_timers WHERE profile_id IN ({marks})"
        for owner, pid, due in driver_rows(session, sql, chunk):
            moment = _moment(due)
            assert moment is not None
            found[(owner, pid)] = moment
    return found


def identifier_types(session: Session, canonical: Sequence[int]) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {}
    for chunk in chunks(canonical):
        marks = ", ".join([_mark(session)] * len(chunk))
        sql = f"SELECT profile_id, type FROM identifiers WHERE profile_id IN ({marks})"
        for pid, kind in driver_rows(session, sql, chunk):
            found.setdefault(pid, set()).add(kind)
    return found


def computed_values(
    session: Session, canonical: Sequence[int], names: Sequence[str]
) -> dict[int, dict[str, Any]]:
    found: dict[int, dict[str, Any]] = {}
    if not names:
        return found
    mark, sqlite = _mark(session), dialect(session) == "sqlite"
    name_marks = ", ".join([mark] * len(names))
    for chunk in chunks(canonical):
        marks = ", ".join([mark] * len(chunk))
        sql = (
            "SELECT profile_id, name, value FROM computed_traits "
            f"WHERE profile_id IN ({marks}) AND name IN ({name_marks})"
        )
        for pid, name, value in driver_rows(session, sql, [*chunk, *names]):
            found.setdefault(pid, {})[name] = _json(value) if sqlite else value
    return found


def addressing(session: Session, canonical: Sequence[int]) -> dict[int, tuple[str, str]]:
    """An identifier to address each profile with on the log (user id, else anonymous id)."""
    found: dict[int, tuple[str, str]] = {}
    for chunk in chunks(canonical):
        marks = ", ".join([_mark(session)] * len(chunk))
        sql = (
            "SELECT profile_id, type, value FROM identifiers WHERE profile_id IN "
            f"({marks}) AND type IN ('user_id', 'anonymous_id') ORDER BY id"
        )
        for pid, kind, value in driver_rows(session, sql, chunk):
            if pid not in found or (kind == "user_id" and found[pid][0] != "user_id"):
                found[pid] = (kind, value)
    return found


# PostgreSQL: the profile group, its events of the given names, its memberships and its
# timers in one round trip (four round trips cost more than the reads themselves there).
_ROUND_PG = """
WITH grp AS (SELECT id FROM profiles WHERE canonical_id = ANY(%(c)s))
SELECT 0, json_build_array(id, canonical_id, traits, event_count, order_count, revenue,
       first_seen, last_seen, last_order_at)::text
  FROM profiles WHERE canonical_id = ANY(%(c)s)
UNION ALL
SELECT 1, json_build_array(profile_id, event, timestamp)::text FROM event_profiles
 WHERE profile_id IN (SELECT id FROM grp) AND event = ANY(%(n)s)
UNION ALL
SELECT 2, json_build_array(segment_id, profile_id)::text FROM segment_members
 WHERE profile_id IN (SELECT id FROM grp)
UNION ALL
SELECT 3, json_build_array(owner, profile_id, due_at)::text FROM segment_timers
 WHERE profile_id = ANY(%(c)s)
"""


@dataclass
class Round:
    live: dict[int, ProfileRow]
    groups: dict[int, list[int]]
    owner: dict[int, int]
    events: list[tuple[int, str, datetime, dict[str, Any] | None]]
    memberships: list[tuple[int, int]]
    timers: dict[tuple[str, int], datetime]


def round_postgres(session: Session, canonical: Sequence[int], names: Sequence[str]) -> Round:
    found = Round({}, {}, {}, [], [], {})
    cursor = session.connection().connection.cursor()
    try:
        cursor.execute(_ROUND_PG, {"c": list(canonical), "n": list(names)})
        fetched = cursor.fetchall()
    finally:
        cursor.close()
    for kind, encoded in fetched:
        item = orjson.loads(encoded)
        if kind == 0:
            pid, cid = item[0], item[1]
            found.groups.setdefault(cid, []).append(pid)
            found.owner[pid] = cid
            if pid == cid:
                found.live[pid] = _profile(item)
        elif kind == 1:
            found.events.append((item[0], item[1], _iso(item[2]), None))
        elif kind == 2:
            found.memberships.append((item[0], item[1]))
        else:
            found.timers[(item[0], item[1])] = _iso(item[2])
    return found


def _iso(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(UTC)


def definitions_fingerprint(session: Session) -> tuple[Any, ...]:
    """Changes whenever a segment or a computed-trait definition is added, edited or removed."""
    seg = session.execute(
        select(
            func.count(),
            func.max(Segment.id),
            func.max(Segment.updated_at),
            func.sum(Segment.version),
        )
    ).one()
    trait = session.execute(select(func.count(), func.max(TraitDefinitionRow.updated_at))).one()
    return (*seg, *trait)


# Data-subject requests: a person's memberships, history and timers
def segment_names(session: Session) -> dict[int, str]:
    return dict(session.execute(select(Segment.id, Segment.name)).all())


_Owned = TypeVar("_Owned", SegmentMember, SegmentHistory)


def _rows_of(
    session: Session, model: type[_Owned], profile_ids: Sequence[int], *order: Any
) -> list[_Owned]:
    query = select(model).where(model.profile_id.in_(profile_ids)).order_by(*order)
    return list(session.execute(query).scalars())


def members_of(session: Session, profile_ids: Sequence[int]) -> list[SegmentMember]:
    return _rows_of(session, SegmentMember, profile_ids)


def history_of(session: Session, profile_ids: Sequence[int]) -> list[SegmentHistory]:
    return _rows_of(session, SegmentHistory, profile_ids, SegmentHistory.id)


def erase_profiles(session: Session, profile_ids: Sequence[int]) -> int:
    """Memberships, history and timers of these profiles; returns the rows removed."""
    erased = 0
    for model in (SegmentMember, SegmentHistory, SegmentTimer):
        result = session.execute(delete(model).where(model.profile_id.in_(profile_ids)))
        erased += int(result.rowcount)  # type: ignore[attr-defined]
    return erased


def daily_changes(session: Session, segment_id: int, since: datetime) -> list[tuple[str, str, int]]:
    """(UTC day YYYY-MM-DD, entered|exited, how many) for a segment since a moment."""
    at = SegmentHistory.at
    if dialect(session) == "sqlite":  # stored as naive UTC text: the day is its first ten
        day = func.substr(at, 1, 10)
    else:
        day = func.to_char(func.timezone("UTC", at), "YYYY-MM-DD")
    query = (
        select(day, SegmentHistory.change, func.count())
        .where(SegmentHistory.segment_id == segment_id, at >= since)
        .group_by(day, SegmentHistory.change)
    )
    return [(str(d), str(c), int(n)) for d, c, n in session.execute(query)]
