"""Privacy queries over other domains' tables: finding and anonymizing a person's rows.

Rows attributed to the person are found by profile and event ids; rows that are not
(rejected events, events not yet processed) by scanning their JSON text for the person's
identifier values and names, which is slow on a large log but only runs per request.
"""

from typing import Any

from sqlalchemy import Engine, Text, cast, delete, func, or_, select, text, update
from sqlalchemy.orm import Session

from unison.consent.ledger.webhooks import CHANNEL as WEBHOOK_CHANNEL
from unison.events import lookup
from unison.kit.db import chunks, write_lock
from unison.models import (
    Event,
    EventProfile,
    Identifier,
    IdentifierRejection,
    IdentityBlock,
    IdentityConflict,
    Merge,
    OutboundMessage,
    PrivacyRequest,
    Profile,
    RejectedEvent,
)


def _rowcount(result: Any) -> int:
    return int(result.rowcount)


def group_ids(session: Session, profile_id: int) -> list[int]:
    return list(
        session.execute(select(Profile.id).where(Profile.canonical_id == profile_id)).scalars()
    )


def profiles(session: Session, ids: list[int]) -> list[Profile]:
    return list(session.execute(select(Profile).where(Profile.id.in_(ids))).scalars())


def identifiers(session: Session, profile_ids: list[int]) -> list[tuple[str, str]]:
    query = select(Identifier.type, Identifier.value).where(Identifier.profile_id.in_(profile_ids))
    return [(kind, value) for kind, value in session.execute(query.order_by(Identifier.id))]


def event_ids(session: Session, profile_ids: list[int]) -> list[int]:
    query = select(EventProfile.event_id).where(EventProfile.profile_id.in_(profile_ids))
    return list(session.execute(query.order_by(EventProfile.event_id)).scalars())


def _mentions(column: Any, pii: list[str]) -> Any:
    text = func.lower(cast(column, Text))
    return or_(*(text.contains(value.lower(), autoescape=True) for value in pii))


def events_mentioning(session: Session, pii: list[str]) -> list[int]:
    if not pii:
        return []
    return list(session.execute(select(Event.id).where(_mentions(Event.payload, pii))).scalars())


def events(session: Session, ids: list[int]) -> list[Event]:
    found: list[Event] = []
    for chunk in chunks(ids):
        found += session.execute(select(Event).where(Event.id.in_(chunk))).scalars()
    return sorted(found, key=lambda e: e.id)


def anonymize_events(session: Session, ids: list[int]) -> int:
    """Keep what happened and when; drop who, and every property, trait and context."""
    changed = 0
    for event in events(session, ids):
        kept = {
            k: event.payload.get(k)
            for k in ("type", "event", "name", "messageId", "timestamp", "receivedAt")
        }
        event.payload = {**{k: v for k, v in kept.items() if v is not None}, "erased": True}
        event.user_id = None
        event.anonymous_id = None
        changed += 1
    session.flush()
    lookup.forget_keys(session, ids)
    return changed


def delete_rejected_mentioning(session: Session, pii: list[str]) -> int:
    if not pii:
        return 0
    return _rowcount(
        session.execute(delete(RejectedEvent).where(_mentions(RejectedEvent.payload, pii)))
    )


def erase_identity(
    session: Session, profile_ids: list[int], values: list[str], event_ids: list[int]
) -> int:
    removed = _rowcount(
        session.execute(delete(Identifier).where(Identifier.profile_id.in_(profile_ids)))
    )
    for chunk in chunks(values):
        removed += _rowcount(session.execute(delete(Identifier).where(Identifier.value.in_(chunk))))
        removed += _rowcount(
            session.execute(
                delete(IdentityBlock).where(
                    or_(IdentityBlock.a_value.in_(chunk), IdentityBlock.b_value.in_(chunk))
                )
            )
        )
        removed += _rowcount(
            session.execute(
                delete(IdentityConflict).where(IdentityConflict.identifier_value.in_(chunk))
            )
        )
        removed += _rowcount(
            session.execute(delete(IdentifierRejection).where(IdentifierRejection.value.in_(chunk)))
        )
    for ids in chunks(event_ids):
        removed += _rowcount(
            session.execute(
                delete(IdentifierRejection).where(IdentifierRejection.event_id.in_(ids))
            )
        )
    removed += _rowcount(
        session.execute(
            delete(IdentityConflict).where(
                or_(
                    IdentityConflict.profile_id.in_(profile_ids),
                    IdentityConflict.other_profile_id.in_(profile_ids),
                )
            )
        )
    )
    session.execute(
        update(Merge)
        .where(or_(Merge.survivor_id.in_(profile_ids), Merge.merged_id.in_(profile_ids)))
        .values(survivor_identifiers=[], merged_identifiers=[])
    )
    return removed


def anonymize_profiles(session: Session, profile_ids: list[int]) -> int:
    return _rowcount(
        session.execute(
            update(Profile)
            .where(Profile.id.in_(profile_ids))
            .values(traits={}, search_name=None, identifier_counts={})
        )
    )


def delete_deliveries(session: Session, profile_ids: list[int], pii: list[str]) -> int:
    """Consent-change webhook deliveries (the outbox's `webhook` channel) about the person."""
    webhook = OutboundMessage.channel == WEBHOOK_CHANNEL
    removed = _rowcount(
        session.execute(
            delete(OutboundMessage).where(webhook, OutboundMessage.profile_id.in_(profile_ids))
        )
    )
    if pii:
        removed += _rowcount(
            session.execute(
                delete(OutboundMessage).where(webhook, _mentions(OutboundMessage.body, pii))
            )
        )
    return removed


def requests(session: Session, limit: int) -> list[PrivacyRequest]:
    query = select(PrivacyRequest).order_by(PrivacyRequest.id.desc()).limit(limit)
    return list(session.execute(query).scalars())


def checkpoint_sqlite(engine: Engine) -> bool:
    """Copy the WAL into the database file and truncate the WAL to zero bytes, so the old
    page versions it holds (with the erased values) leave the disk. False when a reader
    kept it from completing (the next checkpoint finishes the work)."""
    with write_lock(engine), engine.connect() as connection:
        busy, _log, _done = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
        connection.commit()
    return not busy


def vacuum_postgresql(engine: Engine, tables: list[str]) -> None:
    """VACUUM each table: dead row versions (the erased values) are removed from the heap
    and its indexes, so no query, index scan or page inspection reaches them. VACUUM cannot
    run inside a transaction, hence autocommit."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for name in tables:
            connection.execute(text(f'VACUUM "{name}"'))
