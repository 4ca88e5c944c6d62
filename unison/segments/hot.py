"""The real-time path's reads, sent straight to the driver (repository queries on the hot
path). Building SQLAlchemy statements cost more than running them: a round of five
driver-level reads for a profile takes a fraction of a millisecond.
"""

# ruff: noqa: S608 - the SQL is this module's own text; every value is a bound parameter

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy.orm import Session

_CHUNK = 500


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


def _sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _rows(session: Session, sql: str, params: Sequence[Any]) -> list[Any]:
    # The DBAPI cursor of the session's connection (inside its transaction): even
    # exec_driver_sql's result wrapping cost more than these indexed reads.
    cursor = session.connection().connection.cursor()
    try:
        cursor.execute(sql, tuple(params))
        return list(cursor.fetchall())
    finally:
        cursor.close()


@dataclass(frozen=True, slots=True)
class ProfileRow:
    id: int
    traits: dict[str, Any]
    stats: dict[str, Any]


def profile_groups(
    session: Session, canonical: Sequence[int]
) -> tuple[dict[int, ProfileRow], dict[int, list[int]], dict[int, int]]:
    """Live profiles (with traits and stats), every profile id of each group, and the
    live id of every member, in one query per 500 groups."""
    live: dict[int, ProfileRow] = {}
    groups: dict[int, list[int]] = {}
    owner: dict[int, int] = {}
    for chunk in _chunks(canonical):
        marks = ", ".join([_mark(session)] * len(chunk))
        sql = (
            "SELECT id, canonical_id, traits, event_count, order_count, revenue, first_seen, "
            f"last_seen, last_order_at FROM profiles WHERE canonical_id IN ({marks})"
        )
        for row in _rows(session, sql, chunk):
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


def events(
    session: Session, profile_ids: Sequence[int], names: Sequence[str], payload: bool
) -> list[tuple[int, str, datetime, dict[str, Any] | None]]:
    """(profile id, event name, timestamp, payload) of the named events of these profiles
    (attributed ids, merged ones included), through the (profile_id, timestamp) index."""
    if not names or not profile_ids:
        return []
    mark = _mark(session)
    found: list[tuple[int, str, datetime, dict[str, Any] | None]] = []
    name_marks = ", ".join([mark] * len(names))
    for chunk in _chunks(profile_ids):
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
        for row in _rows(session, sql, [*chunk, *names]):
            moment = _moment(row[2])
            assert moment is not None
            found.append((row[0], row[1], moment, _json(row[3]) if payload else None))
    return found


def memberships(session: Session, profile_ids: Sequence[int]) -> list[tuple[int, int]]:
    found: list[tuple[int, int]] = []
    for chunk in _chunks(profile_ids):
        marks = ", ".join([_mark(session)] * len(chunk))
        sql = f"SELECT segment_id, profile_id FROM segment_members WHERE profile_id IN ({marks})"
        found += [(row[0], row[1]) for row in _rows(session, sql, chunk)]
    return found


def timers(session: Session, profile_ids: Sequence[int]) -> dict[tuple[str, int], datetime]:
    found: dict[tuple[str, int], datetime] = {}
    for chunk in _chunks(profile_ids):
        marks = ", ".join([_mark(session)] * len(chunk))
        sql = f"SELECT owner, profile_id, due_at FROM segment_timers WHERE profile_id IN ({marks})"
        for owner, pid, due in _rows(session, sql, chunk):
            moment = _moment(due)
            assert moment is not None
            found[(owner, pid)] = moment
    return found


def identifier_types(session: Session, canonical: Sequence[int]) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {}
    for chunk in _chunks(canonical):
        marks = ", ".join([_mark(session)] * len(chunk))
        sql = f"SELECT profile_id, type FROM identifiers WHERE profile_id IN ({marks})"
        for pid, kind in _rows(session, sql, chunk):
            found.setdefault(pid, set()).add(kind)
    return found


def computed_values(
    session: Session, canonical: Sequence[int], names: Sequence[str]
) -> dict[int, dict[str, Any]]:
    found: dict[int, dict[str, Any]] = {}
    if not names:
        return found
    mark, sqlite = _mark(session), _sqlite(session)
    name_marks = ", ".join([mark] * len(names))
    for chunk in _chunks(canonical):
        marks = ", ".join([mark] * len(chunk))
        sql = (
            "SELECT profile_id, name, value FROM computed_traits "
            f"WHERE profile_id IN ({marks}) AND name IN ({name_marks})"
        )
        for pid, name, value in _rows(session, sql, [*chunk, *names]):
            found.setdefault(pid, {})[name] = _json(value) if sqlite else value
    return found


def addressing(session: Session, canonical: Sequence[int]) -> dict[int, tuple[str, str]]:
    """An identifier to address each profile with on the log (user id, else anonymous id)."""
    found: dict[int, tuple[str, str]] = {}
    for chunk in _chunks(canonical):
        marks = ", ".join([_mark(session)] * len(chunk))
        sql = (
            "SELECT profile_id, type, value FROM identifiers WHERE profile_id IN "
            f"({marks}) AND type IN ('user_id', 'anonymous_id') ORDER BY id"
        )
        for pid, kind, value in _rows(session, sql, chunk):
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
    for kind, text in fetched:
        item = orjson.loads(text)
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
