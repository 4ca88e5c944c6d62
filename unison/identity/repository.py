"""All identity-graph queries."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, delete, insert, or_, select, update
from sqlalchemy.orm import Session

from unison.identity.identifiers import Ident
from unison.identity.resolver import IdProfile
from unison.kit.db import chunks
from unison.models import (
    Identifier,
    IdentifierCooccurrence,
    IdentifierRejection,
    IdentityBlock,
    IdentityConflict,
    Merge,
    Profile,
    SharedIdentifier,
)
from unison.models.base import Base, table


def owners(session: Session, idents: list[Ident]) -> dict[Ident, int]:
    # Looked up by value alone (a plain IN with bound parameters, which compiles once and
    # uses ix_identifiers_value), then matched on type here: values rarely repeat across types.
    wanted = set(idents)
    values = list({i.value for i in idents})
    found: dict[Ident, int] = {}
    for chunk in chunks(values):
        rows = session.execute(
            select(Identifier.type, Identifier.value, Identifier.profile_id).where(
                Identifier.value.in_(chunk)
            )
        )
        for kind, value, profile_id in rows:
            ident = Ident(kind, value)
            if ident in wanted:
                found[ident] = profile_id
    return found


def id_profiles(session: Session, ids: Iterable[int]) -> dict[int, IdProfile]:
    """Profiles by id, following canonical ids until every chain ends at a live profile."""
    result: dict[int, IdProfile] = {}
    wanted = set(ids)
    while wanted:
        rows = session.execute(
            select(Profile.id, Profile.canonical_id, Profile.identifier_counts).where(
                Profile.id.in_(list(wanted))
            )
        )
        for profile_id, canonical_id, counts in rows:
            result[profile_id] = IdProfile(profile_id, canonical_id, dict(counts or {}))
        wanted = {p.canonical_id for p in result.values()} - result.keys()
    return result


def blocks(session: Session, idents: list[Ident]) -> set[frozenset[Ident]]:
    wanted = set(idents)
    values = list({i.value for i in idents})
    found: set[frozenset[Ident]] = set()
    for chunk in chunks(values):
        rows = session.execute(
            select(
                IdentityBlock.a_type,
                IdentityBlock.a_value,
                IdentityBlock.b_type,
                IdentityBlock.b_value,
            ).where(or_(IdentityBlock.a_value.in_(chunk), IdentityBlock.b_value.in_(chunk)))
        )
        for a_type, a_value, b_type, b_value in rows:
            pair = (Ident(a_type, a_value), Ident(b_type, b_value))
            if pair[0] in wanted or pair[1] in wanted:
                found.add(frozenset(pair))
    return found


def add_identifiers(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(table(Identifier)), rows)


def repoint_identifiers(session: Session, merged_id: int, survivor_id: int) -> None:
    session.execute(
        update(Identifier).where(Identifier.profile_id == merged_id).values(profile_id=survivor_id)
    )


def insert_rows(model: type[Base], session: Session, rows: list[dict[str, Any]]) -> None:
    """Plain rows of one of the graph's append-only tables (rejections, merges, conflicts,
    blocks) in one executemany; the model comes first so the service can bind it."""
    if rows:
        session.execute(insert(table(model)), rows)


def delete_identifiers_of(session: Session, profile_ids: list[int]) -> None:
    session.execute(delete(Identifier).where(Identifier.profile_id.in_(profile_ids)))


def merges_of(session: Session, profile_ids: list[int]) -> list[Merge]:
    query = select(Merge).where(
        or_(Merge.survivor_id.in_(profile_ids), Merge.merged_id.in_(profile_ids))
    )
    return list(session.execute(query.order_by(Merge.id)).scalars())


def merge_by_id(session: Session, merge_id: int) -> Merge | None:
    return session.get(Merge, merge_id)


def mark_merges_undone(session: Session, merge_ids: list[int], at: datetime, reason: str) -> None:
    if merge_ids:
        session.execute(
            update(Merge)
            .where(and_(Merge.id.in_(merge_ids), Merge.undone_at.is_(None)))
            .values(undone_at=at, undone_reason=reason)
        )


def conflicts_query(status: str | None) -> Select[IdentityConflict]:
    query = select(IdentityConflict)
    if status is not None:
        query = query.where(IdentityConflict.status == status)
    return query


def list_conflicts(
    session: Session, *, status: str | None, before_id: int | None, limit: int
) -> list[IdentityConflict]:
    query = conflicts_query(status)
    if before_id is not None:
        query = query.where(IdentityConflict.id < before_id)
    return list(session.execute(query.order_by(IdentityConflict.id.desc()).limit(limit)).scalars())


def conflict_by_id(session: Session, conflict_id: int) -> IdentityConflict | None:
    return session.get(IdentityConflict, conflict_id)


def shared_among(session: Session, devices: list[Ident]) -> set[Ident]:
    wanted = set(devices)
    found: set[Ident] = set()
    for chunk in chunks(list({d.value for d in devices})):
        rows = session.execute(
            select(SharedIdentifier.type, SharedIdentifier.value).where(
                SharedIdentifier.value.in_(chunk)
            )
        )
        found |= {Ident(kind, value) for kind, value in rows} & wanted
    return found


def cooccurrences(session: Session, devices: list[Ident]) -> dict[Ident, dict[str, set[str]]]:
    """Device -> strong type -> digests of the strong identifiers seen with it."""
    wanted = set(devices)
    found: dict[Ident, dict[str, set[str]]] = {}
    for chunk in chunks(list({d.value for d in devices})):
        rows = session.execute(
            select(
                IdentifierCooccurrence.type,
                IdentifierCooccurrence.value,
                IdentifierCooccurrence.strong_type,
                IdentifierCooccurrence.strong_hash,
            ).where(IdentifierCooccurrence.value.in_(chunk))
        )
        for kind, value, strong_type, strong_hash in rows:
            device = Ident(kind, value)
            if device in wanted:
                found.setdefault(device, {}).setdefault(strong_type, set()).add(strong_hash)
    return found


def add_cooccurrences(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(table(IdentifierCooccurrence)), rows)


def add_shared(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(table(SharedIdentifier)), rows)


def record_shared_outcome(
    session: Session, ident: Ident, profile_id: int | None, undone_merges: int
) -> None:
    session.execute(
        update(SharedIdentifier)
        .where(SharedIdentifier.type == ident.type, SharedIdentifier.value == ident.value)
        .values(profile_id=profile_id, undone_merges=undone_merges)
    )


def owner_of(session: Session, ident: Ident) -> int | None:
    return session.execute(
        select(Identifier.profile_id).where(
            Identifier.type == ident.type, Identifier.value == ident.value
        )
    ).scalar_one_or_none()


def resolve_open_conflicts_through(
    session: Session, ident: Ident, at: datetime, resolution: str
) -> None:
    session.execute(
        update(IdentityConflict)
        .where(
            IdentityConflict.identifier_type == ident.type,
            IdentityConflict.identifier_value == ident.value,
            IdentityConflict.status == "open",
        )
        .values(status="resolved", resolved_at=at, resolution=resolution)
    )


def list_shared(session: Session, *, before_id: int | None, limit: int) -> list[SharedIdentifier]:
    query = select(SharedIdentifier)
    if before_id is not None:
        query = query.where(SharedIdentifier.id < before_id)
    return list(session.execute(query.order_by(SharedIdentifier.id.desc()).limit(limit)).scalars())


def forget_derived(session: Session, event_ids: list[int]) -> None:
    """Open conflicts and rejected identifiers of the replayed events come back on replay."""
    for chunk in chunks(event_ids):
        session.execute(
            delete(IdentityConflict).where(
                IdentityConflict.event_id.in_(chunk), IdentityConflict.status == "open"
            )
        )
        session.execute(delete(IdentifierRejection).where(IdentifierRejection.event_id.in_(chunk)))
