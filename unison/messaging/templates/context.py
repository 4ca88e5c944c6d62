"""What a template sees: the profile (traits, identifiers, computed traits, with CLV and RFM
under their own names), the triggering event, the campaign, the chosen locale, and the
helpers bound to this customer. Read through profiles' and consent's services."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from unison.consent import preferences
from unison.profiles import service as profiles
from unison.profiles.schemas import ProfileView

# name in the template -> computed trait written by clv (unison/clv) / rfm (segments/rfm.py)
CLV = {
    "historical": "clv_historical",
    "predicted_12m": "clv_12m",
    "p_alive": "p_alive",
    "expected_orders_90d": "expected_orders_90d",
    "tier": "clv_tier",
}
RFM = {"r": "rfm_r", "f": "rfm_f", "m": "rfm_m", "cell": "rfm_cell"}
LANGUAGE_TRAITS = ("locale", "language", "preferred_language")


@dataclass(frozen=True)
class Person:
    """The profile as a template reads it, and what the render needs to know about them."""

    view: ProfileView
    variables: dict[str, Any]
    locales: list[str]  # the customer's own, most preferred first
    email: str | None
    zone: tzinfo


def person(session: Session, profile_id: int) -> Person:
    view = profiles.profile_view(session, profile_id)
    prefs = preferences.get(session, view.id)
    traits = {name: trait.value for name, trait in view.traits.items()}
    computed = {name: c.value for name, c in view.computed_traits.items()}
    identifiers: dict[str, str] = {}
    for ident in view.identifiers:
        identifiers.setdefault(ident.type, ident.value)
    profile = {
        "id": view.id,
        "traits": traits,
        "identifiers": identifiers,
        "computed": computed,
        "first_seen": view.stats.first_seen.isoformat(),
        "last_seen": view.stats.last_seen.isoformat(),
        "order_count": view.stats.order_count,
        "revenue": dict(view.stats.revenue),
    }
    variables = {
        "profile": profile,
        "traits": traits,
        "computed": computed,
        "clv": _named(computed, CLV),
        "rfm": _named(computed, RFM),
    }
    own: list[str] = [prefs.preferred_language] if prefs.preferred_language else []
    own += [v for v in (traits.get(n) for n in LANGUAGE_TRAITS) if isinstance(v, str)]
    return Person(view, variables, own, identifiers.get("email"), _zone(prefs.time_zone))


def _named(computed: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    return {short: computed[long] for short, long in names.items() if long in computed}


def _zone(name: str | None) -> tzinfo:
    if not name:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC
