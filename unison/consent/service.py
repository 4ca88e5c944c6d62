"""Recording consent (the one write path) and reading it: current, history, at a moment.

Every input (API, events, keywords, unsubscribes, the preference center) ends in `record`,
which appends to the profile's chain, moves the projection and announces the change.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from unison.consent import repository as rows
from unison.consent.errors import ConsentInvalid, IdentifierNotOwned, NoReachableIdentifier
from unison.consent.ledger import decision, propagation
from unison.consent.ledger.chain import Break, record_hash, verify_chain
from unison.consent.ledger.decision import Ask, Decision
from unison.consent.ledger.ordering import in_force
from unison.consent.schemas import ConsentChange
from unison.consent.vocabulary import CHANNEL_IDENTIFIER, STATUSES, check_purpose, purpose_kinds
from unison.identity.identifiers import IdentRejected, normalize_lookup
from unison.kit.clock import ensure_utc, utcnow
from unison.kit.errors import InvalidParameter
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


def contactable_each(
    session: Session, asks: list[Ask], purpose: str, channel: str, *, kind: str
) -> list[Decision]:
    """May each (profile, identifier) be contacted now for `purpose` on `channel`, judging
    only that identifier (None: any the profile holds), in order: `can_contact` with
    `identifier` asked for many in a few statements (the send-time gate's lease)."""
    return decision.can_contact_each(session, asks, purpose, channel, kind=kind)


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


def record_requested(
    session: Session,
    settings: Settings,
    profile_id: int,
    requested: list[ConsentChange],
    actor: str,
) -> tuple[int, list[ConsentRecord]]:
    """Record changes a person asked staff for (API or console): each purpose declared, each
    bound to the profile's own identifiers of the channel, with its proof. `actor` names
    the staff member (`agent:<token>`, `user:<name>`); imports are recorded as `import`."""
    live = live_id(session, profile_id)
    declared = kinds(session, settings)
    written: list[ConsentRecord] = []
    for index, change in enumerate(requested):
        check_purpose(change.purpose, declared, field=f"changes.{index}.purpose")
        how = Provenance(
            source=change.source,
            actor="import" if change.source == "import" else actor,
            occurred_at=ensure_utc(change.occurred_at) if change.occurred_at else utcnow(),
            source_channel=change.channel,
            proof=proof_of(change),
        )
        changes = [
            Change(
                ident,
                change.purpose,
                change.channel,
                change.status,
                change.legal_basis,
                change.expires_at,
            )
            for ident in targets(session, live, change, index)
        ]
        written += record(session, live, changes, how)
    return live, written


def proof_of(change: ConsentChange) -> dict[str, object]:
    """The proof as kept: the notice text is hashed (SHA-256), never stored."""
    proof = change.proof.model_dump(exclude_none=True, exclude={"notice_text"})
    if change.proof.notice_text is not None:
        proof["notice_hash"] = hashlib.sha256(change.proof.notice_text.encode()).hexdigest()
    return proof


def targets(
    session: Session, live: int, change: ConsentChange, index: int, field: str | None = None
) -> list[tuple[str, str]]:
    """The identifiers a change binds to: the one named (it must be the profile's own), else
    every identifier the profile has for the channel."""
    kind = CHANNEL_IDENTIFIER[change.channel]
    if change.identifier is None:
        found = rows.identifiers_of(session, live, [kind])
        if not found:
            raise NoReachableIdentifier(
                f"profile {live} has no {kind} for channel {change.channel}",
                field=f"changes.{index}.channel",
            )
        return found
    normalized = normalize_lookup(kind, change.identifier)
    if isinstance(normalized, IdentRejected):
        raise InvalidParameter(f"{kind}: {normalized.reason}", field=f"changes.{index}.identifier")
    ident = (normalized.type, normalized.value)
    if rows.owner_of(session, ident) != live:
        raise IdentifierNotOwned(
            f"this {kind} does not belong to profile {live}; consent is bound to the profile's "
            "own identifiers",
            field=field or f"changes.{index}.identifier",
        )
    return [ident]
