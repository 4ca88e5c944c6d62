"""Computed traits defined in the segment language: one aggregate of an event per profile
(count, sum, avg, min, max, first/last value, most frequent value), kept current by the
segments processor and written through profiles.computed_traits (source "segments")."""

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from unison.segments.language.nodes import TraitDefinition
from unison.segments.realtime.evaluate import EventRow, Facts, aggregate, matching

SOURCE = "segments"


def compute(definition: TraitDefinition, facts: Facts, now: datetime) -> Any:
    rows = matching(facts, definition.event, definition.where, definition.window, now)
    fn, prop = definition.fn, definition.property
    if fn == "count":
        return len(rows)
    if fn in ("sum", "avg", "min", "max"):
        assert prop is not None
        value = aggregate(fn, rows, prop)
        return None if value is None else round(value, 6)
    if fn in ("first", "last"):
        return _first_or_last(rows, fn == "first", prop)
    assert prop is not None
    return _most_frequent(rows, prop)


def _first_or_last(rows: list[EventRow], first: bool, prop: str | None) -> Any:
    """The property of the first / last event (its moment without a property)."""
    if not rows:
        return None
    chosen = sorted(rows, key=lambda r: r.at)[0 if first else -1]
    if prop is None:
        return chosen.at.isoformat().replace("+00:00", "Z")
    return chosen.properties.get(prop)


def _most_frequent(rows: list[EventRow], prop: str) -> Any:
    """The property value seen most often; ties go to the value seen last."""
    values = [r for r in sorted(rows, key=lambda r: r.at) if _countable(r.properties.get(prop))]
    if not values:
        return None
    counts = Counter(str(r.properties[prop]) for r in values)
    last_seen = {str(r.properties[prop]): i for i, r in enumerate(values)}
    best = max(counts, key=lambda v: (counts[v], last_seen[v]))
    return next(r.properties[prop] for r in values if str(r.properties[prop]) == best)


def _countable(value: Any) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)


def next_change(definition: TraitDefinition, facts: Facts, now: datetime) -> datetime | None:
    window = definition.window
    if window is None or window.last_days is None:
        return None
    span = timedelta(days=window.last_days)
    found = [r.at + span for r in matching(facts, definition.event, definition.where, window, now)]
    later = [m for m in found if m > now]
    return min(later) if later else None
