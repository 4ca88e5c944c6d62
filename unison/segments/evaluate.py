"""Evaluating a condition for one profile in Python: the real-time path, explanations, and
the next moment the answer can change by the clock alone (timers).

Same rules as the SQL compiler (values.py holds the shared comparisons).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from unison.segments.language.nodes import (
    Aggregate,
    And,
    Bucket,
    Computed,
    Condition,
    HasIdentifier,
    InSegment,
    Not,
    Occurrence,
    Or,
    Performed,
    PropertyFilter,
    Reachable,
    Stat,
    Trait,
    Window,
    children,
    parse_moment,
)
from unison.segments.language.printer import to_text
from unison.segments.values import (
    as_moment,
    bucket,
    compare,
    count_matches,
    next_anniversary_change,
)


@dataclass(frozen=True, slots=True)
class EventRow:
    name: str
    at: datetime
    properties: dict[str, Any]


@dataclass
class Facts:
    """What is known of one live profile, loaded once per evaluation round."""

    profile_id: int
    traits: dict[str, Any] = field(default_factory=dict)  # name -> value
    stats: dict[str, Any] = field(default_factory=dict)
    identifiers: set[str] = field(default_factory=set)  # identifier types held
    computed: dict[str, Any] = field(default_factory=dict)
    segments: set[str] = field(default_factory=set)  # names of segments it is in
    events: dict[str, list[EventRow]] = field(default_factory=dict)  # name -> rows
    # (channel, purpose) -> (allowed, reason); filled by the loader for the pairs referenced
    reachability: dict[tuple[str, str | None], tuple[bool, str]] = field(default_factory=dict)
    reach: Callable[[str, str | None], tuple[bool, str]] | None = None


def window_start(window: Window | None, now: datetime) -> tuple[datetime | None, datetime | None]:
    """(inclusive lower, exclusive upper) bound; last N days is `t > now - N days`."""
    if window is None:
        return None, None
    if window.last_days is not None:
        return now - timedelta(days=window.last_days), None
    return window.since, window.until


def in_window(at: datetime, window: Window | None, now: datetime) -> bool:
    if window is None:
        return True
    if window.last_days is not None:
        return at > now - timedelta(days=window.last_days)
    if window.since is not None and at < window.since:
        return False
    return not (window.until is not None and at >= window.until)


def passes(filters: list[PropertyFilter], properties: dict[str, Any], now: datetime) -> bool:
    return all(compare(f.op, properties.get(f.property), f.value, now) for f in filters)


def matching(
    facts: Facts, event: str, where: list[PropertyFilter], window: Window | None, now: datetime
) -> list[EventRow]:
    return [
        row
        for row in facts.events.get(event, ())
        if in_window(row.at, window, now) and passes(where, row.properties, now)
    ]


def aggregate(fn: str, rows: list[EventRow], prop: str) -> float | None:
    numbers = [row.properties.get(prop) for row in rows]
    values = [float(v) for v in numbers if isinstance(v, int | float) and not isinstance(v, bool)]
    if fn == "sum":
        return sum(values)  # an empty sum is 0: "spent less than 100" holds for no orders
    if not values:
        return None
    if fn == "avg":
        return sum(values) / len(values)
    return min(values) if fn == "min" else max(values)


def observe(node: Condition, facts: Facts, now: datetime) -> tuple[bool, Any]:
    """A leaf's answer and the value it looked at."""
    if isinstance(node, Trait):
        value = facts.traits.get(node.name)
        return compare(node.op, value, node.value, now), value
    if isinstance(node, Computed):
        value = facts.computed.get(node.name)
        return compare(node.op, value, node.value, now), value
    if isinstance(node, Stat):
        value = facts.stats.get(node.name)
        expected = (
            parse_moment(node.value)
            if node.op in ("gt", "gte", "lt", "lte") and isinstance(value, datetime)
            else node.value
        )
        return compare(node.op, value, expected, now), value
    if isinstance(node, Performed):
        count = len(matching(facts, node.event, node.where, node.window, now))
        return count_matches(node.op, count, node.value), count
    if isinstance(node, Aggregate):
        rows = matching(facts, node.event, node.where, node.window, now)
        total = aggregate(node.fn, rows, node.property)
        return (total is not None and count_matches(node.op, total, node.value)), total
    if isinstance(node, Occurrence):
        rows = matching(facts, node.event, node.where, node.window, now)
        moments = [row.at for row in rows]
        seen = (min(moments) if node.which == "first" else max(moments)) if moments else None
        expected = parse_moment(node.value) if node.op in ("gt", "gte", "lt", "lte") else node.value
        return compare(node.op, seen, expected, now), seen
    if isinstance(node, HasIdentifier):
        return node.type in facts.identifiers, sorted(facts.identifiers)
    if isinstance(node, Reachable):
        allowed, reason = facts.reachability.get((node.channel, node.purpose), (False, "unknown"))
        return allowed, reason
    if isinstance(node, InSegment):
        return node.segment in facts.segments, node.segment in facts.segments
    assert isinstance(node, Bucket)
    found = bucket(node.salt, facts.profile_id)
    if node.op == "in":
        assert isinstance(node.value, list)
        return found in node.value, found
    assert isinstance(node.value, int)
    return count_matches(node.op, found, node.value), found


def evaluate(node: Condition, facts: Facts, now: datetime) -> bool:
    if isinstance(node, And):
        return all(evaluate(c, facts, now) for c in node.all)
    if isinstance(node, Or):
        return any(evaluate(c, facts, now) for c in node.any)
    if isinstance(node, Not):
        return not evaluate(node.condition, facts, now)
    return observe(node, facts, now)[0]


_TEXTS: dict[int, tuple[Condition, str]] = {}


def _text(node: Condition) -> str:
    """The node's text form, printed once per node (definitions are immutable)."""
    found = _TEXTS.get(id(node))
    if found is None or found[0] is not node:
        if len(_TEXTS) > 50_000:
            _TEXTS.clear()
        found = _TEXTS[id(node)] = (node, to_text(node))
    return found[1]


def explain(node: Condition, facts: Facts, now: datetime, path: str = "$") -> dict[str, Any]:
    """Every node's answer (and each leaf's observed value), addressed by JSON path."""
    if isinstance(node, And | Or | Not):
        key = {"and": "all", "or": "any", "not": "condition"}[node.kind]
        kids = [
            explain(
                child,
                facts,
                now,
                f"{path}.{key}[{i}]" if node.kind != "not" else f"{path}.condition",
            )
            for i, child in enumerate(children(node))
        ]
        answers = [k["result"] for k in kids]
        result = (
            all(answers)
            if node.kind == "and"
            else any(answers)
            if node.kind == "or"
            else not answers[0]
        )
        return {
            "path": path,
            "kind": node.kind,
            "text": _text(node),
            "result": result,
            "children": kids,
        }
    result, seen = observe(node, facts, now)
    return {
        "path": path,
        "kind": node.kind,
        "text": _text(node),
        "result": result,
        "observed": _plain(seen),
    }


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    return value


# "N days ago" compares with `<` or `>=` the cutoff now - N days: both answers flip just
# after the moment + N days (still the old answer at that exact moment).
_TICK = timedelta(microseconds=1)


def next_change(node: Condition, facts: Facts, now: datetime) -> datetime | None:
    """The earliest moment after `now` at which the clock alone may change a leaf's answer."""
    found = [m for m in _moments(node, facts, now) if m > now]
    return min(found) if found else None


def _moments(node: Condition, facts: Facts, now: datetime) -> list[datetime]:
    if isinstance(node, And | Or | Not):
        return [m for child in children(node) for m in _moments(child, facts, now)]
    found: list[datetime] = []
    if isinstance(node, Performed | Aggregate | Occurrence):
        window = node.window
        if window is not None and window.last_days is not None:
            span = timedelta(days=window.last_days)
            found += [row.at + span for row in matching(facts, node.event, node.where, window, now)]
        if isinstance(node, Occurrence) and node.op in ("more_than_days_ago", "less_than_days_ago"):
            seen = observe(node, facts, now)[1]
            if seen is not None:
                found.append(seen + timedelta(days=int(node.value)) + _TICK)  # type: ignore[arg-type]
        return found
    if isinstance(node, Trait | Computed | Stat):
        value = {"trait": facts.traits, "computed": facts.computed, "stat": facts.stats}[
            node.kind
        ].get(node.name)
        if node.op in ("more_than_days_ago", "less_than_days_ago"):
            moment = as_moment(value)
            if moment is not None:
                found.append(moment + timedelta(days=int(node.value)) + _TICK)  # type: ignore[arg-type]
        elif node.op == "anniversary_within_days":
            moment_change = next_anniversary_change(value, int(node.value), now)  # type: ignore[arg-type]
            if moment_change is not None:
                found.append(moment_change)
    return found
