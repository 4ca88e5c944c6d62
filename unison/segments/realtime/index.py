"""Which events can change which segments, and what a segment needs loaded to be evaluated.

The real-time path evaluates, for an event's profile, only the segments this index says the
event can affect: those naming the event, those reading traits (on events that carry
traits), those reading identifiers or stats every event moves, and, in a second step, those
that read a segment or a computed trait that just changed.
"""

from dataclasses import dataclass, field

from unison.profiles.projection import ORDER_EVENT
from unison.segments.language.nodes import (
    Aggregate,
    Computed,
    Condition,
    HasIdentifier,
    InSegment,
    Occurrence,
    Performed,
    Reachable,
    Stat,
    Trait,
    TraitDefinition,
    walk,
)

ORDER_STATS = frozenset({"order_count", "revenue", "last_order_at"})


@dataclass
class Needs:
    """What to load for a profile before evaluating."""

    events: set[str] = field(default_factory=set)
    payload: set[str] = field(default_factory=set)  # event names whose properties are read
    identifiers: bool = False
    computed: set[str] = field(default_factory=set)
    reach: set[tuple[str, str]] = field(default_factory=set)  # (channel, purpose) to ask consent

    def add(self, other: "Needs") -> None:
        self.events |= other.events
        self.payload |= other.payload
        self.identifiers = self.identifiers or other.identifiers
        self.computed |= other.computed
        self.reach |= other.reach


@dataclass
class Triggers:
    events: set[str] = field(default_factory=set)
    any_event: bool = False
    traits: bool = False
    computed: set[str] = field(default_factory=set)
    segments: set[str] = field(default_factory=set)


def needs_of(condition: Condition) -> Needs:
    needs = Needs()
    for node in walk(condition):
        if isinstance(node, Performed | Aggregate | Occurrence):
            needs.events.add(node.event)
            if node.where or isinstance(node, Aggregate):
                needs.payload.add(node.event)
        elif isinstance(node, HasIdentifier | Reachable):
            needs.identifiers = True
            if isinstance(node, Reachable) and node.purpose is not None:
                needs.reach.add((node.channel, node.purpose))
        elif isinstance(node, Computed):
            needs.computed.add(node.name)
    return needs


def trait_needs(definition: TraitDefinition) -> Needs:
    needs = Needs(events={definition.event})
    if definition.where or definition.property is not None:
        needs.payload.add(definition.event)
    return needs


def triggers_of(condition: Condition) -> Triggers:
    found = Triggers()
    for node in walk(condition):
        if isinstance(node, Performed | Aggregate | Occurrence):
            found.events.add(node.event)
        elif isinstance(node, Trait):
            found.traits = True
        elif isinstance(node, Stat):
            if node.name in ORDER_STATS:
                found.events.add(ORDER_EVENT)
            else:
                found.any_event = True
        elif isinstance(node, HasIdentifier | Reachable):
            found.any_event = True  # any event may bring an identifier (or a consent change)
        elif isinstance(node, Computed):
            found.computed.add(node.name)
        elif isinstance(node, InSegment):
            found.segments.add(node.segment)
    return found


def referenced_segments(condition: Condition) -> set[str]:
    return {node.segment for node in walk(condition) if isinstance(node, InSegment)}
