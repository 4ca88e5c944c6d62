"""Queries for computed traits: the values analyses write back per profile.

Producers (segments' aggregates, RFM, CLV) each own the names they write, tagged with their
`source`; readers (the 360 view, segments, templates) see them by name. Rows are keyed by the
live profile id; after a merge the producer rewrites the survivor's values.
"""

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from unison.kit.db import chunks, upsert
from unison.models import ComputedTrait

_CHUNK = 5000  # rows per statement: keeps SQLite under its bound-parameter limit


def write(
    session: Session, source: str, values: Iterable[tuple[int, str, Any]], at: datetime
) -> int:
    """Insert or replace (profile_id, name) -> value; returns the number of rows written."""
    rows = [
        {"profile_id": pid, "name": name, "value": value, "source": source, "computed_at": at}
        for pid, name, value in values
    ]
    for chunk in chunks(rows, _CHUNK):
        upsert(
            session,
            ComputedTrait,
            chunk,
            ["profile_id", "name"],
            ["value", "source", "computed_at"],
        )
    return len(rows)


def remove(
    session: Session, source: str, names: Sequence[str], profile_ids: Sequence[int] | None = None
) -> int:
    """Drop a producer's values (all profiles, or only those given)."""
    query = delete(ComputedTrait).where(
        ComputedTrait.source == source, ComputedTrait.name.in_(names)
    )
    if profile_ids is not None:
        query = query.where(ComputedTrait.profile_id.in_(profile_ids))
    return int(session.execute(query).rowcount)  # type: ignore[attr-defined]


def of_profile(session: Session, profile_id: int) -> list[ComputedTrait]:
    return list(
        session.execute(
            select(ComputedTrait)
            .where(ComputedTrait.profile_id == profile_id)
            .order_by(ComputedTrait.name)
        ).scalars()
    )


def values(
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


def erase(session: Session, profile_ids: Sequence[int]) -> int:
    """Every producer's values for these profiles (right to erasure)."""
    query = delete(ComputedTrait).where(ComputedTrait.profile_id.in_(profile_ids))
    return int(session.execute(query).rowcount)  # type: ignore[attr-defined]


def last_computed_at(session: Session, source: str) -> datetime | None:
    """When the producer last wrote a value (None if it never did)."""
    query = select(func.max(ComputedTrait.computed_at)).where(ComputedTrait.source == source)
    value: datetime | None = session.execute(query).scalar_one()
    return value
