# ruff: noqa: S608 - SQL assembled from this package's own fragments; every value is bound
"""A condition compiled to one SQL statement selecting the live profiles that satisfy it.

Every leaf becomes a boolean over the live profile row `p` (wrapped in COALESCE so `not`
stays two-valued). Behaviour leaves are uncorrelated semi-joins on event_profiles (attributed
to the live profile through profiles.canonical_id) that the database computes once:
"at least N" is `p.id IN (... HAVING count >= N)`; a count that holds for zero events
("at most", "never") is `p.id NOT IN (... HAVING NOT ...)`, so profiles without any such
event qualify without being listed.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from unison.consent.vocabulary import CHANNEL_IDENTIFIER
from unison.segments.language.nodes import (
    STATS,
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
    parse_moment,
)
from unison.segments.sql_dialects import Dialect, Params, Ref, dialect_for
from unison.segments.values import anniversary_days, count_matches

SYMBOL = {"eq": "=", "neq": "<>", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


@dataclass
class Context:
    """What the compiler needs from outside: the clock, segment ids by name, and the
    profiles consent allows for a (channel, purpose) (computed by the consent module)."""

    now: datetime
    segment_ids: Callable[[str], int]
    allowed: Callable[[str, str], list[int]]


@dataclass(frozen=True)
class Compiled:
    sql: str  # SELECT p.id FROM profiles p WHERE ...
    where: str
    params: dict[str, Any]


def compile_condition(condition: Condition, dialect_name: str, context: Context) -> Compiled:
    params = Params()
    compiler = _Compiler(dialect_for(dialect_name, params), context)
    where = f"p.id = p.canonical_id AND {compiler.top(condition)}"
    return Compiled(f"SELECT p.id FROM profiles p WHERE {where}", where, params.values)


class _Compiler:
    def __init__(self, dialect: Dialect, context: Context) -> None:
        self.d = dialect
        self.context = context
        self.now = context.now

    def top(self, node: Condition) -> str:
        """The root's conjuncts need no two-valued wrapping (NULL and false both exclude a
        row there), and bare, `p.id IN (...)` lets the planner look profiles up by id
        from the events' index instead of scanning every profile."""
        if not self.d.bare_conjuncts:
            return self.condition(node)
        if isinstance(node, And):
            return "(" + " AND ".join(self.top(c) for c in node.all) + ")"
        if isinstance(node, Or | Not):
            return self.condition(node)
        return self.leaf(node)

    def condition(self, node: Condition) -> str:
        if isinstance(node, And):
            return "(" + " AND ".join(self.condition(c) for c in node.all) + ")"
        if isinstance(node, Or):
            return "(" + " OR ".join(self.condition(c) for c in node.any) + ")"
        if isinstance(node, Not):
            return f"(NOT {self.condition(node.condition)})"
        return f"COALESCE({self.leaf(node)}, {self.d.false()})"

    def leaf(self, node: Condition) -> str:
        if isinstance(node, Trait):
            return self.value(Ref("p.traits", (node.name, "value")), node.op, node.value)
        if isinstance(node, Computed):
            document = (
                "(SELECT ct.value FROM computed_traits ct WHERE ct.profile_id = p.id "
                f"AND ct.name = {self.d.text_param(node.name)})"
            )
            return self.value(Ref(document, ()), node.op, node.value)
        if isinstance(node, Stat):
            return self.stat(node)
        if isinstance(node, Performed | Aggregate | Occurrence):
            return self.behaviour(node)
        if isinstance(node, HasIdentifier):
            return self.has_identifier(node.type)
        if isinstance(node, Reachable):
            if node.purpose is None:
                return self.has_identifier(CHANNEL_IDENTIFIER[node.channel])
            ids = self.context.allowed(node.channel, node.purpose)
            return f"(p.id IN {self.d.id_set(ids)})"
        if isinstance(node, InSegment):
            segment = self.d.bind(self.context.segment_ids(node.segment))
            return (
                "(p.id IN (SELECT sm.profile_id FROM segment_members sm "
                f"WHERE sm.segment_id = {segment}))"
            )
        assert isinstance(node, Bucket)
        found = self.d.bucket("p.id", node.salt)
        if node.op == "in":
            assert isinstance(node.value, list)
            return f"({found} IN ({', '.join(self.d.bind(v) for v in node.value)}))"
        return f"({found} {SYMBOL[node.op]} {self.d.bind(node.value)})"

    def has_identifier(self, kind: str) -> str:
        return (
            "EXISTS (SELECT 1 FROM identifiers i WHERE i.profile_id = p.id "
            f"AND i.type = {self.d.text_param(kind)})"
        )

    # --- JSON values (traits, computed traits, event properties) ------------------------
    def value(self, ref: Ref, op: str, expected: Any) -> str:
        d = self.d
        if op == "exists":
            return d.present(ref)
        if op == "eq":
            return self.typed_eq(ref, expected)
        if op == "neq":
            return (
                f"({d.present(ref)} AND NOT COALESCE({self.typed_eq(ref, expected)}, {d.false()}))"
            )
        if op == "in":
            return "(" + " OR ".join(self.typed_eq(ref, item) for item in expected) + ")"
        if op == "contains":
            in_array = d.array_has(ref, expected)
            if not isinstance(expected, str):
                return f"({d.is_array(ref)} AND {in_array})"
            as_text = d.contains_text(d.text(ref), expected)
            return f"(({d.is_text(ref)} AND {as_text}) OR ({d.is_array(ref)} AND {in_array}))"
        if op == "starts_with":
            return f"({d.is_text(ref)} AND {d.starts_with(d.text(ref), expected)})"
        if op in SYMBOL:
            if isinstance(expected, str):
                return f"({d.is_text(ref)} AND {d.text_order(d.text(ref), SYMBOL[op], expected)})"
            return f"({d.is_number(ref)} AND {d.number(ref)} {SYMBOL[op]} {d.bind(expected)})"
        moment = d.moment_of(d.text(ref))
        if op == "anniversary_within_days":
            days = ", ".join(d.bind(md) for md in anniversary_days(self.now, expected))
            day = d.month_day(d.text(ref))
            return f"({d.is_text(ref)} AND {moment} IS NOT NULL AND {day} IN ({days}))"
        cutoff = d.moment_param(self.now - timedelta(days=expected))
        symbol = "<" if op == "more_than_days_ago" else ">="
        return f"({d.is_text(ref)} AND {moment} {symbol} {cutoff})"

    def typed_eq(self, ref: Ref, expected: Any) -> str:
        d = self.d
        if isinstance(expected, bool):
            return f"({d.is_bool(ref)} AND {d.boolean(ref)} = {d.bool_param(expected)})"
        if isinstance(expected, int | float):
            return f"({d.is_number(ref)} AND {d.number(ref)} = {d.bind(expected)})"
        return f"({d.is_text(ref)} AND {d.text(ref)} = {d.text_param(expected)})"

    # --- profile stats ------------------------------------------------------------------
    def stat(self, node: Stat) -> str:
        d = self.d
        column = d.revenue_total("p.revenue") if node.name == "revenue" else f"p.{node.name}"
        if node.op == "exists":
            return f"({column} IS NOT NULL)"
        if STATS[node.name] == "time":
            if node.op in SYMBOL:
                return f"({column} {SYMBOL[node.op]} {d.time(parse_moment(node.value))})"
            cutoff = d.time(self.now - timedelta(days=int(node.value)))  # type: ignore[arg-type]
            return f"({column} {'<' if node.op == 'more_than_days_ago' else '>='} {cutoff})"
        if node.op == "in":
            assert isinstance(node.value, list)
            return f"({column} IN ({', '.join(d.bind(v) for v in node.value)}))"
        return f"({column} {SYMBOL[node.op]} {d.bind(node.value)})"

    # --- behaviour --------------------------------------------------------------------
    def behaviour(self, node: Performed | Aggregate | Occurrence) -> str:
        d = self.d
        needs_payload = bool(node.where) or isinstance(node, Aggregate)
        # CROSS JOIN with the join condition in WHERE: standard SQL, and SQLite's way of
        # saying "drive from the events' (event, timestamp) index" (its planner otherwise
        # probes every profile's events); PostgreSQL plans it like any inner join.
        source = "event_profiles ep CROSS JOIN profiles g"
        if needs_payload:
            source += " CROSS JOIN events e"
        conditions = [
            f"ep.event = {d.text_param(node.event)}",
            *self.window(node.window),
            "g.id = ep.profile_id",
        ]
        if needs_payload:
            conditions.append("e.id = ep.event_id")
        conditions += [self.property_filter(f) for f in node.where]
        select = (
            f"SELECT g.canonical_id FROM {source} WHERE {' AND '.join(conditions)} "
            "GROUP BY g.canonical_id"
        )
        if isinstance(node, Performed):
            having = f"count(*) {SYMBOL[node.op]} {d.bind(node.value)}"
            if count_matches(node.op, 0, node.value):
                return f"(p.id NOT IN ({select} HAVING NOT ({having})))"
            return f"(p.id IN ({select} HAVING {having}))"
        if isinstance(node, Aggregate):
            ref = Ref("e.payload", ("properties", node.property))
            number = f"CASE WHEN {d.is_number(ref)} THEN {d.number(ref)} END"
            if node.fn == "sum":
                total = f"COALESCE(SUM({number}), 0)"
                having = f"{total} {SYMBOL[node.op]} {d.bind(node.value)}"
                if count_matches(node.op, 0, node.value):
                    return f"(p.id NOT IN ({select} HAVING NOT ({having})))"
                return f"(p.id IN ({select} HAVING {having}))"
            having = f"{node.fn.upper()}({number}) {SYMBOL[node.op]} {d.bind(node.value)}"
            return f"(p.id IN ({select} HAVING {having}))"
        seen = "MIN(ep.timestamp)" if node.which == "first" else "MAX(ep.timestamp)"
        if node.op == "exists":
            return f"(p.id IN ({select}))"
        if node.op in SYMBOL:
            bound = d.time(parse_moment(node.value))
            return f"(p.id IN ({select} HAVING {seen} {SYMBOL[node.op]} {bound}))"
        cutoff = d.time(self.now - timedelta(days=int(node.value)))  # type: ignore[arg-type]
        symbol = "<" if node.op == "more_than_days_ago" else ">="
        return f"(p.id IN ({select} HAVING {seen} {symbol} {cutoff}))"

    def window(self, window: Window | None) -> list[str]:
        if window is None:
            return []
        if window.last_days is not None:
            return [f"ep.timestamp > {self.d.time(self.now - timedelta(days=window.last_days))}"]
        found = []
        if window.since is not None:
            found.append(f"ep.timestamp >= {self.d.time(window.since)}")
        if window.until is not None:
            found.append(f"ep.timestamp < {self.d.time(window.until)}")
        return found

    def property_filter(self, item: PropertyFilter) -> str:
        ref = Ref("e.payload", ("properties", item.property))
        return f"COALESCE({self.value(ref, item.op, item.value)}, {self.d.false()})"
