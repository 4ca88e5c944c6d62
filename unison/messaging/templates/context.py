"""What a template sees: the profile (traits, identifiers, computed traits, with CLV and RFM
under their own names), the triggering event, the campaign, the chosen locale, and the
helpers bound to this customer. Read through profiles' and consent's services."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from unison.consent.preference_center import preferences
from unison.consent.schemas import Preferences
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
VARIABLES = frozenset({"profile", "traits", "computed", "clv", "rfm"})  # `Person.variable`


@dataclass(frozen=True)
class Facts:
    """The profile fields a template reads, from the 360 view or read for a whole chunk."""

    live_id: int
    traits: dict[str, Any]  # name -> value
    identifiers: dict[str, str]  # type -> the first value of that type
    computed: dict[str, Any]
    first_seen: datetime
    last_seen: datetime
    order_count: int
    revenue: dict[str, float]


class Person:
    """The profile as a template reads it, and what the render needs to know about them.
    Consent's preferences (language, time zone) are read only when a render needs them:
    most renders are given the locale chain and format no time. A chunk's renders are given
    the preferences read for the whole chunk (`prefs`)."""

    def __init__(self, session: Session, facts: Facts, prefs: Preferences | None = None) -> None:
        self._session, self.id = session, facts.live_id
        self._prefs, self._facts = prefs, facts
        self.traits, self.email = facts.traits, facts.identifiers.get("email")

    def variable(self, name: str) -> Any:
        """The template variable `name` (one of VARIABLES), built only when a template
        names it: most read `traits` alone, and a chunk renders thousands."""
        facts = self._facts
        if name == "profile":
            return {
                "id": facts.live_id,
                "traits": facts.traits,
                "identifiers": facts.identifiers,
                "computed": facts.computed,
                "first_seen": facts.first_seen.isoformat(),
                "last_seen": facts.last_seen.isoformat(),
                "order_count": facts.order_count,
                "revenue": dict(facts.revenue),
            }
        if name == "clv":
            return _named(facts.computed, CLV)
        if name == "rfm":
            return _named(facts.computed, RFM)
        return facts.traits if name == "traits" else facts.computed

    def _preferences(self) -> Preferences:
        if self._prefs is None:
            self._prefs = preferences.get(self._session, self.id)
        return self._prefs

    def locales(self) -> list[str]:
        """The customer's own locales, most preferred first."""
        chosen = self._preferences().preferred_language
        own: list[str] = [chosen] if chosen else []
        return own + [
            v for v in (self.traits.get(n) for n in LANGUAGE_TRAITS) if isinstance(v, str)
        ]

    def zone(self) -> tzinfo:
        return _zone(self._preferences().time_zone)


def facts_of_view(view: ProfileView) -> Facts:
    identifiers: dict[str, str] = {}
    for ident in view.identifiers:
        identifiers.setdefault(ident.type, ident.value)
    return Facts(
        live_id=view.id,
        traits={name: trait.value for name, trait in view.traits.items()},
        identifiers=identifiers,
        computed={name: c.value for name, c in view.computed_traits.items()},
        first_seen=view.stats.first_seen,
        last_seen=view.stats.last_seen,
        order_count=view.stats.order_count,
        revenue=dict(view.stats.revenue),
    )


def person(session: Session, profile_id: int) -> Person:
    return Person(session, facts_of_view(profiles.profile_view(session, profile_id)))


def _named(computed: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    return {short: computed[long] for short, long in names.items() if long in computed}


def _zone(name: str | None) -> tzinfo:
    if not name:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC
