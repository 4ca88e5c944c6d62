"""Recording consent (the one write path) and reading it: current, history, at a moment.

Every input (API, events, keywords, unsubscribes, the preference center) ends in `record`,
which appends to the profile's chain, moves the projection and announces the change.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from unison.consent import repository as rows
from unison.consent.errors import ConsentInvalid
from unison.consent.ledger import decision, propagation
from unison.consent.ledger.chain import Break, record_hash, verify_chain
from unison.consent.ledger.decision import Decision
from unison.consent.ledger.ordering import in_force
from unison.consent.vocabulary import STATUSES, purpose_kinds
from unison.kit.clock import utcnow
from unison.kit.settings import Settings
from unison.models import ConsentRecord, ConsentState
from unison.profiles.errors import ProfileNotFound

Ident = tuple[str, str]


@dataclass(frozen=True)
class Change:
    identifier: Ident
    purpose: str
    channel: str
    status: str
    legal_basis: str = "consent"
    expires_at: datetime | None = None


@dataclass(frozen=True)
class Provenance:
    source: str
    actor: str
    occurred_at: datetime
    source_channel: str | None = None
    proof: dict[str, Any] = field(default_factory=dict)
    event_id: int | None = None


def live_id(session: Session, profile_id: int) -> int:
    found = rows.canonical_id(session, profile_id)
    if found is None:
        raise ProfileNotFound(f"no profile with id {profile_id}", field="profile_id")
    return found


def kinds(session: Session, settings: Settings) -> dict[str, str]:
    return purpose_kinds(settings, rows.declared_purposes(session))


def contactable(
    session: Session, profile_ids: list[int], purpose: str, channel: str, *, kind: str
) -> dict[int, Decision]:
    """May each of these profiles be contacted now for `purpose` on `channel`: the one
    decision point (`can_contact`) asked for many profiles in a few statements."""
    return decision.can_contact_many(session, profile_ids, purpose, channel, kind=kind)


def record(
    session: Session, profile_id: int, changes: list[Change], how: Provenance
) -> list[ConsentRecord]:
    """Append the changes to the profile's chain, project them and announce them."""
    if not changes:
        return []
    for change in changes:
        if change.status not in STATUSES:
            raise ConsentInvalid(
                f"status {change.status!r} is not accepted; accepted: {', '.join(STATUSES)}",
                field="status",
            )
    now = utcnow()
    seq, previous = rows.lock_head(session, profile_id)
    written: list[ConsentRecord] = []
    for change in changes:
        seq += 1
        fields: dict[str, Any] = {
            "profile_id": profile_id,
            "seq": seq,
            "identifier_type": change.identifier[0],
            "identifier_value": change.identifier[1],
            "purpose": change.purpose,
            "channel": change.channel,
            "status": change.status,
            "legal_basis": change.legal_basis,
            "source": how.source,
            "source_channel": how.source_channel,
            "actor": how.actor,
            "proof": how.proof,
            "occurred_at": how.occurred_at,
            "recorded_at": now,
            "expires_at": change.expires_at,
            "event_id": how.event_id,
            "prev_hash": previous,
        }
        fields["hash"] = previous = record_hash(fields)
        written.append(ConsentRecord(id=rows.add_record(session, fields), **fields))
    rows.set_head(session, profile_id, seq, previous)
    rows.project(session, [_state(r) for r in written])
    propagation.announce(session, written, now)
    return written


# The record's fields the current-state projection keeps (besides the record's id).
_PROJECTED = (
    "identifier_type",
    "identifier_value",
    "purpose",
    "channel",
    "profile_id",
    "status",
    "source",
    "source_channel",
    "occurred_at",
    "expires_at",
)


def _state(record: ConsentRecord) -> dict[str, Any]:
    return {"record_id": record.id, **{name: getattr(record, name) for name in _PROJECTED}}


def current(session: Session, profile_id: int) -> list[ConsentState]:
    """The state of every (identifier, purpose, channel) of the profile's identifiers now."""
    return rows.states(session, rows.identifiers_of(session, profile_id))


def history(session: Session, profile_id: int) -> list[ConsentRecord]:
    return rows.records(session, rows.identifiers_of(session, profile_id))


def state_at(session: Session, profile_id: int, at: datetime) -> list[ConsentRecord]:
    """The record in force at `at` for every (identifier, purpose, channel) that had one."""
    found = in_force(rows.records(session, rows.identifiers_of(session, profile_id), at=at))
    return sorted(found, key=lambda r: (r.purpose, r.channel, r.identifier_value))


@dataclass(frozen=True)
class Verification:
    chains: int
    records: int
    breaks: list[Break]


def verify(session: Session) -> Verification:
    """Recompute every chain; any edited, removed or reordered record shows as a break."""
    heads = rows.heads(session)
    breaks: list[Break] = []
    chains = records = 0
    seen: set[int] = set()
    for profile_id, chain in rows.records_by_profile(session):
        seen.add(profile_id)
        chains += 1
        records += len(chain)
        breaks += verify_chain(profile_id, chain, heads.get(profile_id))
    for profile_id, (seq, _) in heads.items():
        if profile_id not in seen and seq > 0:
            breaks.append(Break(profile_id, seq, None, "chain head names records that are gone"))
    return Verification(chains, records, breaks)
