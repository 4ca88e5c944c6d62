"""One evaluation round: for a set of live profiles, load what the affected segments and
traits need in a handful of queries (never one per segment), evaluate in Python, and
return the decided changes; `write` applies them (members, history, timers, computed
traits, `segment.entered` / `segment.exited` events on the log) in the caller's transaction.

Used by the log processor (per batch of events), the timer scheduler and recomputes.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy.orm import Session

from unison.consent import service as consent_service
from unison.consent.vocabulary import CHANNEL_IDENTIFIER
from unison.events import service as event_log
from unison.kit.clock import isoformat_z
from unison.kit.settings import Settings
from unison.profiles import computed_traits
from unison.segments import repository as rows
from unison.segments.computed_traits import aggregates as trait_values
from unison.segments.computed_traits import rfm
from unison.segments.realtime.catalog import Catalog
from unison.segments.realtime.evaluate import EventRow, Facts, evaluate, explain, next_change
from unison.segments.realtime.index import Needs
from unison.segments.realtime.system_source import source_id

ENTERED = "segment.entered"
EXITED = "segment.exited"


@dataclass
class Work:
    """What to evaluate for one live profile."""

    segments: set[int] = field(default_factory=set)
    traits: set[str] = field(default_factory=set)
    rfm: bool = False
    trigger: str = "event"
    event_id: int | None = None
    due: datetime | None = None  # a timer's moment: when the change happened


@dataclass
class Plan:
    enter: list[dict[str, Any]] = field(default_factory=list)
    leave: list[tuple[int, int]] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    set_timers: list[dict[str, Any]] = field(default_factory=list)
    drop_timers: list[tuple[str, int]] = field(default_factory=list)
    traits: list[tuple[int, str, Any]] = field(default_factory=list)
    rfm: list[tuple[int, str, Any]] = field(default_factory=list)
    announce: list[tuple[int, int, str, datetime, dict[str, Any]]] = field(default_factory=list)
    now: datetime | None = None

    @property
    def empty(self) -> bool:
        return not (
            self.enter
            or self.leave
            or self.set_timers
            or self.drop_timers
            or self.traits
            or self.rfm
        )


@dataclass(frozen=True)
class _Loaded:
    """Profile rows read for a round: live profiles, the live id of every group member,
    and (member id, event name, timestamp, payload) rows."""

    live: dict[int, rows.ProfileRow]
    owner: dict[int, int]
    events: list[tuple[int, str, datetime, dict[str, Any] | None]]


class Loader:
    """Facts of many profiles, loaded together."""

    def __init__(self, session: Session, settings: Settings | None) -> None:
        self.session = session
        self.settings = settings
        self._kinds: dict[str, str] | None = None
        self.groups: dict[int, list[int]] = {}
        # Read with the facts when the store answers them in the same round trip.
        self.memberships: list[tuple[int, int]] | None = None
        self.timers: dict[tuple[str, int], datetime] | None = None

    def kinds(self) -> dict[str, str]:
        if self._kinds is None:
            self._kinds = (
                consent_service.kinds(self.session, self.settings) if self.settings else {}
            )
        return self._kinds

    def facts(
        self,
        cids: list[int],
        needs: Needs,
        trait_names: set[str] | None = None,
        wants_rfm: bool = False,
    ) -> dict[int, Facts]:
        """Facts of the live profiles among `cids` (a merged-away id has none: its facts
        live on its survivor)."""
        plain = self._profiles_and_events(cids, sorted(needs.events - needs.payload))
        found = {
            pid: Facts(profile_id=pid, traits=row.traits, stats=row.stats)
            for pid, row in plain.live.items()
        }
        self._add_events(found, plain)
        members = [pid for cid in found for pid in self.groups.get(cid, ())]
        payload = rows.round_events(self.session, members, sorted(needs.payload), True)
        self._add_events(found, _Loaded(plain.live, plain.owner, payload))
        if needs.identifiers:
            for pid, kinds in rows.identifier_types(self.session, list(found)).items():
                found[pid].identifiers = kinds
        names = sorted(needs.computed | (trait_names or set()))
        if wants_rfm:
            names += list(rfm.NAMES)
        for pid, values in rows.computed_values(self.session, list(found), names).items():
            found[pid].computed = values
        self._add_reachability(found, needs.reach)
        return found

    def _profiles_and_events(self, cids: list[int], names: list[str]) -> "_Loaded":
        """The profile groups and their events of `names` (without payloads); PostgreSQL
        answers the memberships and timers in the same round trip."""
        session = self.session
        if session.get_bind().dialect.name == "postgresql" and len(cids) <= 500:
            loaded = rows.round_postgres(session, cids, names)
            self.groups = loaded.groups
            self.memberships, self.timers = loaded.memberships, loaded.timers
            return _Loaded(loaded.live, loaded.owner, loaded.events)
        live, self.groups, owner = rows.round_profiles(session, cids)
        members = [pid for cid in live for pid in self.groups.get(cid, ())]
        return _Loaded(live, owner, rows.round_events(session, members, names, False))

    @staticmethod
    def _add_events(found: dict[int, Facts], loaded: "_Loaded") -> None:
        for pid, name, at, payload in loaded.events:
            facts = found.get(loaded.owner[pid])
            if facts is None:
                continue  # an event of a group whose live profile is not among `cids`
            props = payload.get("properties") if isinstance(payload, dict) else None
            row = EventRow(name, at, props if isinstance(props, dict) else {})
            facts.events.setdefault(name, []).append(row)

    def _add_reachability(self, found: dict[int, Facts], reach: set[tuple[str, str]]) -> None:
        """Each channel's reachability by identifier alone, and the consent decision for each
        (channel, purpose) a segment asks about: one batched question per pair, not one per
        profile."""
        for facts in found.values():
            for channel, kind in CHANNEL_IDENTIFIER.items():
                present = kind in facts.identifiers
                facts.reachability[(channel, None)] = (present, "identifier" if present else "none")
        for channel, purpose in sorted(reach):
            for pid, answer in self.reach(list(found), channel, purpose).items():
                found[pid].reachability[(channel, purpose)] = answer

    def reach(self, pids: list[int], channel: str, purpose: str) -> dict[int, tuple[bool, str]]:
        kind = self.kinds().get(purpose)
        if kind is None:
            return dict.fromkeys(pids, (False, f"unknown purpose {purpose}"))
        decided = consent_service.contactable(self.session, pids, purpose, channel, kind=kind)
        return {pid: (d.allowed, d.reason) for pid, d in decided.items()}


@dataclass
class _Round:
    """What a round loaded for its profiles, besides their facts."""

    catalog: Catalog
    now: datetime
    groups: dict[int, list[int]]
    held: dict[int, set[int]]  # profile id (live or merged-away) -> segments it is in
    timers: dict[tuple[str, int], datetime]
    bounds: dict[str, list[float]] | None
    names: dict[int, str]


@dataclass
class _Subject:
    """One live profile being decided: its facts, and the segments it is in so far."""

    cid: int
    item: Work
    facts: Facts
    inside: set[int]

    @property
    def at(self) -> datetime | None:
        return self.item.due


def decide(
    session: Session,
    catalog: Catalog,
    work: dict[int, Work],
    now: datetime,
    settings: Settings | None,
) -> Plan:
    """Evaluate `work` (live profile id -> what to evaluate) and plan the changes."""
    plan = Plan(now=now)
    if not work:
        return plan
    facts, loaded = _load(session, catalog, work, now, settings)
    for cid in sorted(work):
        if cid not in facts:
            continue  # not a live profile (merged since the event): the survivor is handled
        subject = _Subject(cid, work[cid], facts[cid], set(loaded.held.get(cid, set())))
        _release_merged(plan, loaded, subject)
        _decide_profile(plan, loaded, subject)
    return plan


def _load(
    session: Session,
    catalog: Catalog,
    work: dict[int, Work],
    now: datetime,
    settings: Settings | None,
) -> tuple[dict[int, Facts], _Round]:
    cids = sorted(work)
    wanted_traits = {t for w in work.values() for t in w.traits}
    wants_rfm = any(w.rfm for w in work.values())
    needs = catalog.needs(
        catalog.closure({s for w in work.values() for s in w.segments}), wanted_traits
    )
    loader = Loader(session, settings)
    facts = loader.facts(cids, needs, wanted_traits, wants_rfm)
    groups = loader.groups
    found_members = loader.memberships
    if found_members is None:
        everyone = [p for c in cids for p in groups.get(c, [c])]
        found_members = rows.round_memberships(session, everyone)
    held: dict[int, set[int]] = {}
    for segment_id, pid in found_members:
        held.setdefault(pid, set()).add(segment_id)
    timers = loader.timers if loader.timers is not None else rows.round_timers(session, cids)
    loaded = _Round(
        catalog,
        now,
        groups,
        held,
        timers,
        rfm.boundaries(session) if wants_rfm else None,
        {compiled.id: compiled.name for compiled in catalog.segments.values()},
    )
    return facts, loaded


def _release_merged(plan: Plan, loaded: _Round, subject: _Subject) -> None:
    """Memberships left on profiles merged into this one end."""
    at = subject.at or loaded.now
    reason = {"merged_into": subject.cid}
    for merged in loaded.groups.get(subject.cid, []):
        if merged == subject.cid:
            continue
        for segment_id in sorted(loaded.held.get(merged, set())):
            record_change(plan, segment_id, merged, False, at, "merge", reason, loaded.names)


def _decide_profile(plan: Plan, loaded: _Round, subject: _Subject) -> None:
    """Computed traits first, then the segments in dependency order: a change adds the
    segments that read the changed trait or segment to the ones still to evaluate."""
    catalog = loaded.catalog
    subject.facts.segments = {loaded.names[s] for s in subject.inside if s in loaded.names}
    changed_traits = _traits(
        plan, catalog, subject.item, subject.facts, loaded.now, loaded.timers, loaded.bounds
    )
    todo = set(subject.item.segments)
    for name in changed_traits:
        todo |= catalog.by_computed.get(name, set())
    for segment_id in catalog.order:
        if segment_id in todo and _decide_segment(plan, loaded, subject, segment_id):
            todo |= catalog.dependents.get(segment_id, set())


def _decide_segment(plan: Plan, loaded: _Round, subject: _Subject, segment_id: int) -> bool:
    """Evaluate one segment for the subject; True when its membership changed."""
    compiled = loaded.catalog.segments[segment_id]
    facts, now = subject.facts, loaded.now
    inside = evaluate(compiled.condition, facts, now)
    if compiled.timed:
        owner = f"segment:{segment_id}"
        _timer(plan, loaded.timers, owner, subject.cid, compiled.condition, facts, now)
    if inside == (segment_id in subject.inside):
        return False
    reason = {
        "trigger": subject.item.trigger,
        "event_id": subject.item.event_id,
        "explanation": explain(compiled.condition, facts, now),
    }
    at = subject.at or now
    record_change(
        plan, segment_id, subject.cid, inside, at, subject.item.trigger, reason, loaded.names
    )
    if inside:
        subject.inside.add(segment_id)
        facts.segments.add(compiled.name)
    else:
        subject.inside.discard(segment_id)
        facts.segments.discard(compiled.name)
    return True


def _traits(
    plan: Plan,
    catalog: Catalog,
    item: Work,
    facts: Facts,
    now: datetime,
    timers: dict[tuple[str, int], datetime],
    bounds: dict[str, list[float]] | None,
) -> set[str]:
    changed: set[str] = set()
    for name in sorted(item.traits):
        compiled = catalog.traits.get(name)
        if compiled is None:
            continue
        value = trait_values.compute(compiled.definition, facts, now)
        if compiled.timed:
            due = trait_values.next_change(compiled.definition, facts, now)
            _set_timer(plan, timers, f"trait:{name}", facts.profile_id, due)
        if facts.computed.get(name, _MISSING) != value:
            facts.computed[name] = value
            plan.traits.append((facts.profile_id, name, value))
            changed.add(name)
    if item.rfm and bounds is not None:
        values = rfm.facts_of(
            facts.stats["order_count"],
            {"all": facts.stats["revenue"]},
            facts.stats["last_order_at"],
        )
        if values is not None:
            for name, value in rfm.scores(values, bounds).items():
                if facts.computed.get(name, _MISSING) != value:
                    facts.computed[name] = value
                    plan.rfm.append((facts.profile_id, name, value))
                    changed.add(name)
    return changed


_MISSING = object()


def _timer(
    plan: Plan,
    timers: dict[tuple[str, int], datetime],
    owner: str,
    cid: int,
    condition: Any,
    facts: Facts,
    now: datetime,
) -> None:
    _set_timer(plan, timers, owner, cid, next_change(condition, facts, now))


def _set_timer(
    plan: Plan, timers: dict[tuple[str, int], datetime], owner: str, cid: int, due: datetime | None
) -> None:
    current = timers.get((owner, cid))
    if due is None:
        if current is not None:
            plan.drop_timers.append((owner, cid))
    elif current != due:
        plan.set_timers.append({"owner": owner, "profile_id": cid, "due_at": due})


def record_change(
    plan: Plan,
    segment_id: int,
    pid: int,
    inside: bool,
    at: datetime,
    trigger: str,
    reason: dict[str, Any],
    names: dict[int, str],
) -> None:
    if inside:
        plan.enter.append({"segment_id": segment_id, "profile_id": pid, "entered_at": at})
    else:
        plan.leave.append((segment_id, pid))
    change = "entered" if inside else "exited"
    plan.history.append(
        {
            "segment_id": segment_id,
            "profile_id": pid,
            "change": change,
            "at": at,
            "trigger": trigger,
            "reason": reason,
        }
    )
    plan.announce.append(
        (segment_id, pid, change, at, {"segment": names.get(segment_id), **reason})
    )


def write(session: Session, plan: Plan) -> None:
    rows.leave(session, plan.leave)
    rows.enter(session, plan.enter)
    rows.add_history(session, plan.history)
    rows.drop_timers(session, plan.drop_timers)
    rows.set_timers(session, plan.set_timers)
    now = plan.now
    assert now is not None
    if plan.traits:
        computed_traits.write(session, trait_values.SOURCE, plan.traits, now)
    if plan.rfm:
        computed_traits.write(session, rfm.SOURCE, plan.rfm, now)
    _announce(session, plan, now)
    deltas: dict[int, int] = {}
    for row in plan.enter:
        deltas[row["segment_id"]] = deltas.get(row["segment_id"], 0) + 1
    for segment_id, _pid in plan.leave:
        deltas[segment_id] = deltas.get(segment_id, 0) - 1
    rows.add_to_counts(session, deltas, now)


def _announce(session: Session, plan: Plan, now: datetime) -> None:
    """`segment.entered` / `segment.exited` on the log, addressed by the profile's user id
    (else anonymous id) so the profile processor attributes them to the same profile."""
    if not plan.announce:
        return
    address = rows.addressing(session, sorted({a[1] for a in plan.announce}))
    sid = source_id(session)
    events = []
    for segment_id, pid, change, at, reason in plan.announce:
        if pid not in address:
            continue  # a merged-away profile: its survivor's events carry the story
        kind, value = address[pid]
        events.append(_event_row(sid, segment_id, pid, change, at, now, reason, kind, value))
    if events:
        event_log.append(session, events, source_id=sid, origin="segments", at=now)


def _event_row(
    sid: int,
    segment_id: int,
    pid: int,
    change: str,
    at: datetime,
    now: datetime,
    reason: dict[str, Any],
    kind: str,
    value: str,
) -> dict[str, Any]:
    name = ENTERED if change == "entered" else EXITED
    message_id = f"segment-{segment_id}-{pid}-{change}-{isoformat_z(at)}-{isoformat_z(now)}"
    payload: dict[str, Any] = {
        "type": "track",
        "event": name,
        "messageId": message_id,
        "timestamp": isoformat_z(at),
        "receivedAt": isoformat_z(now),
        "context": {"channel": "other"},
        "properties": {
            "segment_id": segment_id,
            "segment": reason.get("segment"),
            "profile_id": pid,
            "trigger": reason.get("trigger"),
            "reason": _summary(reason.get("explanation")),
        },
        "userId" if kind == "user_id" else "anonymousId": value,
    }
    return {
        "source_id": sid,
        "message_id": message_id[:255],
        "type": "track",
        "event": name,
        "user_id": value if kind == "user_id" else None,
        "anonymous_id": value if kind == "anonymous_id" else None,
        "channel": "other",
        "timestamp": at,
        "received_at": now,
        "payload": payload,
        "payload_json": orjson.dumps(payload).decode(),
    }


def _summary(explanation: Any) -> list[dict[str, Any]]:
    """The leaves of an explanation: which conditions held, with the values seen."""
    if not isinstance(explanation, dict):
        return []
    if "children" in explanation:
        return [leaf for child in explanation["children"] for leaf in _summary(child)]
    return [
        {
            "text": explanation["text"],
            "result": explanation["result"],
            "observed": explanation.get("observed"),
        }
    ]
