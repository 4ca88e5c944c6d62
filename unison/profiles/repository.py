"""All profile queries: projection state in and out, the 360 view, search, the timeline,
computed traits."""

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from unison.kit.db import chunks, driver_sql, upsert
from unison.models import (
    ComputedTrait,
    Event,
    EventProfile,
    Identifier,
    IdentityConflict,
    Profile,
    Source,
)
from unison.models.base import table
from unison.profiles.projection import ProfileState, search_name
from unison.sources.service import SYSTEM_HINT


def states(session: Session, ids: Iterable[int]) -> dict[int, ProfileState]:
    wanted = list(set(ids))
    found: dict[int, ProfileState] = {}
    for chunk in chunks(wanted):
        rows = session.execute(select(Profile).where(Profile.id.in_(chunk)))
        for (row,) in rows:
            found[row.id] = ProfileState(
                id=row.id,
                created_at=row.created_at,
                first_seen=row.first_seen,
                last_seen=row.last_seen,
                traits=dict(row.traits),
                event_count=row.event_count,
                order_count=row.order_count,
                revenue=dict(row.revenue),
                last_order_at=row.last_order_at,
                channels={k: dict(v) for k, v in row.channels.items()},
                identifier_counts=dict(row.identifier_counts),
            )
    return found


def _row(state: ProfileState, canonical_id: int, now: datetime) -> dict[str, Any]:
    return {
        "id": state.id,
        "canonical_id": canonical_id,
        "created_at": state.created_at,
        "updated_at": now,
        "identifier_counts": state.identifier_counts,
        "traits": state.traits,
        "first_seen": state.first_seen,
        "last_seen": state.last_seen,
        "event_count": state.event_count,
        "order_count": state.order_count,
        "revenue": state.revenue,
        "last_order_at": state.last_order_at,
        "channels": state.channels,
        "search_name": search_name(state),
    }


def save_states(
    session: Session,
    new: list[tuple[ProfileState, int]],
    changed: list[tuple[ProfileState, int]],
    now: datetime,
) -> None:
    """Insert born profiles and rewrite changed ones (state, canonical id)."""
    if new:
        session.execute(insert(table(Profile)), [_row(s, c, now) for s, c in new])
    if changed:
        profiles = table(Profile)
        rows = []
        for state, canonical_id in changed:
            row = _row(state, canonical_id, now)
            row["profile_key"] = row.pop("id")
            rows.append(row)
        # One executemany for all changed profiles, not a statement per profile.
        statement = (
            update(profiles)
            .where(profiles.c.id == bindparam("profile_key"))
            .values({name: bindparam(name) for name in rows[0] if name != "profile_key"})
        )
        session.connection().execute(statement, rows)


def redirect(session: Session, merged_id: int, survivor_id: int) -> None:
    """Every profile that resolved to `merged_id` now resolves to `survivor_id`."""
    session.execute(
        update(Profile).where(Profile.canonical_id == merged_id).values(canonical_id=survivor_id)
    )


def attribute_events(session: Session, rows: list[dict[str, Any]]) -> None:
    """One row per processed event: a driver-level executemany, as for the event log itself
    (SQLAlchemy's per-value processing cost a fifth of each batch's write)."""
    if not rows:
        return
    sql = driver_sql(session)
    sql.executemany(
        "INSERT INTO event_profiles (event_id, profile_id, timestamp, channel, event) "  # noqa: S608 - constant text
        f"VALUES ({sql.marks(5)})",
        [
            (r["event_id"], r["profile_id"], sql.stamp(r["timestamp"]), r["channel"], r["event"])
            for r in rows
        ],
    )


def group_ids(session: Session, canonical_id: int) -> list[int]:
    return list(
        session.execute(select(Profile.id).where(Profile.canonical_id == canonical_id)).scalars()
    )


def delete_group(session: Session, profile_ids: list[int]) -> list[int]:
    """Remove profiles and their event attributions; returns the event ids they held."""
    event_ids = list(
        session.execute(
            select(EventProfile.event_id)
            .where(EventProfile.profile_id.in_(profile_ids))
            .order_by(EventProfile.event_id)
        ).scalars()
    )
    session.execute(delete(EventProfile).where(EventProfile.profile_id.in_(profile_ids)))
    session.execute(delete(Profile).where(Profile.id.in_(profile_ids)))
    return event_ids


def canonical_of(session: Session, event_id: int) -> int | None:
    """The live profile an event belongs to now."""
    return session.execute(
        select(Profile.canonical_id)
        .join(EventProfile, EventProfile.profile_id == Profile.id)
        .where(EventProfile.event_id == event_id)
    ).scalar_one_or_none()


def profile(session: Session, profile_id: int) -> Profile | None:
    return session.get(Profile, profile_id)


def live_profile_holding(session: Session, kind: str, value: str) -> Profile | None:
    """The live profile (merges followed) holding an identifier, in one query."""
    owner = (
        select(Profile.canonical_id)
        .join(Identifier, Identifier.profile_id == Profile.id)
        .where(Identifier.type == kind, Identifier.value == value)
        .scalar_subquery()
    )
    return session.execute(select(Profile).where(Profile.id == owner)).scalar_one_or_none()


def identifiers_of(session: Session, profile_id: int) -> list[Identifier]:
    return list(
        session.execute(
            select(Identifier).where(Identifier.profile_id == profile_id).order_by(Identifier.id)
        ).scalars()
    )


def group_with_open_conflicts(session: Session, canonical_id: int) -> tuple[list[int], int]:
    """The ids merged into a live profile (itself included) and their open conflicts, in one
    query (the 360 view is read on every lookup)."""
    rows = session.execute(
        select(Profile.id, func.count(IdentityConflict.id))
        .outerjoin(
            IdentityConflict,
            (IdentityConflict.profile_id == Profile.id) & (IdentityConflict.status == "open"),
        )
        .where(Profile.canonical_id == canonical_id)
        .group_by(Profile.id)
    ).all()
    return [row[0] for row in rows], sum(int(row[1]) for row in rows)


def timeline(
    session: Session,
    profile_ids: list[int],
    *,
    channel: str | None,
    event: str | None,
    system: str = "include",
    before: tuple[datetime, int] | None,
    limit: int,
) -> list[Row[Event, str, int]]:
    query = (
        select(Event, Source.name, EventProfile.profile_id)
        .join(EventProfile, EventProfile.event_id == Event.id)
        .join(Source, Source.id == Event.source_id)
        .where(EventProfile.profile_id.in_(profile_ids))
    )
    if channel is not None:
        query = query.where(EventProfile.channel == channel)
    if event is not None:
        query = query.where(EventProfile.event == event)
    if system == "exclude":
        query = query.where(Source.write_key_hint != SYSTEM_HINT)
    elif system == "only":
        query = query.where(Source.write_key_hint == SYSTEM_HINT)
    if before is not None:
        moment, event_id = before
        query = query.where(
            (EventProfile.timestamp < moment)
            | ((EventProfile.timestamp == moment) & (EventProfile.event_id < event_id))
        )
    query = query.order_by(EventProfile.timestamp.desc(), EventProfile.event_id.desc())
    return list(session.execute(query.limit(limit)).all())


# Computed traits: the values analyses write back per profile (interface: computed_traits.py)
_TRAIT_CHUNK = 5000  # rows per statement: keeps SQLite under its bound-parameter limit


def computed_write(
    session: Session, source: str, values: Iterable[tuple[int, str, Any]], at: datetime
) -> int:
    """Insert or replace (profile_id, name) -> value; returns the number of rows written."""
    rows = [
        {"profile_id": pid, "name": name, "value": value, "source": source, "computed_at": at}
        for pid, name, value in values
    ]
    for chunk in chunks(rows, _TRAIT_CHUNK):
        upsert(
            session,
            ComputedTrait,
            chunk,
            ["profile_id", "name"],
            ["value", "source", "computed_at"],
        )
    return len(rows)


def computed_remove(
    session: Session, source: str, names: Sequence[str], profile_ids: Sequence[int] | None = None
) -> int:
    """Drop a producer's values (all profiles, or only those given)."""
    query = delete(ComputedTrait).where(
        ComputedTrait.source == source, ComputedTrait.name.in_(names)
    )
    if profile_ids is not None:
        query = query.where(ComputedTrait.profile_id.in_(profile_ids))
    return int(session.execute(query).rowcount)  # type: ignore[attr-defined]


def computed_of_profile(session: Session, profile_id: int) -> list[ComputedTrait]:
    return list(
        session.execute(
            select(ComputedTrait)
            .where(ComputedTrait.profile_id == profile_id)
            .order_by(ComputedTrait.name)
        ).scalars()
    )


def computed_values(
    session: Session, profile_ids: Sequence[int], names: Sequence[str]
) -> dict[int, dict[str, Any]]:
    """profile id -> {name: value} for the names asked (profiles without values omitted)."""
    found: dict[int, dict[str, Any]] = {}
    rows = session.execute(
        select(ComputedTrait.profile_id, ComputedTrait.name, ComputedTrait.value).where(
            ComputedTrait.profile_id.in_(profile_ids), ComputedTrait.name.in_(names)
        )
    )
    for pid, name, value in rows:
        found.setdefault(pid, {})[name] = value
    return found


def computed_erase(session: Session, profile_ids: Sequence[int]) -> int:
    """Every producer's values for these profiles (right to erasure)."""
    query = delete(ComputedTrait).where(ComputedTrait.profile_id.in_(profile_ids))
    return int(session.execute(query).rowcount)  # type: ignore[attr-defined]


def computed_last_computed_at(session: Session, source: str) -> datetime | None:
    """When the producer last wrote a value (None if it never did)."""
    query = select(func.max(ComputedTrait.computed_at)).where(ComputedTrait.source == source)
    value: datetime | None = session.execute(query).scalar_one()
    return value


def event_owners(session: Session, event_ids: list[int]) -> dict[int, int]:
    """event id -> the live profile it belongs to now (events not attributed are left out)."""
    query = (
        select(EventProfile.event_id, Profile.canonical_id)
        .join(Profile, Profile.id == EventProfile.profile_id)
        .where(EventProfile.event_id.in_(event_ids))
    )
    return {event_id: canonical for event_id, canonical in session.execute(query)}  # noqa: C416
