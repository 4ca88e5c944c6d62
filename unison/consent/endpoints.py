"""HTTP routes for a profile's consents, history, reachability, preferences and links."""

import hashlib
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from sqlalchemy.orm import Session

from unison.api.deps import (
    AppRuntime,
    ConsentRead,
    ConsentWrite,
    DbSession,
    ReachabilityRead,
)
from unison.api.ids import DbId
from unison.api.openapi import raises
from unison.consent import repository as rows
from unison.consent import service
from unison.consent.errors import (
    ConsentInvalid,
    IdentifierNotOwned,
    NoReachableIdentifier,
    PurposeUnknown,
    TimeZoneUnknown,
)
from unison.consent.ledger import decision
from unison.consent.preference_center import preferences
from unison.consent.schemas import (
    ConsentChange,
    ConsentChanges,
    ConsentHistory,
    ConsentRecord,
    Consents,
    ConsentState,
    Decision,
    Link,
    Preferences,
    PreferencesUpdate,
    Reachability,
    UnsubscribeHeaders,
)
from unison.consent.vocabulary import CHANNEL_IDENTIFIER, CHANNELS, check_purpose
from unison.identity.identifiers import IdentRejected, normalize_lookup
from unison.kit.clock import ensure_utc, utcnow
from unison.kit.errors import InvalidParameter
from unison.profiles.errors import ProfileNotFound

router = APIRouter(prefix="/api/profiles", tags=["consent"])
ProfileId = Annotated[DbId, Path(description="a profile id; merged-away ids still work")]


@router.get("/{profile_id}/consents", response_model=Consents, responses=raises(ProfileNotFound))
def get_consents(
    profile_id: ProfileId,
    session: DbSession,
    _token: ConsentRead,
    at: Annotated[datetime | None, Query(description="ISO 8601: the state at that moment")] = None,
) -> Consents:
    """Current consent per identifier, purpose and channel; with `at`, the state then."""
    live = service.live_id(session, profile_id)
    if at is None:
        items = [ConsentState.model_validate(s) for s in service.current(session, live)]
        return Consents(profile_id=live, items=items)
    moment = ensure_utc(at)
    found = service.state_at(session, live, moment)
    return Consents(
        profile_id=live, at=moment, items=[ConsentState.model_validate(r) for r in found]
    )


@router.get(
    "/{profile_id}/consents/history",
    response_model=ConsentHistory,
    responses=raises(ProfileNotFound),
)
def get_history(
    profile_id: ProfileId,
    session: DbSession,
    _token: ConsentRead,
) -> ConsentHistory:
    """Every ledger record for the profile's identifiers, oldest first, with its proof."""
    live = service.live_id(session, profile_id)
    items = [ConsentRecord.model_validate(r) for r in service.history(session, live)]
    return ConsentHistory(profile_id=live, items=items)


@router.post(
    "/{profile_id}/consents",
    response_model=ConsentHistory,
    status_code=201,
    responses=raises(
        ProfileNotFound, PurposeUnknown, NoReachableIdentifier, IdentifierNotOwned, ConsentInvalid
    ),
)
def record_consents(
    profile_id: ProfileId,
    body: ConsentChanges,
    session: DbSession,
    runtime: AppRuntime,
    token: ConsentWrite,
) -> ConsentHistory:
    """Record consent changes (as given by the customer to an agent, or imported)."""
    live = service.live_id(session, profile_id)
    kinds = service.kinds(session, runtime.settings)
    written = []
    for index, change in enumerate(body.changes):
        check_purpose(change.purpose, kinds, field=f"changes.{index}.purpose")
        how = service.Provenance(
            source=change.source,
            actor="import" if change.source == "import" else f"agent:{token.name}",
            occurred_at=ensure_utc(change.occurred_at) if change.occurred_at else utcnow(),
            source_channel=change.channel,
            proof=_proof(change),
        )
        changes = [
            service.Change(
                ident,
                change.purpose,
                change.channel,
                change.status,
                change.legal_basis,
                change.expires_at,
            )
            for ident in _targets(session, live, change, index)
        ]
        written += service.record(session, live, changes, how)
    return ConsentHistory(profile_id=live, items=[ConsentRecord.model_validate(r) for r in written])


def _proof(change: ConsentChange) -> dict[str, object]:
    proof = change.proof.model_dump(exclude_none=True, exclude={"notice_text"})
    if change.proof.notice_text is not None:
        proof["notice_hash"] = hashlib.sha256(change.proof.notice_text.encode()).hexdigest()
    return proof


def _targets(
    session: Session, live: int, change: ConsentChange, index: int, field: str | None = None
) -> list[tuple[str, str]]:
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


@router.get(
    "/{profile_id}/reachability",
    response_model=Reachability,
    responses=raises(ProfileNotFound, PurposeUnknown),
)
def reachability(
    profile_id: ProfileId,
    session: DbSession,
    runtime: AppRuntime,
    _token: ReachabilityRead,
    purpose: Annotated[str, Query(max_length=60)] = "marketing",
    at: Annotated[datetime | None, Query(description="ISO 8601; default now")] = None,
) -> Reachability:
    """Every channel with its allow/deny decision and reason for one purpose."""
    live = service.live_id(session, profile_id)
    kinds = service.kinds(session, runtime.settings)
    check_purpose(purpose, kinds)
    moment = ensure_utc(at) if at else utcnow()
    decisions = [
        decision.can_contact(session, live, purpose, channel, kind=kinds[purpose], at=moment)
        for channel in CHANNELS
    ]
    prefs = preferences.get(session, live)
    return Reachability(
        profile_id=live,
        purpose=purpose,
        at=moment,
        in_quiet_hours=preferences.in_quiet_hours(prefs, moment),
        preferences=prefs,
        channels=[Decision(**d.as_dict()) for d in decisions],
    )


@router.get(
    "/{profile_id}/preferences", response_model=Preferences, responses=raises(ProfileNotFound)
)
def get_preferences(
    profile_id: ProfileId,
    session: DbSession,
    _token: ConsentRead,
) -> Preferences:
    """Preferred channel and language, frequency, quiet hours and time zone."""
    return preferences.get(session, service.live_id(session, profile_id))


@router.put(
    "/{profile_id}/preferences",
    response_model=Preferences,
    responses=raises(ProfileNotFound, TimeZoneUnknown),
)
def put_preferences(
    profile_id: ProfileId,
    body: PreferencesUpdate,
    session: DbSession,
    _token: ConsentWrite,
) -> Preferences:
    """Replace the profile's preferences."""
    live = service.live_id(session, profile_id)
    preferences.save(session, live, body, "api")
    return preferences.get(session, live)


@router.post(
    "/{profile_id}/preference-link", response_model=Link, responses=raises(ProfileNotFound)
)
def preference_link(
    profile_id: ProfileId,
    session: DbSession,
    runtime: AppRuntime,
    _token: ConsentWrite,
    language: Annotated[str | None, Query(max_length=10)] = None,
) -> Link:
    """A signed, expiring link to the profile's preference center (to put in messages)."""
    url = preferences.preference_link(
        runtime.settings, service.live_id(session, profile_id), language
    )
    return Link(url=url, expires_at=preferences.link_expiry(runtime.settings, url))


@router.get(
    "/{profile_id}/unsubscribe-headers",
    response_model=UnsubscribeHeaders,
    responses=raises(ProfileNotFound, PurposeUnknown, IdentifierNotOwned),
)
def unsubscribe_headers(
    profile_id: ProfileId,
    email: Annotated[str, Query(max_length=255)],
    session: DbSession,
    runtime: AppRuntime,
    _token: ConsentWrite,
    purpose: Annotated[str, Query(max_length=60)] = "marketing",
) -> UnsubscribeHeaders:
    """List-Unsubscribe and List-Unsubscribe-Post (RFC 8058) for an email to this address."""
    live = service.live_id(session, profile_id)
    check_purpose(purpose, service.kinds(session, runtime.settings))
    change = ConsentChange(purpose=purpose, channel="email", status="withdrawn", identifier=email)
    ((_, address),) = _targets(session, live, change, 0, field="email")
    url = preferences.unsubscribe_link(runtime.settings, live, address, purpose)
    headers = preferences.list_unsubscribe_headers(url)
    return UnsubscribeHeaders(
        list_unsubscribe=headers["List-Unsubscribe"],
        list_unsubscribe_post=headers["List-Unsubscribe-Post"],
        url=url,
    )
