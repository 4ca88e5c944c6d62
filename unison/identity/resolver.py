"""Deciding which profile an event belongs to, and which profiles it merges.

Pure rules over an in-memory view of the graph (`Graph`); the processor loads that view
from the database, applies the decisions and writes them back in one transaction.

Rules, in order:
* the event belongs with its strongest identifier (user_id, crm_id, loyalty card, email,
  phone, messenger ids, device, anonymous id): its owner's profile, else the profile of the
  strongest owned identifier if the new one may join it, else a new profile born at this
  event (its id is the event's id, so replays give it back the same id);
* every other identifier of the event links its profile to that one: an unowned identifier
  joins it, an owned one merges its profile into the older of the two;
* unless a limit per identifier type (one user_id, five emails, ...) or a block set by a
  split forbids it: then nothing is linked and a conflict is recorded instead.
"""

from dataclasses import dataclass, field

from unison.identity.identifiers import Ident


@dataclass
class IdProfile:
    id: int
    canonical_id: int
    counts: dict[str, int]
    created_now: bool = False  # born in the batch being processed


@dataclass(frozen=True)
class MergeDecision:
    survivor_id: int
    merged_id: int
    rule: str
    survivor_identifiers: tuple[Ident, ...]
    merged_identifiers: tuple[Ident, ...]


@dataclass(frozen=True)
class ConflictDecision:
    profile_id: int
    other_profile_id: int | None
    identifier: Ident
    rule: str
    detail: str


@dataclass
class Decision:
    profile_id: int
    created: bool = False
    attached: list[Ident] = field(default_factory=list)
    merges: list[MergeDecision] = field(default_factory=list)
    conflicts: list[ConflictDecision] = field(default_factory=list)


@dataclass
class Graph:
    """The part of the identity graph a batch touches."""

    owner: dict[Ident, int]
    profiles: dict[int, IdProfile]
    blocks: set[frozenset[Ident]]
    limits: dict[str, int]
    rank: dict[str, int]

    def canonical(self, profile_id: int) -> int:
        profile = self.profiles[profile_id]
        while profile.canonical_id != profile.id:
            profile = self.profiles[profile.canonical_id]
        return profile.id

    def owner_of(self, ident: Ident) -> int | None:
        owner = self.owner.get(ident)
        return None if owner is None else self.canonical(owner)

    def limit(self, kind: str) -> int:
        return self.limits.get(kind, 1_000_000)


def resolve(graph: Graph, event_id: int, identifiers: list[Ident]) -> Decision | None:
    """Decide for one event; None when it carries no usable identifier."""
    idents = _sorted(graph, [_previous_id(graph, i) for i in identifiers])
    if not idents:
        return None
    target, created = _choose_target(graph, event_id, idents)
    decision = Decision(profile_id=target, created=created)
    if created:
        graph.profiles[target] = IdProfile(target, target, {}, created_now=True)
    for ident in idents:
        owner = graph.owner_of(ident)
        target = decision.profile_id
        if owner is None:
            _attach(graph, decision, ident, target, idents)
        elif owner != target:
            _merge(graph, decision, ident, target, owner, idents, event_id)
    return decision


def _previous_id(graph: Graph, ident: Ident) -> Ident:
    """alias previousId: a user id when one is known by that value, else an anonymous id."""
    if ident.type != "previous_id":
        return ident
    as_user = Ident("user_id", ident.value)
    return as_user if as_user in graph.owner else Ident("anonymous_id", ident.value)


def _sorted(graph: Graph, idents: list[Ident]) -> list[Ident]:
    unique = list(dict.fromkeys(idents))
    return sorted(unique, key=lambda i: graph.rank.get(i.type, len(graph.rank)))


def _choose_target(graph: Graph, event_id: int, idents: list[Ident]) -> tuple[int, bool]:
    strongest = idents[0]
    owner = graph.owner_of(strongest)
    if owner is not None:
        return owner, False
    for ident in idents[1:]:
        candidate = graph.owner_of(ident)
        if candidate is not None:
            if _fits(graph, candidate, {strongest.type: 1}) and not _blocked(
                graph, [strongest], _side(graph, idents, candidate)
            ):
                return candidate, False
            break
    return event_id, True


def _side(graph: Graph, idents: list[Ident], profile_id: int) -> list[Ident]:
    return [i for i in idents if graph.owner_of(i) == profile_id]


def _fits(graph: Graph, profile_id: int, extra: dict[str, int]) -> bool:
    counts = graph.profiles[profile_id].counts
    return all(counts.get(kind, 0) + n <= graph.limit(kind) for kind, n in extra.items())


def _blocked(graph: Graph, side_a: list[Ident], side_b: list[Ident]) -> bool:
    if not graph.blocks:
        return False
    return any(frozenset((a, b)) in graph.blocks for a in side_a for b in side_b)


def _attach(
    graph: Graph, decision: Decision, ident: Ident, target: int, idents: list[Ident]
) -> None:
    if not _fits(graph, target, {ident.type: 1}):
        decision.conflicts.append(
            ConflictDecision(
                target,
                None,
                ident,
                "limit",
                f"profile already has {graph.limit(ident.type)} {ident.type} identifier(s), "
                f"the limit; {ident.type} {ident.value!r} was not linked",
            )
        )
        return
    if _blocked(graph, [ident], _side(graph, idents, target)):
        decision.conflicts.append(
            ConflictDecision(target, None, ident, "blocked", "this link was undone by a split")
        )
        return
    graph.owner[ident] = target
    counts = graph.profiles[target].counts
    counts[ident.type] = counts.get(ident.type, 0) + 1
    decision.attached.append(ident)


def _merge(
    graph: Graph,
    decision: Decision,
    ident: Ident,
    target: int,
    other: int,
    idents: list[Ident],
    event_id: int,
) -> None:
    target_side, other_side = _side(graph, idents, target), _side(graph, idents, other)
    combined = dict(graph.profiles[other].counts)
    over = [k for k, n in combined.items() if not _fits(graph, target, {k: n})]
    if over:
        kind = over[0]
        decision.conflicts.append(
            ConflictDecision(
                target,
                other,
                ident,
                "limit",
                f"merging would give the profile more than {graph.limit(kind)} {kind} "
                f"identifier(s); linked through {ident.type} {ident.value!r}",
            )
        )
        return
    if _blocked(graph, target_side, other_side):
        decision.conflicts.append(
            ConflictDecision(
                target,
                other,
                ident,
                "blocked",
                f"a split forbade linking these profiles through {ident.type} {ident.value!r}",
            )
        )
        return
    survivor, merged = (target, other) if target < other else (other, target)
    keep, gone = graph.profiles[survivor], graph.profiles[merged]
    for kind, n in gone.counts.items():
        keep.counts[kind] = keep.counts.get(kind, 0) + n
    gone.canonical_id = survivor
    decision.profile_id = survivor
    if gone.created_now and gone.id == event_id:
        # The event's own brand-new profile folds into an existing one: no merge to audit,
        # its identifiers simply joined the survivor.
        decision.created = False
        return
    sides = (target_side, other_side) if survivor == target else (other_side, target_side)
    decision.merges.append(
        MergeDecision(survivor, merged, "identifier_match", tuple(sides[0]), tuple(sides[1]))
    )
