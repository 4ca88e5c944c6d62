"""The active segments and computed-trait definitions, parsed once and indexed by what can
change them; reloaded only when a definition changed (a cheap fingerprint query)."""

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from unison.segments import repository as rows
from unison.segments.language.nodes import (
    Aggregate,
    Condition,
    Occurrence,
    Performed,
    TraitDefinition,
    parse_condition,
    parse_trait_definition,
    walk,
)
from unison.segments.realtime.index import Needs, Triggers, needs_of, trait_needs, triggers_of

DAY_OPS = {"more_than_days_ago", "less_than_days_ago", "anniversary_within_days"}


@dataclass
class Compiled:
    id: int
    name: str
    condition: Condition
    needs: Needs
    triggers: Triggers
    timed: bool  # has a leaf the clock alone can change (needs timers)


@dataclass
class CompiledTrait:
    name: str
    definition: TraitDefinition
    needs: Needs
    timed: bool


def timed(condition: Condition) -> bool:
    for node in walk(condition):
        window = node.window if isinstance(node, Performed | Aggregate | Occurrence) else None
        if window is not None and window.last_days is not None:
            return True
        if getattr(node, "op", None) in DAY_OPS:
            return True
    return False


@dataclass
class Catalog:
    segments: dict[int, Compiled] = field(default_factory=dict)
    order: list[int] = field(default_factory=list)  # dependencies first
    by_name: dict[str, int] = field(default_factory=dict)
    by_event: dict[str, set[int]] = field(default_factory=dict)
    any_event: set[int] = field(default_factory=set)
    on_traits: set[int] = field(default_factory=set)
    by_computed: dict[str, set[int]] = field(default_factory=dict)
    dependents: dict[int, set[int]] = field(default_factory=dict)
    traits: dict[str, CompiledTrait] = field(default_factory=dict)
    traits_by_event: dict[str, set[str]] = field(default_factory=dict)
    fingerprint: tuple[Any, ...] = ()

    def affected(self, name: str | None, carries_traits: bool) -> set[int]:
        found = set(self.any_event)
        if name is not None:
            found |= self.by_event.get(name, set())
        if carries_traits:
            found |= self.on_traits
        return found

    def closure(self, ids: set[int]) -> set[int]:
        """The segments and every segment that reads them, transitively."""
        found, todo = set(ids), list(ids)
        while todo:
            for dependent in self.dependents.get(todo.pop(), ()):
                if dependent not in found:
                    found.add(dependent)
                    todo.append(dependent)
        return found

    def needs(self, ids: set[int], traits: set[str]) -> Needs:
        total = Needs()
        for segment_id in ids:
            total.add(self.segments[segment_id].needs)
        for name in traits:
            total.add(self.traits[name].needs)
        return total


def fingerprint(session: Session) -> tuple[Any, ...]:
    return rows.definitions_fingerprint(session)


def load(session: Session, previous: Catalog | None = None) -> Catalog:
    mark = fingerprint(session)
    if previous is not None and previous.fingerprint == mark:
        return previous
    catalog = Catalog(fingerprint=mark)
    for row in rows.segments(session, active_only=True):
        condition = parse_condition(row.definition)
        catalog.segments[row.id] = Compiled(
            row.id,
            row.name,
            condition,
            needs_of(condition),
            triggers_of(condition),
            timed(condition),
        )
        catalog.by_name[row.name] = row.id
    _index(catalog)
    for trait_row in rows.trait_definitions(session):
        definition = parse_trait_definition(trait_row.definition)
        window = definition.window
        catalog.traits[trait_row.name] = CompiledTrait(
            trait_row.name,
            definition,
            trait_needs(definition),
            window is not None and window.last_days is not None,
        )
        catalog.traits_by_event.setdefault(definition.event, set()).add(trait_row.name)
    return catalog


def _index(catalog: Catalog) -> None:
    for compiled in catalog.segments.values():
        triggers = compiled.triggers
        for name in triggers.events:
            catalog.by_event.setdefault(name, set()).add(compiled.id)
        if triggers.any_event:
            catalog.any_event.add(compiled.id)
        if triggers.traits:
            catalog.on_traits.add(compiled.id)
        for name in triggers.computed:
            catalog.by_computed.setdefault(name, set()).add(compiled.id)
        for name in triggers.segments:
            if name in catalog.by_name:
                catalog.dependents.setdefault(catalog.by_name[name], set()).add(compiled.id)
    catalog.order = _topological(catalog)


def _topological(catalog: Catalog) -> list[int]:
    order: list[int] = []
    state: dict[int, int] = {}

    def visit(segment_id: int) -> None:
        if state.get(segment_id) == 2:
            return
        if state.get(segment_id) == 1:  # a cycle (refused at creation): stop descending
            return
        state[segment_id] = 1
        compiled = catalog.segments[segment_id]
        for name in compiled.triggers.segments:
            if name in catalog.by_name:
                visit(catalog.by_name[name])
        state[segment_id] = 2
        order.append(segment_id)

    for segment_id in sorted(catalog.segments):
        visit(segment_id)
    return order
