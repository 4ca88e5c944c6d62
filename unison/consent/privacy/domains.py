"""The built-in domains' exporters and erasers, one per table family.

Order matters for erasure only in that the suppression entries are written last (by the
service), from identifiers gathered before anything was removed.
"""

from typing import Any

from sqlalchemy.orm import Session

from unison.consent import repository as consent_rows
from unison.consent import service as consent
from unison.consent.ledger import webhooks
from unison.consent.ledger.suppression import identifier_hash
from unison.consent.preference_center.preferences import get as get_preferences
from unison.consent.privacy import repository as rows
from unison.consent.privacy.registry import Subject, register
from unison.consent.schemas import ConsentRecord, ConsentState
from unison.kit.clock import utcnow
from unison.outbox import queue as outbox
from unison.profiles import computed_traits
from unison.profiles.search import service as search
from unison.profiles.service import profile_view


def _export_profile(session: Session, subject: Subject) -> Any:
    return profile_view(session, subject.profile_id).model_dump(mode="json")


def _export_events(session: Session, subject: Subject) -> Any:
    return [
        {
            "id": e.id,
            "timestamp": e.timestamp.isoformat(),
            "channel": e.channel,
            "payload": e.payload,
        }
        for e in rows.events(session, subject.event_ids)
    ]


def _erase_events(session: Session, subject: Subject) -> int:
    mentioned = rows.events_mentioning(session, subject.pii)
    changed = rows.anonymize_events(session, sorted(set(subject.event_ids) | set(mentioned)))
    return changed + rows.delete_rejected_mentioning(session, subject.pii)


def _export_identity(_session: Session, subject: Subject) -> Any:
    return [{"type": kind, "value": value} for kind, value in subject.identifiers]


def _erase_identity(session: Session, subject: Subject) -> int:
    values = [value for _, value in subject.identifiers]
    return rows.erase_identity(session, subject.profile_ids, values, subject.event_ids)


def _erase_profiles(session: Session, subject: Subject) -> int:
    erased = computed_traits.erase(session, subject.profile_ids)  # derived from the profile
    search.forget(session, subject.profile_ids)  # gone from search at once, with its PII
    return erased + rows.anonymize_profiles(session, subject.profile_ids)


def _export_consent(session: Session, subject: Subject) -> Any:
    return {
        "current": [
            ConsentState.model_validate(s).model_dump(mode="json")
            for s in consent.current(session, subject.profile_id)
        ],
        "history": [
            ConsentRecord.model_validate(r).model_dump(mode="json")
            for r in consent.history(session, subject.profile_id)
        ],
        "preferences": get_preferences(session, subject.profile_id).model_dump(mode="json"),
        "webhook_deliveries": [
            webhooks.exported(d) for d in webhooks.deliveries(session, subject.profile_ids)
        ],
    }


def _erase_consent(session: Session, subject: Subject) -> int:
    hashes = {
        value: f"sha256:{identifier_hash((kind, value))}" for kind, value in subject.identifiers
    }
    redacted = consent_rows.erase_identifiers(
        session, subject.identifiers, subject.profile_ids, hashes, utcnow()
    )
    return redacted + rows.delete_deliveries(session, subject.profile_ids, subject.pii)


def _export_messages(session: Session, subject: Subject) -> Any:
    return [
        {
            "id": m.id,
            "channel": m.channel,
            "recipient": m.recipient,
            "purpose": m.purpose,
            "language": m.language,
            "body": m.body,
            "status": m.status,
            "created_at": m.created_at.isoformat(),
        }
        for m in outbox.of_profiles(session, subject.profile_ids, other_than=[webhooks.CHANNEL])
    ]


def _erase_messages(session: Session, subject: Subject) -> int:
    values = [value for _, value in subject.identifiers]
    return outbox.erase(session, subject.profile_ids, values, not_personal=[webhooks.CHANNEL])


register("profile", export=_export_profile, erase=_erase_profiles)
register("identifiers", export=_export_identity, erase=_erase_identity)
register("events", export=_export_events, erase=_erase_events)
register("consent", export=_export_consent, erase=_erase_consent)
register("messages", export=_export_messages, erase=_erase_messages)

# Domains above consent (inbox, segments, messaging...) register theirs on import; the
# composition root imports them all (unison/app/privacy.py), consent imports none of them.
