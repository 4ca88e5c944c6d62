"""HTTP routes for a profile's consents, history, reachability, preferences and links."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from unison.api.deps import (
    AppRuntime,
    ConsentRead,
    ConsentWrite,
    DbSession,
    ReachabilityRead,
)
from unison.api.ids import ProfileId
from unison.api.openapi import raises
from unison.auth import audit
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
from unison.consent.vocabulary import CHANNELS, check_purpose
from unison.kit.clock import ensure_utc, utcnow
from unison.profiles.errors import ProfileNotFound

router = APIRouter(prefix="/api/profiles", tags=["consent"])


@router.get("/{profile_id}/consents", responses=raises(ProfileNotFound))
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
    live, written = service.record_requested(
        session, runtime.settings, profile_id, body.changes, f"agent:{token.name}"
    )
    details = {"changes": [f"{c.purpose}/{c.channel}={c.status}" for c in body.changes]}
    audit.record(session, audit.token_actor(token), "consent.change", f"profile:{live}", details)
    return ConsentHistory(profile_id=live, items=[ConsentRecord.model_validate(r) for r in written])


@router.get(
    "/{profile_id}/reachability",
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


@router.get("/{profile_id}/preferences", responses=raises(ProfileNotFound))
def get_preferences(
    profile_id: ProfileId,
    session: DbSession,
    _token: ConsentRead,
) -> Preferences:
    """Preferred channel and language, frequency, quiet hours and time zone."""
    return preferences.get(session, service.live_id(session, profile_id))


@router.put(
    "/{profile_id}/preferences",
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


@router.post("/{profile_id}/preference-link", responses=raises(ProfileNotFound))
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
    ((_, address),) = service.targets(session, live, change, 0, field="email")
    url = preferences.unsubscribe_link(runtime.settings, live, address, purpose)
    headers = preferences.list_unsubscribe_headers(url)
    return UnsubscribeHeaders(
        list_unsubscribe=headers["List-Unsubscribe"],
        list_unsubscribe_post=headers["List-Unsubscribe-Post"],
        url=url,
    )
