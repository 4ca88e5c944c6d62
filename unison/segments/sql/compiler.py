"""A condition compiled to one SQLAlchemy Core condition over the live profile row `p`;
the repository runs it (members, a count, a sample).

Every leaf becomes a boolean over `p` (wrapped in COALESCE so `not` stays two-valued).
Behaviour leaves are uncorrelated semi-joins on event_profiles (attributed to the live
profile through profiles.canonical_id) that the database computes once: "at least N" is
`p.id IN (... HAVING count >= N)`; a count that holds for zero events ("at most",
"never") is `p.id NOT IN (... HAVING NOT ...)`, so profiles without any such event
qualify without being listed. Dialect-specific forms are elements of sql_dialects.py.
"""

import operator
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, case, exists, false, func, not_, or_, select
from sqlalchemy.sql.selectable import NamedFromClause

from unison.consent.vocabulary import CHANNEL_IDENTIFIER
from unison.models import ComputedTrait, Event, EventProfile, Identifier, Profile, SegmentMember
from unison.segments.language import nodes as n
from unison.segments.language.nodes import STATS, parse_moment
from unison.segments.language.values import anniversary_days, count_matches
from unison.segments.sql.dialects import (
    ArrayHas,
    BucketOf,
    CrossJoin,
    InIds,
    JsonIs,
    JsonValue,
    Moment,
    MomentOf,
    MomentParam,
    Ref,
    RevenueTotal,
    Sql,
    TextTest,
    bound,
)

COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "eq": operator.eq,
    "neq": operator.ne,
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}
SYMBOL = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}

P: NamedFromClause = Profile.__table__.alias("p")
_G = Profile.__table__.alias("g")
_EP = EventProfile.__table__.alias("ep")
_E = Event.__table__.alias("e")
_CT = ComputedTrait.__table__.alias("ct")
_I = Identifier.__table__.alias("i")
_SM = SegmentMember.__table__.alias("sm")


@dataclass
class Context:
    """What the compiler needs from outside: the clock, segment ids by name, and the
    profiles consent allows for a (channel, purpose) (computed by the consent module)."""

    now: datetime
    segment_ids: Callable[[str], int]
    allowed: Callable[[str, str], list[int]]


@dataclass(frozen=True)
class Compiled:
    """`where` selects the live profiles `profiles` (aliased `p`) that satisfy the condition."""

    profiles: NamedFromClause
    where: Sql

    @property
    def statement(self) -> Select[Any]:
        return select(self.profiles.c.id).where(self.where)


def compile_condition(condition: n.Condition, dialect_name: str, context: Context) -> Compiled:
    compiler = _Compiler(dialect_name, context)
    return Compiled(P, and_(P.c.id == P.c.canonical_id, compiler.top(condition)))


class _Compiler:
    def __init__(self, dialect_name: str, context: Context) -> None:
        # SQLite turns a bare top-level `p.id IN (subquery)` into lookups by id; PostgreSQL
        # plans it as a semi-join that misjudges the sizes, and runs the wrapped form (a
        # hashed subplan, computed once) 1.2 s on 1M profiles / 20M events.
        self.bare_conjuncts = dialect_name != "postgresql"
        self.context = context
        self.now = context.now

    def top(self, node: n.Condition) -> Sql:
        """The root's conjuncts need no two-valued wrapping (NULL and false both exclude a
        row there), and bare, `p.id IN (...)` lets the planner look profiles up by id
        from the events' index instead of scanning every profile."""
        if isinstance(node, n.And):
            return and_(*(self.top(c) for c in node.all))
        if isinstance(node, n.HasIdentifier | n.Computed):
            # "among the profiles with passing rows": the rows are read once, not probed per
            # profile. PostgreSQL gets it wrapped, as a hashed subplan (see __init__).
            among = P.c.id.in_(self.passing_rows(node))
            return among if self.bare_conjuncts else func.coalesce(among, false())
        if not self.bare_conjuncts or isinstance(node, n.Or | n.Not):
            return self.condition(node)
        return self.leaf(node)

    def passing_rows(self, node: n.HasIdentifier | n.Computed) -> Select[Any]:
        """The profile ids whose identifier or computed trait passes the leaf: every value
        test fails on a missing value, so the leaf is true exactly for these."""
        if isinstance(node, n.HasIdentifier):
            return select(_I.c.profile_id).where(_I.c.type == bound(node.type))
        passed = self.value(Ref(_CT.c.value, ()), node.op, node.value)
        return select(_CT.c.profile_id).where(_CT.c.name == bound(node.name), passed)

    def condition(self, node: n.Condition) -> Sql:
        if isinstance(node, n.And):
            return and_(*(self.condition(c) for c in node.all))
        if isinstance(node, n.Or):
            return or_(*(self.condition(c) for c in node.any))
        if isinstance(node, n.Not):
            return not_(self.condition(node.condition))
        return func.coalesce(self.leaf(node), false())

    def leaf(self, node: n.Condition) -> Sql:
        if isinstance(node, n.Trait):
            return self.value(Ref(P.c.traits, (node.name, "value")), node.op, node.value)
        if isinstance(node, n.Computed):
            return self.value(Ref(_computed(node.name), ()), node.op, node.value)
        if isinstance(node, n.Stat):
            return self.stat(node)
        if isinstance(node, n.Performed | n.Aggregate | n.Occurrence):
            return self.behaviour(node)
        return self.membership(node)

    def membership(self, node: n.Condition) -> Sql:
        """Leaves about identifiers, consent, segments and buckets."""
        if isinstance(node, n.HasIdentifier):
            return _has_identifier(node.type)
        if isinstance(node, n.Reachable):
            if node.purpose is None:
                return _has_identifier(CHANNEL_IDENTIFIER[node.channel])
            return InIds(P.c.id, self.context.allowed(node.channel, node.purpose))
        if isinstance(node, n.InSegment):
            segment = bound(self.context.segment_ids(node.segment))
            return P.c.id.in_(select(_SM.c.profile_id).where(_SM.c.segment_id == segment))
        assert isinstance(node, n.Bucket)
        found = BucketOf(node.salt, P.c.id)
        if node.op == "in":
            assert isinstance(node.value, list)
            return found.in_([bound(v) for v in node.value])
        return COMPARE[node.op](found, bound(node.value))  # type: ignore[no-any-return]

    # --- JSON values (traits, computed traits, event properties) ------------------------
    def value(self, ref: Ref, op: str, expected: Any) -> Sql:
        if op == "exists":
            return JsonIs(ref, "present")
        if op == "eq":
            return _typed_eq(ref, expected)
        if op == "neq":
            return and_(
                JsonIs(ref, "present"), not_(func.coalesce(_typed_eq(ref, expected), false()))
            )
        if op == "in":
            return or_(*(_typed_eq(ref, item) for item in expected))
        if op == "contains":
            return _contains(ref, expected)
        if op == "starts_with":
            return and_(JsonIs(ref, "text"), TextTest(JsonValue(ref, "text"), op, expected))
        if op in SYMBOL:
            return _order(ref, op, expected)
        return self.moment_value(ref, op, expected)

    def moment_value(self, ref: Ref, op: str, expected: Any) -> Sql:
        text = JsonValue(ref, "text")
        moment = MomentOf(text)
        if op == "anniversary_within_days":
            days = [bound(md) for md in anniversary_days(self.now, expected)]
            day = func.substr(text, 6, 5)
            return and_(JsonIs(ref, "text"), moment.is_not(None), day.in_(days))
        cutoff = MomentParam(self.now - timedelta(days=expected))
        seen = moment < cutoff if op == "more_than_days_ago" else moment >= cutoff
        return and_(JsonIs(ref, "text"), seen)

    # --- profile stats ------------------------------------------------------------------
    def stat(self, node: n.Stat) -> Sql:
        column = RevenueTotal(P.c.revenue) if node.name == "revenue" else P.c[node.name]
        if node.op == "exists":
            return column.is_not(None)
        if STATS[node.name] == "time":
            return self.moment_stat(column, node.op, node.value)
        if node.op == "in":
            assert isinstance(node.value, list)
            return column.in_([bound(v) for v in node.value])
        return COMPARE[node.op](column, bound(node.value))  # type: ignore[no-any-return]

    def moment_stat(self, column: Sql, op: str, value: Any) -> Sql:
        if op in COMPARE:
            return COMPARE[op](column, Moment(parse_moment(value)))  # type: ignore[no-any-return]
        cutoff = Moment(self.now - timedelta(days=int(value)))
        return column < cutoff if op == "more_than_days_ago" else column >= cutoff

    # --- behaviour --------------------------------------------------------------------
    def behaviour(self, node: n.Performed | n.Aggregate | n.Occurrence) -> Sql:
        grouped = self.grouped(node)
        if isinstance(node, n.Performed):
            return _count_test(grouped, func.count(), node.op, node.value)
        if isinstance(node, n.Aggregate):
            ref = Ref(_E.c.payload, ("properties", node.property))
            number = case((JsonIs(ref, "number"), JsonValue(ref, "number")))
            if node.fn == "sum":
                total = func.coalesce(func.sum(number), 0)
                return _count_test(grouped, total, node.op, node.value)
            having = COMPARE[node.op](getattr(func, node.fn)(number), bound(node.value))
            return P.c.id.in_(grouped.having(having))
        seen = func.min(_EP.c.timestamp) if node.which == "first" else func.max(_EP.c.timestamp)
        if node.op == "exists":
            return P.c.id.in_(grouped)
        return P.c.id.in_(grouped.having(self.moment_stat(seen, node.op, node.value)))

    def grouped(self, node: n.Performed | n.Aggregate | n.Occurrence) -> Select[Any]:
        """The live ids of the profiles with events matching the leaf, grouped by them."""
        needs_payload = bool(node.where) or isinstance(node, n.Aggregate)
        # CROSS JOIN with the join condition in WHERE: SQLite's way of saying "drive from
        # the events' (event, timestamp) index" (its planner otherwise probes every
        # profile's events).
        source = CrossJoin(_EP, _G)
        conditions = [_EP.c.event == bound(node.event), *self.window(node.window)]
        conditions.append(_G.c.id == _EP.c.profile_id)
        if needs_payload:
            source = CrossJoin(source, _E)
            conditions.append(_E.c.id == _EP.c.event_id)
        conditions += [self.property_filter(f) for f in node.where]
        query = select(_G.c.canonical_id).select_from(source).where(*conditions)
        return query.group_by(_G.c.canonical_id)

    def window(self, window: n.Window | None) -> list[Sql]:
        if window is None:
            return []
        if window.last_days is not None:
            return [_EP.c.timestamp > Moment(self.now - timedelta(days=window.last_days))]
        found = []
        if window.since is not None:
            found.append(_EP.c.timestamp >= Moment(window.since))
        if window.until is not None:
            found.append(_EP.c.timestamp < Moment(window.until))
        return found

    def property_filter(self, item: n.PropertyFilter) -> Sql:
        ref = Ref(_E.c.payload, ("properties", item.property))
        return func.coalesce(self.value(ref, item.op, item.value), false())


def _computed(name: str) -> Sql:
    query = select(_CT.c.value).where(_CT.c.profile_id == P.c.id, _CT.c.name == bound(name))
    return query.scalar_subquery()


def _has_identifier(kind: str) -> Sql:
    return exists().where(_I.c.profile_id == P.c.id, _I.c.type == bound(kind))


def _typed_eq(ref: Ref, expected: Any) -> Sql:
    if isinstance(expected, bool):
        return and_(JsonIs(ref, "bool"), JsonValue(ref, "bool") == bound(expected))
    if isinstance(expected, int | float):
        return and_(JsonIs(ref, "number"), JsonValue(ref, "number") == bound(expected))
    return and_(JsonIs(ref, "text"), JsonValue(ref, "text") == bound(expected))


def _contains(ref: Ref, expected: Any) -> Sql:
    in_array = and_(JsonIs(ref, "array"), ArrayHas(ref, expected))
    if not isinstance(expected, str):
        return in_array
    as_text = and_(JsonIs(ref, "text"), TextTest(JsonValue(ref, "text"), "contains", expected))
    return or_(as_text, in_array)


def _order(ref: Ref, op: str, expected: Any) -> Sql:
    if isinstance(expected, str):
        return and_(JsonIs(ref, "text"), TextTest(JsonValue(ref, "text"), SYMBOL[op], expected))
    return and_(JsonIs(ref, "number"), COMPARE[op](JsonValue(ref, "number"), bound(expected)))


def _count_test(grouped: Select[Any], counted: Sql, op: str, value: Any) -> Sql:
    """A count (or sum) that holds for zero events selects the profiles NOT among those
    where it fails, so profiles without any such event qualify."""
    having = COMPARE[op](counted, bound(value))
    if count_matches(op, 0, value):
        return P.c.id.not_in(grouped.having(not_(having)))
    return P.c.id.in_(grouped.having(having))
