"""The one decision point: may we contact this profile for this purpose on this channel?

A channel is reached through one identifier type (email address, phone number, messenger
id); the profile may hold several. Each identifier is judged on its own consent, so a grant
given for one address never covers another that arrived through a merge. The first allowed
identifier wins; if none is, the answer carries the first identifier's reason.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from unison.consent import repository as rows
from unison.consent.ledger import suppression
from unison.consent.ledger.ordering import in_force
from unison.consent.repository import DecisionRow
from unison.consent.vocabulary import CHANNEL_IDENTIFIER, SERVICE
from unison.kit.clock import ensure_utc, isoformat_z, utcnow
from unison.models import ConsentRecord

# `at` this far in the past is a question about history: answered from the ledger.
_PRESENT = timedelta(seconds=5)
_MARKETING_ONLY = frozenset({"spam_complaint", "objection"})
Ask = tuple[int, str | None]  # a profile id, and the one identifier to judge (None: any)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    detail: str
    channel: str
    purpose: str
    identifier: str | None = None  # the address or number to use (or that was judged)

    def as_dict(self) -> dict[str, Any]:
        return {
            "channel": self.channel,
            "purpose": self.purpose,
            "allowed": self.allowed,
            "reason": self.reason,
            "detail": self.detail,
            "identifier": self.identifier,
        }


def can_contact(
    session: Session,
    profile_id: int,
    purpose: str,
    channel: str,
    *,
    kind: str,
    at: datetime | None = None,
    identifier: str | None = None,
) -> Decision:
    """Allow or deny with the reason; `kind` is the purpose's kind (service or marketing).
    With `identifier`, only that address or number is judged (the send-time gate re-checks
    the exact identifier a queued message is addressed to)."""
    moment = ensure_utc(at) if at is not None else utcnow()
    ident_type = CHANNEL_IDENTIFIER[channel]
    if utcnow() - moment > _PRESENT:
        live = rows.canonical_id(session, profile_id)
        found = (
            [] if live is None else _historic(session, live, ident_type, purpose, channel, moment)
        )
        listed = suppression.listed(session, [(ident_type, row[0]) for row in found])
        reasons = {ident[1]: entries for ident, entries in listed.items()}
    else:  # the hot path: profile, identifiers, state and suppression in one or two queries
        found, names = rows.decision(session, profile_id, ident_type, purpose, channel)
        reasons = {
            value: [suppression.Listed(r, ident_type) for r in found_reasons]
            for value, found_reasons in names.items()
        }
    if identifier is not None:
        found = [row for row in found if row[0] == identifier]
    known = bool(found) or rows.canonical_id(session, profile_id) is not None
    return _conclude(profile_id, known, found, reasons, purpose, channel, kind, moment, identifier)


def can_contact_many(
    session: Session, profile_ids: list[int], purpose: str, channel: str, *, kind: str
) -> dict[int, Decision]:
    """`can_contact` now for each of `profile_ids`, read in a few statements whatever their
    number (segments ask it for every profile of a round or a recompute)."""
    asks: list[Ask] = [(pid, None) for pid in profile_ids]
    decided = can_contact_each(session, asks, purpose, channel, kind=kind)
    return dict(zip(profile_ids, decided, strict=True))


def can_contact_each(
    session: Session, asks: list[Ask], purpose: str, channel: str, *, kind: str
) -> list[Decision]:
    """`can_contact(session, profile_id, ..., identifier=identifier)` now for each (profile_id,
    identifier) asked, in order, read in a few statements whatever their number (the
    send-time gate asks it for every message of a lease, each for the exact identifier it is
    addressed to; None judges all the profile's identifiers for the channel)."""
    ident_type = CHANNEL_IDENTIFIER[channel]
    profile_ids = sorted({pid for pid, _ in asks})
    found = rows.decisions_of(session, profile_ids, ident_type, purpose, channel)
    reasons = {
        value: [suppression.Listed(r, ident_type) for r in listed]
        for value, listed in found.reasons.items()
    }
    moment = utcnow()
    decided: list[Decision] = []
    for pid, identifier in asks:
        held = found.rows.get(pid, [])
        if identifier is not None:
            held = [row for row in held if row[0] == identifier]
        known = pid in found.known
        decided.append(
            _conclude(pid, known, held, reasons, purpose, channel, kind, moment, identifier)
        )
    return decided


def _conclude(
    profile_id: int,
    known: bool,
    found: list[DecisionRow],
    reasons: dict[str, list[suppression.Listed]],
    purpose: str,
    channel: str,
    kind: str,
    moment: datetime,
    identifier: str | None = None,
) -> Decision:
    """The decision from a profile's identifiers for the channel, each with its state
    (`identifier`: the one identifier asked about, when only it was judged)."""
    if not known:
        return Decision(False, "unknown_profile", f"no profile {profile_id}", channel, purpose)
    if not found:
        ident_type = CHANNEL_IDENTIFIER[channel]
        held = "no" if identifier is None else "no longer this"
        return Decision(
            False,
            "no_reachable_identifier",
            f"the profile has {held} {ident_type} to reach it on {channel}",
            channel,
            purpose,
            identifier,
        )
    decisions = [
        _judge(row, reasons.get(row[0], []), purpose, channel, kind, moment) for row in found
    ]
    return next((d for d in decisions if d.allowed), decisions[0])


def _historic(
    session: Session, profile_id: int, ident_type: str, purpose: str, channel: str, at: datetime
) -> list[DecisionRow]:
    idents = rows.identifiers_of(session, profile_id, [ident_type])
    wanted = [
        r
        for r in rows.records(session, idents, at=at)
        if (r.purpose, r.channel) == (purpose, channel)
    ]
    latest: dict[str, ConsentRecord] = {r.identifier_value: r for r in in_force(wanted)}
    result: list[DecisionRow] = []
    for _, value in idents:
        found = latest.get(value)
        if found is None:
            result.append((value, None, None, None, None, None))
        else:
            result.append(
                (
                    value,
                    found.status,
                    found.occurred_at,
                    found.expires_at,
                    found.source,
                    found.source_channel,
                )
            )
    return result


def _judge(
    row: DecisionRow,
    listed: list[suppression.Listed],
    purpose: str,
    channel: str,
    kind: str,
    at: datetime,
) -> Decision:
    value, status, occurred_at, expires_at, source, source_channel = row
    service = kind == SERVICE
    for entry in listed:
        if service and entry.reason in _MARKETING_ONLY:
            continue
        reason = "objection" if entry.reason == "objection" else f"suppressed_{entry.reason}"
        return Decision(
            False,
            reason,
            f"{entry.identifier_type} is on the suppression list ({entry.reason})",
            channel,
            purpose,
            value,
        )
    if status in ("withdrawn", "denied"):
        via = source_channel or source
        return Decision(
            False,
            status,
            f"{status} on {isoformat_z(occurred_at)} via {via} ({source})",
            channel,
            purpose,
            value,
        )
    if service:
        # Transactional messages rest on the contract, not on marketing consent; only an
        # explicit refusal (above) or a suppression stops them.
        return Decision(
            True, "service", "service messages need no marketing consent", channel, purpose, value
        )
    if status is None:
        return Decision(
            False,
            "no_consent",
            f"no consent recorded for {purpose} on {channel}",
            channel,
            purpose,
            value,
        )
    if status == "pending":
        return Decision(
            False,
            "pending_confirmation",
            "awaiting double opt-in confirmation",
            channel,
            purpose,
            value,
        )
    if expires_at is not None and ensure_utc(expires_at) <= at:
        return Decision(
            False,
            "expired",
            f"consent expired on {isoformat_z(expires_at)}",
            channel,
            purpose,
            value,
        )
    return Decision(
        True,
        "consent",
        f"granted on {isoformat_z(occurred_at)} via {source_channel or source}",
        channel,
        purpose,
        value,
    )
