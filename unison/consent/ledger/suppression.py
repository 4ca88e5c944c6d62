"""The global suppression list: identifiers kept only as hashes, so an erased or bounced
address is still recognized when it comes back (a later import cannot recontact it)."""

from dataclasses import dataclass

from sqlalchemy.orm import Session

from unison.consent import repository
from unison.consent.errors import SuppressionInvalid
from unison.consent.vocabulary import CHANNEL_IDENTIFIER, SUPPRESSION_REASONS
from unison.identity.identifiers import IdentRejected, normalize_lookup
from unison.kit.clock import utcnow

Ident = tuple[str, str]
SUPPRESSIBLE_TYPES = tuple(sorted(set(CHANNEL_IDENTIFIER.values())))


@dataclass(frozen=True)
class Listed:
    reason: str
    identifier_type: str


def identifier_hash(ident: Ident) -> str:
    """SHA-256 of "type:normalized value"; the value itself is never stored here."""
    return repository.identifier_hash(*ident)


def normalize(kind: str, value: str) -> Ident:
    if kind not in SUPPRESSIBLE_TYPES:
        raise SuppressionInvalid(
            f"identifier type {kind!r} cannot be suppressed; accepted: "
            f"{', '.join(SUPPRESSIBLE_TYPES)}",
            field="identifier_type",
        )
    found = normalize_lookup(kind, value)
    if isinstance(found, IdentRejected):
        raise SuppressionInvalid(f"{kind}: {found.reason}", field="identifier")
    return found.type, found.value


def suppress(session: Session, ident: Ident, reason: str, note: str = "") -> bool:
    if reason not in SUPPRESSION_REASONS:
        raise SuppressionInvalid(
            f"reason {reason!r} is not accepted; accepted: {', '.join(SUPPRESSION_REASONS)}",
            field="reason",
        )
    return repository.add_suppression(
        session,
        {
            "identifier_hash": identifier_hash(ident),
            "identifier_type": ident[0],
            "reason": reason,
            "note": note,
            "created_at": utcnow(),
        },
    )


def listed(session: Session, idents: list[Ident]) -> dict[Ident, list[Listed]]:
    by_hash = {identifier_hash(i): i for i in idents}
    found: dict[Ident, list[Listed]] = {}
    for digest, kind, reason in repository.suppression_reasons(session, list(by_hash)):
        found.setdefault(by_hash[digest], []).append(Listed(reason, kind))
    return found
