"""All consent queries: the ledger and its chain heads, the current-state projection,
preferences, purposes and the suppression list."""

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, tuple_, update
from sqlalchemy.orm import Session

from unison.consent.ledger.chain import GENESIS
from unison.consent.ledger.ordering import supersedes
from unison.kit.db import chunks, dialect_insert, driver_rows
from unison.models import (
    ConsentChainHead,
    ConsentPreferences,
    ConsentPurpose,
    ConsentRecord,
    ConsentState,
    ConsentWebhook,
    Event,
    EventProfile,
    Identifier,
    Profile,
    Suppression,
)
from unison.models.base import table

Ident = tuple[str, str]  # (identifier type, normalized value)
# identifier value, status, occurred_at, expires_at, source, source_channel
DecisionRow = tuple[str, Any, Any, Any, Any, Any]


def upsert(session: Session, model: type[Any]) -> Any:
    """INSERT ... ON CONFLICT for the session's store (both speak it, through different
    classes with the same methods; typed Any so either passes)."""
    return dialect_insert(session, table(model))


def canonical_id(session: Session, profile_id: int) -> int | None:
    return session.execute(
        select(Profile.canonical_id).where(Profile.id == profile_id)
    ).scalar_one_or_none()


def group_ids(session: Session, profile_id: int) -> list[int]:
    """The live profile and every profile merged into it."""
    query = select(Profile.id).where(Profile.canonical_id == profile_id)
    return [profile_id, *(pid for pid in session.execute(query).scalars() if pid != profile_id)]


def identifiers_of(
    session: Session, profile_id: int, types: Iterable[str] | None = None
) -> list[Ident]:
    query = select(Identifier.type, Identifier.value).where(Identifier.profile_id == profile_id)
    if types is not None:
        query = query.where(Identifier.type.in_(list(types)))
    return [(kind, value) for kind, value in session.execute(query.order_by(Identifier.id))]


def owner_of(session: Session, ident: Ident) -> int | None:
    return session.execute(
        select(Identifier.profile_id).where(
            Identifier.type == ident[0], Identifier.value == ident[1]
        )
    ).scalar_one_or_none()


def profile_traits(session: Session, profile_ids: list[int]) -> list[dict[str, Any]]:
    """The traits of these profiles, the live one (first id) first."""
    query = select(Profile.id, Profile.traits).where(Profile.id.in_(profile_ids))
    found: dict[int, dict[str, Any]] = {pid: traits for pid, traits in session.execute(query)}  # noqa: C416 - rows are Row objects
    return [found[pid] or {} for pid in profile_ids if pid in found]


def recent_contexts(session: Session, profile_ids: list[int], limit: int) -> list[Any]:
    """`context` of the newest events attributed to these profiles, newest first."""
    query = (
        select(Event.payload)
        .join(EventProfile, EventProfile.event_id == Event.id)
        .where(EventProfile.profile_id.in_(profile_ids))
        .order_by(EventProfile.timestamp.desc(), EventProfile.event_id.desc())
        .limit(limit)
    )
    return [
        p.get("context") if isinstance(p, dict) else None for p in session.execute(query).scalars()
    ]


# --- the ledger -------------------------------------------------------------------------


def lock_head(session: Session, profile_id: int) -> tuple[int, str]:
    """The chain head of a profile, locked until commit (created at genesis if new)."""
    session.execute(
        upsert(session, ConsentChainHead)
        .values(profile_id=profile_id, seq=0, hash=GENESIS)
        .on_conflict_do_nothing()
    )
    row = session.execute(
        select(ConsentChainHead.seq, ConsentChainHead.hash)
        .where(ConsentChainHead.profile_id == profile_id)
        .with_for_update()
    ).one()
    return row[0], row[1]


def recorded_events(session: Session, event_ids: list[int]) -> set[int]:
    """Which of these events already produced ledger records (a replayed batch skips them)."""
    query = select(ConsentRecord.event_id).where(ConsentRecord.event_id.in_(event_ids)).distinct()
    return {int(e) for e in session.execute(query).scalars() if e is not None}


def set_head(session: Session, profile_id: int, seq: int, hash_: str) -> None:
    session.execute(
        update(ConsentChainHead)
        .where(ConsentChainHead.profile_id == profile_id)
        .values(seq=seq, hash=hash_)
    )


def add_record(session: Session, fields: dict[str, Any]) -> int:
    result = session.execute(insert(ConsentRecord).values(**fields).returning(ConsentRecord.id))
    return int(result.scalar_one())


def project(session: Session, rows: list[dict[str, Any]]) -> None:
    """Move the current state to these records, unless the one in force supersedes them
    (an event delayed in transit must not overwrite a newer decision; see `ordering`)."""
    current = _states_for_update(session, [_key(row) for row in rows])
    for row in rows:
        held = current.get(_key(row))
        if held is not None and not supersedes(row["status"], row["occurred_at"], held[0], held[1]):
            continue
        statement = upsert(session, ConsentState).values(**row)
        session.execute(
            statement.on_conflict_do_update(
                index_elements=list(_STATE_COLUMNS),
                set_={name: statement.excluded[name] for name in row if name not in _STATE_KEY},
            )
        )
        current[_key(row)] = (row["status"], row["occurred_at"])


def _key(row: dict[str, Any]) -> tuple[str, str, str, str]:
    return (row["identifier_type"], row["identifier_value"], row["purpose"], row["channel"])


def _states_for_update(
    session: Session, keys: list[tuple[str, str, str, str]]
) -> dict[tuple[str, str, str, str], tuple[str, datetime]]:
    """(status, occurred_at) in force for these keys, locked on PostgreSQL until commit
    (SQLite has one writer at a time)."""
    found: dict[tuple[str, str, str, str], tuple[str, datetime]] = {}
    columns = [getattr(ConsentState, name) for name in _STATE_COLUMNS]
    for chunk in chunks(keys):
        query = (
            select(*columns, ConsentState.status, ConsentState.occurred_at)
            .where(tuple_(*columns).in_(chunk))
            .with_for_update()
        )
        for row in session.execute(query):
            found[(row[0], row[1], row[2], row[3])] = (row[4], row[5])
    return found


_STATE_COLUMNS = ("identifier_type", "identifier_value", "purpose", "channel")
_STATE_KEY = frozenset(_STATE_COLUMNS)


def states(session: Session, idents: list[Ident]) -> list[ConsentState]:
    found: list[ConsentState] = []
    for chunk in chunks(idents):
        query = select(ConsentState).where(
            tuple_(ConsentState.identifier_type, ConsentState.identifier_value).in_(chunk)
        )
        found += session.execute(query).scalars()
    return sorted(
        found, key=lambda s: (s.purpose, s.channel, s.identifier_type, s.identifier_value)
    )


def records(
    session: Session, idents: list[Ident], *, at: datetime | None = None
) -> list[ConsentRecord]:
    """Ledger records for these identifiers (up to `at`), oldest first."""
    found: list[ConsentRecord] = []
    for chunk in chunks(idents):
        query = select(ConsentRecord).where(
            ConsentRecord.identifier_value.in_([value for _, value in chunk])
        )
        if at is not None:
            query = query.where(ConsentRecord.occurred_at <= at)
        wanted = set(chunk)
        found += [
            r
            for r in session.execute(query).scalars()
            if (r.identifier_type, r.identifier_value) in wanted
        ]
    return sorted(found, key=lambda r: (r.occurred_at, r.id))


# The decision runs before every send, so its two statements go straight to the driver's
# cursor: the SQL text is fixed, and building and compiling SQLAlchemy expressions, or even
# wrapping a driver statement's result, cost more than the indexed lookups themselves
# (measured in bench/consent.py and bench/gate.py).
_DECISION_SQL = (
    "SELECT i.value, s.status, s.occurred_at, s.expires_at, s.source, s.source_channel "
    "FROM profiles p JOIN identifiers i ON i.profile_id = p.canonical_id "
    "LEFT JOIN consent_state s ON s.identifier_type = i.type AND s.identifier_value = i.value "
    "AND s.purpose = {m} AND s.channel = {m} "
    "WHERE p.id = {m} AND i.type = {m} ORDER BY i.id"
)
# PostgreSQL also hashes the identifier in SQL (sha256(), as suppression.identifier_hash does
# in Python) and reads its suppressions in the same statement: one round trip per decision.
_DECISION_PG_SQL = (
    "SELECT i.value, s.status, s.occurred_at, s.expires_at, s.source, s.source_channel, "
    "(SELECT string_agg(x.reason, ',') FROM consent_suppressions x WHERE x.identifier_hash = "
    "encode(sha256(convert_to(i.type || ':' || i.value, 'UTF8')), 'hex')) "
    "FROM profiles p JOIN identifiers i ON i.profile_id = p.canonical_id "
    "LEFT JOIN consent_state s ON s.identifier_type = i.type AND s.identifier_value = i.value "
    "AND s.purpose = %s AND s.channel = %s "
    "WHERE p.id = %s AND i.type = %s ORDER BY i.id"
)
# `decision_rows` for many profiles: every asked id that names a profile, with its live
# profile's identifiers of the type (none: NULLs) and their states.
_DECISIONS_SQL = (
    "SELECT p.id, i.value, s.status, s.occurred_at, s.expires_at, s.source, s.source_channel "
    "FROM profiles p LEFT JOIN identifiers i ON i.profile_id = p.canonical_id AND i.type = {m} "
    "LEFT JOIN consent_state s ON s.identifier_type = i.type AND s.identifier_value = i.value "
    "AND s.purpose = {m} AND s.channel = {m} "
    "WHERE p.id IN ({ids}) ORDER BY p.id, i.id"
)
_SUPPRESSED_SQL = (
    "SELECT identifier_hash, identifier_type, reason FROM consent_suppressions "
    "WHERE identifier_hash IN ({marks})"
)


def _mark(session: Session) -> str:
    return "%s" if session.get_bind().dialect.name == "postgresql" else "?"


def _moment(value: Any) -> datetime | None:
    # SQLite hands back the stored text (naive UTC); PostgreSQL an aware datetime.
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def decision_rows(
    session: Session, profile_id: int, kind: str, purpose: str, channel: str
) -> list[DecisionRow]:
    """The identifiers of the live profile `profile_id` resolves to, for a channel, each with
    its current state for the purpose (one indexed join, merged ids included)."""
    sql = _DECISION_SQL.format(m=_mark(session))
    found = driver_rows(session, sql, (purpose, channel, profile_id, kind))
    return [
        (value, status, _moment(occurred), _moment(expires), source, source_channel)
        for value, status, occurred, expires, source, source_channel in found
    ]


def identifier_hash(kind: str, value: str) -> str:
    """SHA-256 of "type:normalized value": how suppressed identifiers are stored."""
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()


def decision(
    session: Session, profile_id: int, kind: str, purpose: str, channel: str
) -> tuple[list[DecisionRow], dict[str, list[str]]]:
    """`decision_rows`, and the suppression reasons of each identifier value."""
    if session.get_bind().dialect.name == "postgresql":
        found = driver_rows(session, _DECISION_PG_SQL, (purpose, channel, profile_id, kind))
        rows: list[DecisionRow] = []
        reasons: dict[str, list[str]] = {}
        for value, status, occurred, expires, source, source_channel, listed in found:
            rows.append((value, status, occurred, expires, source, source_channel))
            if listed:
                reasons[value] = listed.split(",")
        return rows, reasons
    rows = decision_rows(session, profile_id, kind, purpose, channel)
    by_hash = {identifier_hash(kind, row[0]): row[0] for row in rows}
    reasons = {}
    for digest, _, reason in suppression_reasons(session, list(by_hash)):
        reasons.setdefault(by_hash[digest], []).append(reason)
    return rows, reasons


@dataclass(frozen=True)
class DecisionRows:
    """What `decision_rows` reads, for many profiles at once."""

    known: set[int]  # the asked ids that name a profile (live or merged away)
    rows: dict[int, list[DecisionRow]]  # asked id -> its live profile's identifiers, states
    reasons: dict[str, list[str]]  # identifier value -> its suppression reasons


def decisions_of(
    session: Session, profile_ids: list[int], kind: str, purpose: str, channel: str
) -> DecisionRows:
    """`decision` for many profiles: one statement per chunk of profiles, one per chunk of
    identifiers for their suppressions, however many profiles are asked about. The first
    goes straight to the driver, as `decision_rows` does: a broadcast's chunk reads
    thousands of rows through it, and SQLAlchemy's per-row processing cost more than the
    reads."""
    mark = _mark(session)
    found = DecisionRows(set(), {}, {})
    for chunk in chunks(profile_ids):
        sql = _DECISIONS_SQL.format(m=mark, ids=", ".join([mark] * len(chunk)))
        for pid, value, status, occurred, expires, source, source_channel in driver_rows(
            session, sql, (kind, purpose, channel, *chunk)
        ):
            found.known.add(pid)
            if value is not None:
                row = (value, status, _moment(occurred), _moment(expires), source, source_channel)
                found.rows.setdefault(pid, []).append(row)
    values = {row[0] for listed in found.rows.values() for row in listed}
    by_hash = {identifier_hash(kind, value): value for value in values}
    for hashes in chunks(by_hash):
        listed = (
            select(Suppression.identifier_hash, Suppression.reason)
            .where(Suppression.identifier_hash.in_(hashes))
            .order_by(Suppression.id)
        )
        for digest, reason in session.execute(listed):
            found.reasons.setdefault(by_hash[digest], []).append(reason)
    return found


def suppression_reasons(session: Session, hashes: list[str]) -> list[tuple[str, str, str]]:
    """(hash, identifier type, reason) of every suppression of these hashes."""
    if not hashes:
        return []
    mark = _mark(session)
    sql = _SUPPRESSED_SQL.format(marks=", ".join([mark] * len(hashes)))
    return [tuple(row) for row in driver_rows(session, sql, hashes)]


def records_by_profile(session: Session) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    """Every chain, one profile at a time, in seq order (for verification)."""
    columns = list(table(ConsentRecord).c)
    current: int | None = None
    rows: list[dict[str, Any]] = []
    query = select(*columns).order_by(ConsentRecord.profile_id, ConsentRecord.seq)
    for row in session.execute(query.execution_options(yield_per=5000)).mappings():
        if row["profile_id"] != current and current is not None:
            yield current, rows
            rows = []
        current = row["profile_id"]
        rows.append(dict(row))
    if current is not None:
        yield current, rows


def heads(session: Session) -> dict[int, tuple[int, str]]:
    rows = session.execute(
        select(ConsentChainHead.profile_id, ConsentChainHead.seq, ConsentChainHead.hash)
    )
    return {pid: (seq, hash_) for pid, seq, hash_ in rows}


def count_records(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(ConsentRecord)).scalar_one())


# --- purposes, preferences, suppression -------------------------------------------------


def declared_purposes(session: Session) -> dict[str, str]:
    rows = session.execute(select(ConsentPurpose.name, ConsentPurpose.kind))
    return {name: kind for name, kind in rows}  # noqa: C416 - rows are Row objects


def purpose_kind(session: Session, name: str) -> str | None:
    return session.execute(
        select(ConsentPurpose.kind).where(ConsentPurpose.name == name)
    ).scalar_one_or_none()


def add_purpose(session: Session, purpose: ConsentPurpose) -> ConsentPurpose:
    session.add(purpose)
    session.flush()
    return purpose


def preferences(session: Session, profile_ids: list[int]) -> ConsentPreferences | None:
    """The newest preferences row of a merged group (each profile may have kept one)."""
    query = (
        select(ConsentPreferences)
        .where(ConsentPreferences.profile_id.in_(profile_ids))
        .order_by(ConsentPreferences.updated_at.desc())
        .limit(1)
    )
    return session.execute(query).scalar_one_or_none()


def save_preferences(session: Session, values: dict[str, Any]) -> None:
    statement = upsert(session, ConsentPreferences).values(**values)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["profile_id"],
            set_={k: statement.excluded[k] for k in values if k != "profile_id"},
        )
    )


def suppressions(session: Session, hashes: list[str]) -> list[Suppression]:
    if not hashes:
        return []
    query = select(Suppression).where(Suppression.identifier_hash.in_(hashes))
    return list(session.execute(query).scalars())


def add_suppression(session: Session, values: dict[str, Any]) -> bool:
    """Insert unless (hash, reason) is already listed; True when it was new."""
    # Told from RETURNING: SQLAlchemy reports an INSERT's rowcount as -1 on PostgreSQL.
    inserted = upsert(session, Suppression).values(**values).on_conflict_do_nothing()
    return session.execute(inserted.returning(Suppression.id)).first() is not None


def list_suppressions(
    session: Session, *, reason: str | None, before_id: int | None, limit: int
) -> list[Suppression]:
    query = select(Suppression)
    if reason is not None:
        query = query.where(Suppression.reason == reason)
    if before_id is not None:
        query = query.where(Suppression.id < before_id)
    return list(session.execute(query.order_by(Suppression.id.desc()).limit(limit)).scalars())


def delete_suppression(session: Session, suppression_id: int) -> Suppression | None:
    row = session.get(Suppression, suppression_id)
    if row is not None:
        session.execute(delete(Suppression).where(Suppression.id == suppression_id))
    return row


def erase_identifiers(
    session: Session,
    idents: list[Ident],
    profile_ids: list[int],
    hashes: dict[str, str],
    now: datetime,
) -> int:
    """Erasure: redact the ledger records of these identifiers and profiles (identifier
    replaced by its hash, proof emptied), drop their state and preferences."""
    redacted = 0
    for value, digest in hashes.items():
        redacted += session.execute(  # type: ignore[attr-defined]
            update(ConsentRecord)
            .where(ConsentRecord.identifier_value == value)
            .values(identifier_value=digest, proof={}, redacted_at=now)
        ).rowcount
        session.execute(delete(ConsentState).where(ConsentState.identifier_value == value))
    redacted += session.execute(  # type: ignore[attr-defined]
        update(ConsentRecord)
        .where(ConsentRecord.profile_id.in_(profile_ids), ConsentRecord.redacted_at.is_(None))
        .values(proof={}, redacted_at=now)
    ).rowcount
    session.execute(delete(ConsentState).where(ConsentState.profile_id.in_(profile_ids)))
    session.execute(
        delete(ConsentPreferences).where(ConsentPreferences.profile_id.in_(profile_ids))
    )
    return int(redacted)


# Consent webhooks: the subscriptions consent changes are announced to
def add_webhook(session: Session, hook: ConsentWebhook) -> ConsentWebhook:
    session.add(hook)
    session.flush()
    return hook


def webhook(session: Session, webhook_id: int) -> ConsentWebhook | None:
    return session.get(ConsentWebhook, webhook_id)


def webhooks(session: Session) -> list[ConsentWebhook]:
    return list(session.execute(select(ConsentWebhook).order_by(ConsentWebhook.id)).scalars())


def active_webhook_ids(session: Session) -> list[int]:
    query = select(ConsentWebhook.id).where(ConsentWebhook.active.is_(True))
    return list(session.execute(query).scalars())
