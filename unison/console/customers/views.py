"""What the customer pages show, shaped from the services' answers: the profile's sections,
its value figures, and the timeline with system events grouped."""

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from unison.auth.roles import Permission
from unison.consent import service as consent
from unison.console.security import Staff
from unison.identity import service as identity
from unison.inbox import service as inbox
from unison.kit.settings import Settings
from unison.profiles import service as profiles
from unison.profiles.schemas import ProfileView, TimelineItem
from unison.segments import service as segments

CLV = ("clv_12m", "clv_historical", "p_alive", "expected_orders_90d", "clv_tier")
RFM = ("rfm_cell", "rfm_r", "rfm_f", "rfm_m")
NAME_TRAITS = ("name", "first_name", "last_name", "firstName", "lastName")
TIMELINE_PAGE = 50
HISTORY_SHOWN = 100


def display_name(view: ProfileView) -> str:
    """The person's name as the traits give it, else their first identifier, else the id."""
    whole = view.traits.get("name")
    if whole is not None and isinstance(whole.value, str) and whole.value.strip():
        return whole.value
    parts = [
        str(view.traits[n].value)
        for n in ("first_name", "last_name", "firstName", "lastName")
        if n in view.traits and isinstance(view.traits[n].value, str)
    ]
    if parts:
        return " ".join(parts)
    return view.identifiers[0].value if view.identifiers else f"#{view.id}"


@dataclass
class TimelineEntry:
    """One event, or a run of consecutive system events shown folded together."""

    items: list[TimelineItem]
    system: bool

    @property
    def kinds(self) -> list[tuple[str, int]]:
        counted: dict[str, int] = {}
        for item in self.items:
            name = item.event or item.type
            counted[name] = counted.get(name, 0) + 1
        return sorted(counted.items())


def grouped(items: list[TimelineItem]) -> list[TimelineEntry]:
    """Customer and channel events one by one; each run of system events as one entry."""
    entries: list[TimelineEntry] = []
    for item in items:
        if item.system and entries and entries[-1].system:
            entries[-1].items.append(item)
        else:
            entries.append(TimelineEntry([item], item.system))
    return entries


def summary(item: TimelineItem, limit: int = 4) -> str:
    """A short line of what an event carried: its first few properties or traits."""
    body = item.payload.get("properties") or item.payload.get("traits") or {}
    if not isinstance(body, dict):
        return ""
    shown = [f"{k}: {_short(v)}" for k, v in list(body.items())[:limit]]
    more = len(body) - limit
    return " · ".join(shown) + (f" · +{more}" if more > 0 else "")


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "…"


@dataclass
class ProfileSections:
    """Everything the profile page shows that this role may see."""

    view: ProfileView
    name: str
    value: dict[str, Any]
    rfm: dict[str, Any]
    other_computed: dict[str, Any]
    merges: list[Any]
    consents: list[Any] = field(default_factory=list)
    history: list[Any] = field(default_factory=list)
    purposes: list[str] = field(default_factory=list)
    segments: list[tuple[Any, Any]] = field(default_factory=list)
    conversations: list[Any] = field(default_factory=list)


def sections(
    session: Session, settings: Settings, staff: Staff, profile_id: int
) -> ProfileSections:
    view = profiles.profile_view(session, profile_id)
    computed = {name: trait.value for name, trait in view.computed_traits.items()}
    found = ProfileSections(
        view=view,
        name=display_name(view),
        value={n: computed[n] for n in CLV if n in computed},
        rfm={n: computed[n] for n in RFM if n in computed},
        other_computed={n: v for n, v in computed.items() if n not in CLV and n not in RFM},
        merges=identity.merges_of(session, profiles.group_ids(session, view.id)),
    )
    if staff.can(Permission.consent_read):
        found.consents = consent.current(session, view.id)
        found.history = consent.history(session, view.id)[-HISTORY_SHOWN:][::-1]
        found.purposes = sorted(consent.kinds(session, settings))
    if staff.can(Permission.segments_read):
        found.segments = segments.of_profile(session, view.id)
    if staff.can(Permission.conversations_read):
        found.conversations = inbox.conversations(session, view.id, None, 20)
    return found
