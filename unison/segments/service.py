"""Rules for segments: definitions checked against what exists, full recomputes through the
compiled SQL, previews and explanations. Never commits (the boundary does)."""

import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as datetime_time
from typing import Any

from sqlalchemy.orm import Session

from unison.consent import service as consent_service
from unison.consent.vocabulary import CHANNEL_IDENTIFIER
from unison.events import log as offsets
from unison.kit.settings import Settings
from unison.models import Segment, SegmentHistory, SegmentMember, TraitDefinitionRow
from unison.profiles.errors import ProfileNotFound
from unison.segments import repository as rows
from unison.segments.computed_traits import rfm
from unison.segments.errors import SegmentExists, SegmentNotFound, TraitNotFound
from unison.segments.language import SegmentDefinitionInvalid, parse_text, to_text
from unison.segments.language.nodes import (
    Aggregate,
    And,
    Condition,
    Not,
    Occurrence,
    Performed,
    Reachable,
    TraitDefinition,
    dump,
    parse_condition,
    parse_trait_definition,
    walk,
)
from unison.segments.realtime import catalog as catalogs
from unison.segments.realtime import rounds
from unison.segments.realtime.evaluate import explain as explain_tree
from unison.segments.realtime.index import needs_of, referenced_segments, triggers_of
from unison.segments.realtime.processor import NAME
from unison.segments.realtime.rounds import Plan, Work
from unison.segments.sql.compiler import Compiled, Context, compile_condition


@dataclass(frozen=True)
class Outcome:
    entered: int
    exited: int
    members: int
    seconds: float


def read_definition(definition: Any, text: str | None) -> Condition:
    """A condition from exactly one of its JSON tree or its text form."""
    if (definition is None) == (text is None):
        raise SegmentDefinitionInvalid(
            "give the condition either as `definition` (JSON) or as `text`, not both",
            field="definition",
        )
    if text is not None:
        return parse_text(text)
    try:
        return parse_condition(definition)
    except SegmentDefinitionInvalid as exc:
        raise _in_definition(exc) from None


def _in_definition(exc: SegmentDefinitionInvalid) -> SegmentDefinitionInvalid:
    """The error with its JSON path ($...) named from the request body's `definition`."""
    where = "definition" + (exc.field or "$")[1:]
    return SegmentDefinitionInvalid(exc.detail.replace(exc.field or "$", where, 1), field=where)


def check(session: Session, settings: Settings, condition: Condition, own: str | None) -> None:
    """References must exist: segments (without cycles) and consent purposes."""
    kinds = consent_service.kinds(session, settings)
    for path, node in _paths(condition):
        if isinstance(node, Reachable) and node.purpose is not None and node.purpose not in kinds:
            raise SegmentDefinitionInvalid(
                f"{path}: purpose {node.purpose!r} is not declared; "
                f"known: {', '.join(sorted(kinds))}",
                field=path,
            )
    for path, node in _paths(condition):
        name = getattr(node, "segment", None)
        if node.kind != "in_segment" or name is None:
            continue
        if name == own:
            raise SegmentDefinitionInvalid(f"{path}: a segment cannot contain itself", field=path)
        other = rows.segment_named(session, name)
        if other is None:
            raise SegmentDefinitionInvalid(f"{path}: no segment named {name!r}", field=path)
        if own is not None and own in _reachable_names(session, other):
            raise SegmentDefinitionInvalid(
                f"{path}: segment {name!r} already depends on {own!r} (a cycle)", field=path
            )


def _paths(node: Condition, path: str = "definition") -> list[tuple[str, Condition]]:
    found: list[tuple[str, Condition]] = [(path, node)]
    if node.kind == "and":
        for i, child in enumerate(node.all):
            found += _paths(child, f"{path}.all[{i}]")
    elif node.kind == "or":
        for i, child in enumerate(node.any):
            found += _paths(child, f"{path}.any[{i}]")
    elif node.kind == "not":
        found += _paths(node.condition, f"{path}.condition")
    return found


def _reachable_names(session: Session, segment: Segment) -> set[str]:
    seen: set[str] = set()
    todo = [segment]
    while todo:
        current = todo.pop()
        for name in referenced_segments(parse_condition(current.definition)):
            if name not in seen:
                seen.add(name)
                found = rows.segment_named(session, name)
                if found is not None:
                    todo.append(found)
    return seen


def context(session: Session, settings: Settings, now: datetime) -> Context:
    kinds: dict[str, str] = {}

    def segment_ids(name: str) -> int:
        found = rows.segment_named(session, name)
        return found.id if found is not None else -1

    def allowed(channel: str, purpose: str) -> list[int]:
        if not kinds:
            kinds.update(consent_service.kinds(session, settings))
        kind = kinds.get(purpose)
        if kind is None:
            return []
        candidates = rows.live_profiles_with(session, CHANNEL_IDENTIFIER[channel])
        decided = consent_service.contactable(session, candidates, purpose, channel, kind=kind)
        return [pid for pid in candidates if decided[pid].allowed]

    return Context(now=now, segment_ids=segment_ids, allowed=allowed)


def compiled(session: Session, settings: Settings, condition: Condition, now: datetime) -> Compiled:
    return compile_condition(condition, rows.dialect(session), context(session, settings, now))


def preview(
    session: Session, settings: Settings, condition: Condition, now: datetime, sample: int
) -> tuple[int, list[int]]:
    return rows.count_and_sample(session, compiled(session, settings, condition, now), sample)


def create(
    session: Session,
    settings: Settings,
    name: str,
    description: str,
    condition: Condition,
    now: datetime,
) -> tuple[Segment, Outcome]:
    if rows.segment_named(session, name) is not None:
        raise SegmentExists(f"a segment named {name!r} already exists", field="name")
    check(session, settings, condition, name)
    row = rows.add_segment(
        session,
        Segment(
            name=name,
            description=description,
            definition=dump(condition),
            text=to_text(condition),
            active=True,
            version=1,
            member_count=0,
            created_at=now,
            updated_at=now,
        ),
    )
    return row, recompute(session, settings, row, now)


def get(session: Session, segment_id: int) -> Segment:
    row = rows.segment(session, segment_id)
    if row is None:
        raise SegmentNotFound(f"no segment {segment_id}", field="segment_id")
    return row


def update(
    session: Session,
    settings: Settings,
    segment_id: int,
    *,
    name: str | None,
    description: str | None,
    condition: Condition | None,
    now: datetime,
) -> tuple[Segment, Outcome]:
    row = get(session, segment_id)
    if name is not None and name != row.name:
        if rows.segment_named(session, name) is not None:
            raise SegmentExists(f"a segment named {name!r} already exists", field="name")
        row.name = name
    if description is not None:
        row.description = description
    if condition is not None:
        check(session, settings, condition, row.name)
        row.definition = dump(condition)
        row.text = to_text(condition)
    row.version += 1
    row.updated_at = now
    session.flush()
    return row, recompute(session, settings, row, now)


def delete(session: Session, segment_id: int) -> None:
    row = get(session, segment_id)
    for other in rows.segments(session):
        if other.id != row.id and row.name in referenced_segments(
            parse_condition(other.definition)
        ):
            raise SegmentDefinitionInvalid(
                f"segment {other.name!r} reads this segment; change it first", field="segment_id"
            )
    offsets.bump_epoch(session, NAME)
    rows.delete_segment(session, segment_id)


def recompute(
    session: Session, settings: Settings, row: Segment, now: datetime, *, timers: bool = True
) -> Outcome:
    """The full recompute: one SQL statement gives the members; the difference with the
    stored members is written as entries and exits (history and events)."""
    # Whatever the log processor planned meanwhile starts over on top of this.
    offsets.bump_epoch(session, NAME)
    started = time.perf_counter()
    condition = parse_condition(row.definition)
    query = compiled(session, settings, condition, now)
    found = set(rows.matching_ids(session, query))
    current = rows.member_ids(session, row.id)
    plan = Plan(now=now)
    names = {row.id: row.name}
    reason = {"trigger": "recompute", "version": row.version}
    for pid in sorted(found - current):
        rounds.record_change(plan, row.id, pid, True, now, "recompute", reason, names)
    for pid in sorted(current - found):
        rounds.record_change(plan, row.id, pid, False, now, "recompute", reason, names)
    rounds.write(session, plan)
    rows.set_count(session, row.id, now)
    if timers:
        refresh_timers(session, settings, row, condition, found, now)
    seconds = time.perf_counter() - started
    return Outcome(len(found - current), len(current - found), len(found), seconds)


def follow_computed(
    session: Session, settings: Settings, names: set[str], now: datetime
) -> dict[str, Outcome]:
    """Recompute every active segment that reads one of these computed traits.

    Producers that rewrite traits in bulk (the CLV refresh, the RFM rescoring) call this, so
    a segment on `clv_tier` or `rfm_cell` follows at once instead of at each profile's next
    event. Segments are taken in creation order, so one that reads another's membership is
    recomputed after it when it was created after it.
    """
    done: dict[str, Outcome] = {}
    for row in rows.segments(session, active_only=True):
        if triggers_of(parse_condition(row.definition)).computed & names:
            done[row.name] = recompute(session, settings, row, now)
    return done


def refresh_rfm(session: Session, settings: Settings, now: datetime) -> dict[str, Any]:
    """Rescore RFM over every buyer, then the segments reading the RFM traits."""
    result = rfm.refresh(session, now)
    followed = follow_computed(session, settings, set(rfm.NAMES), now)
    result["segments_followed"] = {name: outcome.members for name, outcome in followed.items()}
    return result


def refresh_timers(
    session: Session,
    settings: Settings,
    row: Segment,
    condition: Condition,
    members: set[int],
    now: datetime,
) -> None:
    """Timers for a windowed segment: evaluated in Python for its members and every profile
    holding one of the events it reads (the ones the clock can move in or out)."""
    rows.drop_owner_timers(session, f"segment:{row.id}")
    if not catalogs.timed(condition):
        return
    candidates = set(members)
    if not _clock_only_removes(condition):
        names, days = _timed_events(condition)
        since = now - timedelta(days=days)  # older events can no longer move a timer
        candidates |= set(rows.profiles_with_events(session, names, since))
    if any(getattr(n, "op", None) in catalogs.DAY_OPS for n in walk(condition)):
        candidates |= set(_all_live(session))
    catalog = catalogs.load(session)
    if row.id not in catalog.segments:
        return
    ordered = sorted(candidates)
    for start in range(0, len(ordered), 2000):
        work = {
            cid: Work(segments={row.id}, trigger="recompute")
            for cid in ordered[start : start + 2000]
        }
        rounds.write(session, rounds.decide(session, catalog, work, now, settings))


def _clock_only_removes(condition: Condition, positive: bool = True) -> bool:
    """Whether time passing can only take profiles out (every clock-driven leaf is "at
    least N in the last days", not negated): then only members need timers."""
    if isinstance(condition, Not):
        return _clock_only_removes(condition.condition, not positive)
    if condition.kind in ("and", "or"):
        items = condition.all if isinstance(condition, And) else condition.any
        return all(_clock_only_removes(child, positive) for child in items)
    if not catalogs.timed(condition):
        return True
    window = condition.window if isinstance(condition, Performed) else None
    counting_up = isinstance(condition, Performed) and condition.op in ("gte", "gt")
    return positive and counting_up and window is not None and window.last_days is not None


def _timed_events(condition: Condition) -> tuple[list[str], int]:
    """The events of the leaves the clock can change, and how far back they matter."""
    names, days = set(), 0
    for node in walk(condition):
        if isinstance(node, Performed | Aggregate | Occurrence):
            window = node.window.last_days if node.window is not None else None
            ago = node.value if node.op in ("more_than_days_ago", "less_than_days_ago") else None
            for span in (window, ago):
                if isinstance(span, int) and not isinstance(span, bool):
                    names.add(node.event)
                    days = max(days, span)
    return sorted(names), days + 1


def _all_live(session: Session) -> list[int]:
    found: list[int] = []
    after = None
    while True:
        page = rows.live_profile_ids(session, after, 10_000)
        if not page:
            return found
        found += page
        after = page[-1]


def live_profile(session: Session, profile_id: int) -> int:
    found = rows.canonical_ids(session, [profile_id]).get(profile_id)
    if found is None:
        raise ProfileNotFound(f"no profile {profile_id}", field="profile_id")
    return found


def explain(
    session: Session, settings: Settings, row: Segment, profile_id: int, now: datetime
) -> dict[str, Any]:
    cid = live_profile(session, profile_id)
    condition = parse_condition(row.definition)
    facts = rounds.Loader(session, settings).facts([cid], needs_of(condition))[cid]
    held = {s for s, _p in rows.memberships(session, [cid])}
    facts.segments = {s.name for s in rows.segments(session) if s.id in held}
    tree = explain_tree(condition, facts, now)
    return {
        "segment_id": row.id,
        "profile_id": cid,
        "member": row.id in held,
        "result": tree["result"],
        "at": now,
        "explanation": tree,
    }


# --- computed traits -------------------------------------------------------------------
def define_trait(
    session: Session, name: str, definition: TraitDefinition, now: datetime
) -> TraitDefinitionRow:
    row = rows.trait_definition(session, name)
    body = definition.model_dump(mode="json", exclude_defaults=True)
    if row is None:
        row = TraitDefinitionRow(name=name, definition=body, created_at=now, updated_at=now)
        session.add(row)
    else:
        row.definition = body
        row.updated_at = now
    session.flush()
    return row


def read_trait_definition(data: Any) -> TraitDefinition:
    try:
        return parse_trait_definition(data)
    except SegmentDefinitionInvalid as exc:
        raise _in_definition(exc) from None


def recompute_trait(session: Session, settings: Settings, name: str, now: datetime) -> int:
    """Evaluate a computed trait for every profile that holds its event."""
    offsets.bump_epoch(session, NAME)
    catalog = catalogs.load(session)
    compiled_trait = catalog.traits.get(name)
    if compiled_trait is None:
        raise TraitNotFound(f"no computed trait {name!r}", field="name")
    ordered = sorted(rows.profiles_with_events(session, [compiled_trait.definition.event]))
    for start in range(0, len(ordered), 2000):
        work = {
            cid: Work(traits={name}, trigger="recompute") for cid in ordered[start : start + 2000]
        }
        rounds.write(session, rounds.decide(session, catalog, work, now, settings))
    return len(ordered)


# --- read models for the console and the API (they never read the repository directly) --
def segments_list(session: Session) -> list[Segment]:
    """Every segment with its member count (kept current by the log processor)."""
    return rows.segments(session)


def members_page(
    session: Session, segment_id: int, after: int | None, limit: int
) -> list[SegmentMember]:
    get(session, segment_id)
    return rows.members_page(session, segment_id, after, limit)


def history(
    session: Session, segment_id: int, profile_id: int | None, limit: int
) -> list[SegmentHistory]:
    return rows.history(session, segment_id, profile_id, limit)


def of_profile(session: Session, profile_id: int) -> list[tuple[Segment, datetime]]:
    """The segments a profile (merges followed) is in now, with when it entered."""
    return rows.segments_of_profile(session, live_profile(session, profile_id))


def membership_over_time(
    session: Session, segment_id: int, days: int, now: datetime
) -> list[tuple[date, int]]:
    """Members at the end of each of the last `days` UTC days (today: now), walked back from
    the current count through the recorded entries and exits."""
    row = get(session, segment_id)
    today = now.astimezone(UTC).date()
    first = today - timedelta(days=days - 1)
    since = datetime.combine(first, datetime_time.min, tzinfo=UTC)
    net: dict[str, int] = {}
    for label, change, count in rows.daily_changes(session, segment_id, since):
        net[label] = net.get(label, 0) + (count if change == "entered" else -count)
    series: list[tuple[date, int]] = []
    members = row.member_count
    for offset in range(days):
        day = today - timedelta(days=offset)
        series.append((day, members))
        members -= net.get(day.isoformat(), 0)
    return series[::-1]
