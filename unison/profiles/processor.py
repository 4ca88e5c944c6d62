"""The identity-and-profile processor: resolves each event to a profile and projects it.

Resolution and projection run in one pass and one transaction per batch, because a merge
must combine both the identity graph and the projected traits atomically.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from unison.events.log import LogEvent
from unison.events.processing import Processor
from unison.identity import service as identity
from unison.identity.identifiers import Ident, extract, type_rank
from unison.identity.resolver import Decision, Graph, resolve
from unison.identity.shared import (
    SharedDevices,
    SharedFinding,
    devices_of,
    drop_shared_channel_devices,
)
from unison.kit.clock import utcnow
from unison.kit.settings import Settings
from unison.profiles import regroup
from unison.profiles import repository as profile_rows
from unison.profiles.projection import EventFacts, ProfileState, apply_event, merge_states
from unison.profiles.search import service as search
from unison.profiles.search.terms import names_changed
from unison.sources import service as sources

NAME = "profiles"
# What a split or a shared-device undo runs on the replayed events after resolution
# (unison.app.chain.AFTER_SPLIT: inbox, segments).
Follower = Callable[[Session, list[LogEvent]], None]


@dataclass(frozen=True)
class IdentityRules:
    limits: dict[str, int]
    custom_types: tuple[str, ...] = ()
    shared_channels: frozenset[str] = frozenset({"pos", "call_center", "helpdesk"})
    shared_device_max: int = 3

    @property
    def rank(self) -> dict[str, int]:
        return type_rank(self.custom_types)


@dataclass
class _Batch:
    """Everything one batch decided, written back at its end."""

    graph: Graph
    states: dict[int, ProfileState]
    shared: SharedDevices
    now: datetime = field(default_factory=utcnow)
    born: set[int] = field(default_factory=set)
    identifiers: list[tuple[Ident, datetime, int]] = field(default_factory=list)
    merges: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    rejections: list[dict[str, Any]] = field(default_factory=list)
    attributions: list[dict[str, Any]] = field(default_factory=list)
    event_ids: set[int] = field(default_factory=set)


def profile_processor(settings: Settings, followers: Sequence[Follower] = ()) -> "ProfileProcessor":
    rules = IdentityRules(
        dict(settings.identity_limits),
        tuple(settings.identity_custom_types),
        frozenset(settings.identity_shared_device_channels),
        settings.identity_shared_device_max_identities,
    )
    return ProfileProcessor(rules, followers)


class ProfileProcessor(Processor[_Batch]):
    name = NAME

    def __init__(self, rules: IdentityRules, followers: Sequence[Follower] = ()) -> None:
        self.rules = rules
        self.followers = list(followers)
        self._rank = rules.rank
        self._sources: dict[int, tuple[str, str | None]] = {}

    def plan(self, session: Session, events: list[LogEvent]) -> "_Batch":
        """Everything the batch decides, from reads only: no lock is held meanwhile."""
        extracted = [self._extract(session, e) for e in events]
        batch = self._load(session, [i for idents, _ in extracted for i in idents])
        batch.event_ids = {e.id for e in events}
        for event, (idents, rejected) in zip(events, extracted, strict=True):
            batch.rejections += [
                {"event_id": event.id, "type": r.type, "value": r.value, "reason": r.reason}
                for r in rejected
            ]
            idents = batch.shared.screen(event.id, idents)
            decision = resolve(batch.graph, event.id, idents)
            if decision is not None:
                self._apply(session, batch, event, decision, batch.now)
        return batch

    def write(self, session: Session, batch: "_Batch") -> None:
        self._flush(session, batch, batch.now)
        for finding in batch.shared.found:
            self._undo_shared(session, finding)

    def _undo_shared(self, session: Session, finding: SharedFinding) -> None:
        """Links made through the device before it was found shared are undone at once, by
        replaying its group (where it now links nothing) with every follower."""
        why = (
            f"{finding.ident.type} {finding.ident.value[:60]!r} is shared: seen with "
            f"{finding.identities} distinct {finding.strong_type} values "
            f"(limit {self.rules.shared_device_max})"
        )
        root, undone = regroup.forget_shared(session, finding.ident, why, self._replay, NAME)
        identity.record_shared_outcome(session, finding.ident, root, undone)

    def _replay(self, session: Session, events: list[LogEvent]) -> None:
        self.process(session, events)
        for follow in self.followers:
            follow(session, events)

    def _extract(self, session: Session, event: LogEvent) -> tuple[list[Ident], list[Any]]:
        _, region = self._source(session, event.source_id)
        found = extract(event.payload, source_region=region, custom_types=self.rules.custom_types)
        idents = drop_shared_channel_devices(
            found.identifiers, event.channel, self.rules.shared_channels
        )
        return idents, found.rejected

    def _source(self, session: Session, source_id: int) -> tuple[str, str | None]:
        if source_id not in self._sources:
            self._sources = sources.names_and_regions(session)
        return self._sources[source_id]

    def _load(self, session: Session, idents: list[Ident]) -> _Batch:
        unique = list(dict.fromkeys(idents))
        # alias previousId may name a user id or an anonymous id: load both readings
        probes = unique + [
            Ident(kind, i.value)
            for i in unique
            if i.type == "previous_id"
            for kind in ("user_id", "anonymous_id")
        ]
        owner = identity.owners(session, probes)
        profiles = identity.id_profiles(session, set(owner.values()))
        graph = Graph(
            owner=owner,
            profiles=profiles,
            blocks=identity.blocks(session, probes),
            limits=self.rules.limits,
            rank=self._rank,
        )
        live = {p.id for p in profiles.values() if p.canonical_id == p.id}
        devices = devices_of(unique)
        shared = identity.shared_among(session, devices) if devices else set()
        seen = identity.cooccurrences(session, [d for d in devices if d not in shared])
        return _Batch(
            graph=graph,
            states=profile_rows.states(session, live),
            shared=SharedDevices(self.rules.shared_device_max, shared, seen),
        )

    def _apply(
        self, session: Session, batch: _Batch, event: LogEvent, decision: Decision, now: datetime
    ) -> None:
        graph, states = batch.graph, batch.states
        if decision.created:
            batch.born.add(decision.profile_id)
            states[decision.profile_id] = ProfileState.born(decision.profile_id, event.timestamp)
        for merge in decision.merges:
            for pid in (merge.survivor_id, merge.merged_id):
                if pid not in states:  # merged away before this batch: its state is stored
                    states.update(profile_rows.states(session, [pid]))
            merge_states(states[merge.survivor_id], states[merge.merged_id])
            batch.merges.append(
                {
                    "event_id": event.id,
                    "rule": merge.rule,
                    "survivor_id": merge.survivor_id,
                    "merged_id": merge.merged_id,
                    "survivor_identifiers": [[i.type, i.value] for i in merge.survivor_identifiers],
                    "merged_identifiers": [[i.type, i.value] for i in merge.merged_identifiers],
                    "created_at": now,
                }
            )
        target = graph.canonical(decision.profile_id)
        if target not in states:
            states.update(profile_rows.states(session, [target]))
        source_name, _ = self._source(session, event.source_id)
        facts = EventFacts(
            event.id,
            event.type,
            event.name,
            event.channel,
            source_name,
            event.timestamp,
            event.payload,
        )
        apply_event(states[target], facts)
        batch.identifiers += [(i, event.timestamp, event.id) for i in decision.attached]
        batch.conflicts += [
            {
                "event_id": event.id,
                "rule": c.rule,
                "profile_id": c.profile_id,
                "other_profile_id": c.other_profile_id,
                "identifier_type": c.identifier.type,
                "identifier_value": c.identifier.value,
                "detail": c.detail,
                "status": "open",
                "created_at": now,
            }
            for c in decision.conflicts
        ]
        batch.attributions.append(
            {
                "event_id": event.id,
                "profile_id": target,
                "timestamp": event.timestamp,
                "channel": event.channel,
                "event": event.name,
            }
        )

    def _flush(self, session: Session, batch: _Batch, now: datetime) -> None:
        graph = batch.graph
        identity.add_identifiers(
            session,
            [
                {
                    "type": i.type,
                    "value": i.value,
                    "profile_id": graph.canonical(graph.owner[i]),
                    "first_seen": at,
                    "event_id": event_id,
                }
                for i, at, event_id in batch.identifiers
            ],
        )
        new: list[tuple[ProfileState, int]] = []
        changed: list[tuple[ProfileState, int]] = []
        for pid, state in batch.states.items():
            state.identifier_counts = dict(graph.profiles[pid].counts)
            pair = (state, graph.canonical(pid))
            (new if pid in batch.born else changed).append(pair)
        profile_rows.save_states(session, new, changed, now)
        for merge in batch.merges:
            identity.repoint_identifiers(session, merge["merged_id"], merge["survivor_id"])
            profile_rows.redirect(session, merge["merged_id"], merge["survivor_id"])
        self._reindex(session, batch)
        identity.add_merges(session, batch.merges)
        identity.add_conflicts(session, batch.conflicts)
        identity.add_rejections(session, batch.rejections)
        identity.add_cooccurrences(session, batch.shared.new_pairs)
        identity.add_shared(
            session,
            [
                {
                    "type": f.ident.type,
                    "value": f.ident.value,
                    "strong_type": f.strong_type,
                    "identities": f.identities,
                    "event_id": f.event_id,
                    "detected_at": now,
                    "undone_merges": 0,
                }
                for f in batch.shared.found
            ],
        )
        profile_rows.attribute_events(session, batch.attributions)

    def _reindex(self, session: Session, batch: _Batch) -> None:
        """The search index, in the same transaction as the profiles it indexes; only for
        the profiles whose names or identifiers this batch changed."""
        graph = batch.graph
        touched = batch.born | {m[k] for m in batch.merges for k in ("survivor_id", "merged_id")}
        touched |= {graph.canonical(graph.owner[i]) for i, _, _ in batch.identifiers}
        touched |= {
            pid
            for pid, state in batch.states.items()
            if names_changed(state.traits, batch.event_ids)
        }
        alive = [pid for pid in touched if graph.canonical(pid) == pid]
        states = {**profile_rows.states(session, set(alive) - set(batch.states)), **batch.states}
        live = {pid: states[pid].traits for pid in alive}
        search.reindex(session, live, [pid for pid in touched if graph.canonical(pid) != pid])

    def forget(self) -> None:
        """Drop what is cached between batches (another writer or a split changed state)."""
        self._sources = {}
