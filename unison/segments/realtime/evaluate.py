"""Evaluating a condition for one profile in Python: the real-time path, explanations, and
the next moment the answer can change by the clock alone (timers).

Same rules as the SQL compiler (values.py holds the shared comparisons).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from unison.segments.language import nodes as n
from unison.segments.language.nodes import children, parse_moment
from unison.segments.language.printer import to_text
from unison.segments.language.values import (
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


def window_start(window: n.Window | None, now: datetime) -> tuple[datetime | None, datetime | None]:
    """(inclusive lower, exclusive upper) bound; last N days is `t > now - N days`."""
    if window is None:
        return None, None
    if window.last_days is not None:
        return now - timedelta(days=window.last_days), None
    return window.since, window.until


def in_window(at: datetime, window: n.Window | None, now: datetime) -> bool:
    if window is None:
        return True
    if window.last_days is not None:
        return at > now - timedelta(days=window.last_days)
    if window.since is not None and at < window.since:
        return False
    return not (window.until is not None and at >= window.until)


def passes(filters: list[n.PropertyFilter], properties: dict[str, Any], now: datetime) -> bool:
    return all(compare(f.op, properties.get(f.property), f.value, now) for f in filters)


def matching(
    facts: Facts, event: str, where: list[n.PropertyFilter], window: n.Window | None, now: datetime
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


@dataclass(slots=True)  # not frozen: a frozen dataclass costs ~3x to build, once per leaf
class Observation:
    """A leaf's answer and the value it looked at."""

    result: bool
    seen: Any


_ORDER = ("gt", "gte", "lt", "lte")


def observe(node: n.Condition, facts: Facts, now: datetime) -> Observation:
    """A leaf's answer and the value it looked at."""
    return _OBSERVERS[type(node)](node, facts, now)


def _observe_trait(node: Any, facts: Facts, now: datetime) -> Observation:
    value = facts.traits.get(node.name)
    return Observation(compare(node.op, value, node.value, now), value)


def _observe_computed(node: Any, facts: Facts, now: datetime) -> Observation:
    value = facts.computed.get(node.name)
    return Observation(compare(node.op, value, node.value, now), value)


def _observe_stat(node: Any, facts: Facts, now: datetime) -> Observation:
    value = facts.stats.get(node.name)
    moment = node.op in _ORDER and isinstance(value, datetime)
    expected = parse_moment(node.value) if moment else node.value
    return Observation(compare(node.op, value, expected, now), value)


def _observe_performed(node: Any, facts: Facts, now: datetime) -> Observation:
    count = len(matching(facts, node.event, node.where, node.window, now))
    return Observation(count_matches(node.op, count, node.value), count)


def _observe_aggregate(node: Any, facts: Facts, now: datetime) -> Observation:
    rows = matching(facts, node.event, node.where, node.window, now)
    total = aggregate(node.fn, rows, node.property)
    return Observation(total is not None and count_matches(node.op, total, node.value), total)


def _observe_occurrence(node: Any, facts: Facts, now: datetime) -> Observation:
    moments = [row.at for row in matching(facts, node.event, node.where, node.window, now)]
    seen = (min(moments) if node.which == "first" else max(moments)) if moments else None
    expected = parse_moment(node.value) if node.op in _ORDER else node.value
    return Observation(compare(node.op, seen, expected, now), seen)


def _observe_identifier(node: Any, facts: Facts, now: datetime) -> Observation:
    return Observation(node.type in facts.identifiers, sorted(facts.identifiers))


def _observe_reachable(node: Any, facts: Facts, now: datetime) -> Observation:
    allowed, reason = facts.reachability.get((node.channel, node.purpose), (False, "unknown"))
    return Observation(allowed, reason)


def _observe_segment(node: Any, facts: Facts, now: datetime) -> Observation:
    inside = node.segment in facts.segments
    return Observation(inside, inside)


def _observe_bucket(node: Any, facts: Facts, now: datetime) -> Observation:
    found = bucket(node.salt, facts.profile_id)
    if node.op == "in":
        assert isinstance(node.value, list)
        return Observation(found in node.value, found)
    assert isinstance(node.value, int)
    return Observation(count_matches(node.op, found, node.value), found)


_OBSERVERS: dict[type, Callable[[Any, Facts, datetime], Observation]] = {
    n.Trait: _observe_trait,
    n.Computed: _observe_computed,
    n.Stat: _observe_stat,
    n.Performed: _observe_performed,
    n.Aggregate: _observe_aggregate,
    n.Occurrence: _observe_occurrence,
    n.HasIdentifier: _observe_identifier,
    n.Reachable: _observe_reachable,
    n.InSegment: _observe_segment,
    n.Bucket: _observe_bucket,
}


def evaluate(node: n.Condition, facts: Facts, now: datetime) -> bool:
    if isinstance(node, n.And):
        return all(evaluate(c, facts, now) for c in node.all)
    if isinstance(node, n.Or):
        return any(evaluate(c, facts, now) for c in node.any)
    if isinstance(node, n.Not):
        return not evaluate(node.condition, facts, now)
    return observe(node, facts, now).result


_TEXTS: dict[int, tuple[n.Condition, str]] = {}


def _text(node: n.Condition) -> str:
    """The node's text form, printed once per node (definitions are immutable)."""
    found = _TEXTS.get(id(node))
    if found is None or found[0] is not node:
        if len(_TEXTS) > 50_000:
            _TEXTS.clear()
        found = _TEXTS[id(node)] = (node, to_text(node))
    return found[1]


def explain(node: n.Condition, facts: Facts, now: datetime, path: str = "$") -> dict[str, Any]:
    """Every node's answer (and each leaf's observed value), addressed by JSON path."""
    if isinstance(node, n.And | n.Or | n.Not):
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
    observed = observe(node, facts, now)
    return {
        "path": path,
        "kind": node.kind,
        "text": _text(node),
        "result": observed.result,
        "observed": _plain(observed.seen),
    }


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    return value


# "N days ago" compares with `<` or `>=` the cutoff now - N days: both answers flip just
# after the moment + N days (still the old answer at that exact moment).
_TICK = timedelta(microseconds=1)


def next_change(node: n.Condition, facts: Facts, now: datetime) -> datetime | None:
    """The earliest moment after `now` at which the clock alone may change a leaf's answer."""
    found = [m for m in _moments(node, facts, now) if m > now]
    return min(found) if found else None


def _moments(node: n.Condition, facts: Facts, now: datetime) -> list[datetime]:
    if isinstance(node, n.And | n.Or | n.Not):
        return [m for child in children(node) for m in _moments(child, facts, now)]
    if isinstance(node, n.Performed | n.Aggregate | n.Occurrence):
        return _behaviour_moments(node, facts, now)
    if isinstance(node, n.Trait | n.Computed | n.Stat):
        return _value_moments(node, facts, now)
    return []


def _behaviour_moments(
    node: n.Performed | n.Aggregate | n.Occurrence, facts: Facts, now: datetime
) -> list[datetime]:
    """Events leave a `within` window, and a first/last occurrence ages past N days."""
    found: list[datetime] = []
    window = node.window
    if window is not None and window.last_days is not None:
        span = timedelta(days=window.last_days)
        found += [row.at + span for row in matching(facts, node.event, node.where, window, now)]
    if isinstance(node, n.Occurrence) and node.op in ("more_than_days_ago", "less_than_days_ago"):
        seen = observe(node, facts, now).seen
        if seen is not None:
            found.append(seen + timedelta(days=int(node.value)) + _TICK)  # type: ignore[arg-type]
    return found


def _value_moments(
    node: n.Trait | n.Computed | n.Stat, facts: Facts, now: datetime
) -> list[datetime]:
    """A moment value ages past N days, or an anniversary enters or leaves the range."""
    values = {"trait": facts.traits, "computed": facts.computed, "stat": facts.stats}
    value = values[node.kind].get(node.name)
    if node.op in ("more_than_days_ago", "less_than_days_ago"):
        moment = as_moment(value)
        if moment is None:
            return []
        return [moment + timedelta(days=int(node.value)) + _TICK]  # type: ignore[arg-type]
    if node.op == "anniversary_within_days":
        change = next_anniversary_change(value, int(node.value), now)  # type: ignore[arg-type]
        return [] if change is None else [change]
    return []
