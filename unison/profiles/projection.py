"""Folding events into a profile's traits and stats, and two profiles into one.

Traits resolve by event time, not arrival order: a value replaces the stored one only when
its event is newer (ties broken by log position), so a late old event never overwrites a
newer value, and the result is the same whatever order events arrive or merges happen in.
"""

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from unison.events.service import MAX_AMOUNT
from unison.kit.clock import isoformat_z

ORDER_EVENT = "Order Completed"
_SEARCH_NAME_KEYS = ("name", "first_name", "last_name", "firstName", "lastName")


@dataclass
class ProfileState:
    id: int
    created_at: datetime
    first_seen: datetime
    last_seen: datetime
    traits: dict[str, Any] = field(default_factory=dict)
    event_count: int = 0
    order_count: int = 0
    revenue: dict[str, float] = field(default_factory=dict)
    last_order_at: datetime | None = None
    channels: dict[str, Any] = field(default_factory=dict)
    identifier_counts: dict[str, int] = field(default_factory=dict)

    @classmethod
    def born(cls, profile_id: int, at: datetime) -> "ProfileState":
        return cls(id=profile_id, created_at=at, first_seen=at, last_seen=at)


@dataclass(frozen=True, slots=True)
class EventFacts:
    """What projection needs of an event."""

    id: int
    type: str
    name: str | None
    channel: str
    source: str
    timestamp: datetime
    payload: dict[str, Any]


def _newer(candidate: tuple[str, int], stored: dict[str, Any]) -> bool:
    return candidate >= (stored["at"], stored["event_id"])


def apply_event(state: ProfileState, event: EventFacts) -> None:
    at = isoformat_z(event.timestamp)
    state.event_count += 1
    state.first_seen = min(state.first_seen, event.timestamp)
    state.last_seen = max(state.last_seen, event.timestamp)
    channel = state.channels.get(event.channel)
    if channel is None:
        state.channels[event.channel] = {"first": at, "last": at, "events": 1}
    else:
        channel["first"] = min(channel["first"], at)
        channel["last"] = max(channel["last"], at)
        channel["events"] += 1
    for traits in _trait_bags(event):
        _set_traits(state, traits, at, event)
    if event.type == "track" and event.name == ORDER_EVENT:
        _count_order(state, event)


def _trait_bags(event: EventFacts) -> list[dict[str, Any]]:
    bags = []
    context = event.payload.get("context")
    if isinstance(context, dict) and isinstance(context.get("traits"), dict):
        bags.append(context["traits"])
    if event.type == "identify" and isinstance(event.payload.get("traits"), dict):
        bags.append(event.payload["traits"])
    return bags


def _set_traits(state: ProfileState, traits: dict[str, Any], at: str, event: EventFacts) -> None:
    key = (at, event.id)
    for name, value in traits.items():
        stored = state.traits.get(name)
        if stored is None or _newer(key, stored):
            state.traits[name] = {
                "value": value,
                "at": at,
                "event_id": event.id,
                "source": event.source,
                "channel": event.channel,
            }


def _count_order(state: ProfileState, event: EventFacts) -> None:
    properties = event.payload.get("properties")
    properties = properties if isinstance(properties, dict) else {}
    amount = properties.get("revenue", properties.get("total"))
    state.order_count += 1
    if state.last_order_at is None or event.timestamp > state.last_order_at:
        state.last_order_at = event.timestamp
    # Events logged before ingest bounded amounts may hold any number: those are not counted.
    if isinstance(amount, int | float) and not isinstance(amount, bool) and _countable(amount):
        currency = properties.get("currency")
        # XXX is ISO 4217 for "no currency": amounts sent without one stay apart from the rest
        code = currency.upper() if isinstance(currency, str) and currency else "XXX"
        state.revenue[code] = _add(state.revenue.get(code, 0.0), float(amount))


def _countable(amount: float) -> bool:
    return abs(amount) <= MAX_AMOUNT


def _add(total: float, amount: float) -> float:
    """The rounded sum, kept finite: a profile whose sum overflowed could never be read."""
    result = round(total + amount, 6)
    return result if math.isfinite(result) else total


def merge_states(survivor: ProfileState, merged: ProfileState) -> None:
    """Fold `merged` into `survivor`: every trait keeps its newest value, stats add up."""
    survivor.created_at = min(survivor.created_at, merged.created_at)
    survivor.first_seen = min(survivor.first_seen, merged.first_seen)
    survivor.last_seen = max(survivor.last_seen, merged.last_seen)
    survivor.event_count += merged.event_count
    survivor.order_count += merged.order_count
    for code, amount in merged.revenue.items():
        survivor.revenue[code] = _add(survivor.revenue.get(code, 0.0), amount)
    if merged.last_order_at is not None and (
        survivor.last_order_at is None or merged.last_order_at > survivor.last_order_at
    ):
        survivor.last_order_at = merged.last_order_at
    for name, stored in merged.traits.items():
        mine = survivor.traits.get(name)
        if mine is None or _newer((stored["at"], stored["event_id"]), mine):
            survivor.traits[name] = stored
    for name, theirs in merged.channels.items():
        mine = survivor.channels.get(name)
        if mine is None:
            survivor.channels[name] = dict(theirs)
        else:
            mine["first"] = min(mine["first"], theirs["first"])
            mine["last"] = max(mine["last"], theirs["last"])
            mine["events"] += theirs["events"]


def search_name(state: ProfileState) -> str | None:
    """The lower-cased name, for prefix search."""

    def trait(name: str) -> str | None:
        stored = state.traits.get(name)
        value = stored["value"] if stored else None
        return value.strip().lower()[:255] if isinstance(value, str) and value.strip() else None

    name = trait("name")
    if name is None:
        parts = [trait(k) for k in _SEARCH_NAME_KEYS[1:]]
        name = " ".join(p for p in parts if p) or None
    return name
