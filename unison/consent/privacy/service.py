"""Export everything held about a person, or erase it, and record the request."""

import logging
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from unison.consent import service as consent
from unison.consent.ledger import suppression
from unison.consent.privacy import domains as _builtin  # noqa: F401 - registers the erasers
from unison.consent.privacy import repository as rows
from unison.consent.privacy.registry import DOMAINS, Subject
from unison.kit.clock import isoformat_z, utcnow
from unison.models import Base, PrivacyRequest

FORMAT = "unison.privacy.export/1"
log = logging.getLogger(__name__)
# Traits whose values identify the person by themselves: searched for everywhere on erasure.
NAME_TRAITS = (
    "name",
    "first_name",
    "last_name",
    "firstName",
    "lastName",
    "username",
    "email",
    "phone",
)


def subject(session: Session, profile_id: int) -> Subject:
    live = consent.live_id(session, profile_id)
    group = rows.group_ids(session, live)
    identifiers = rows.identifiers(session, group)
    pii = {value for _, value in identifiers if len(value) >= 4}
    for profile in rows.profiles(session, group):
        for name in NAME_TRAITS:
            trait = profile.traits.get(name)
            value = trait.get("value") if isinstance(trait, dict) else None
            if isinstance(value, str) and len(value.strip()) >= 4:
                pii.add(value.strip())
    return Subject(live, group, identifiers, rows.event_ids(session, group), sorted(pii))


def export(session: Session, profile_id: int, requested_by: str) -> dict[str, Any]:
    person = subject(session, profile_id)
    bundle: dict[str, Any] = {
        "format": FORMAT,
        "generated_at": isoformat_z(utcnow()),
        "profile_id": person.profile_id,
    }
    for domain in DOMAINS.values():
        if domain.export is not None:
            bundle[domain.name] = domain.export(session, person)
    _record(session, "export", person, requested_by, {"sections": sorted(bundle)})
    return bundle


def erase(session: Session, profile_id: int, requested_by: str) -> dict[str, Any]:
    """Remove or anonymize the person everywhere; only hashed suppression entries remain."""
    person = subject(session, profile_id)
    summary: dict[str, Any] = {}
    for domain in DOMAINS.values():
        if domain.erase is not None:
            summary[domain.name] = domain.erase(session, person)
    for ident in person.identifiers:
        suppression.suppress(
            session, ident, "erasure", note=f"privacy erasure of {person.profile_id}"
        )
    summary["suppressed"] = len(person.identifiers)
    request = _record(session, "erase", person, requested_by, summary)
    return {"request_id": request.id, "profile_id": person.profile_id, "affected": summary}


def _record(
    session: Session, kind: str, person: Subject, requested_by: str, summary: dict[str, Any]
) -> PrivacyRequest:
    request = PrivacyRequest(
        kind=kind,
        profile_id=person.profile_id,
        subject_hashes=[suppression.identifier_hash(i) for i in person.identifiers],
        requested_by=requested_by,
        summary=summary,
        created_at=utcnow(),
    )
    session.add(request)
    session.flush()
    return request


def scrub_storage(engine: Engine) -> bool:
    """After an erasure has committed: make the erased values leave the store's files.

    SQLite zeroes deleted content in place (secure_delete), but the WAL still holds the
    earlier page versions until a checkpoint truncates it. PostgreSQL keeps dead row
    versions in the heap until VACUUM; every Unison table is vacuumed because the erasers of
    every domain touch most of them. True when the store reports the work complete.
    """
    if engine.dialect.name == "sqlite":
        done = rows.checkpoint_sqlite(engine)
        if not done:
            log.warning("erasure: a reader kept the WAL checkpoint from completing")
        return done
    rows.vacuum_postgresql(engine, [t.name for t in Base.metadata.sorted_tables])
    return True
