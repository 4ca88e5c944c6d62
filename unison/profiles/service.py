"""Rules for reading profiles: the 360 view, lookup by identifier (search: search/)."""

import re
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy.orm import Session

from unison.events import service as event_log
from unison.identity.identifiers import BUILTIN_TYPES, TRAIT_TYPES, IdentRejected, normalize_lookup
from unison.kit.clock import isoformat_z
from unison.kit.errors import InvalidParameter
from unison.kit.pagination import Page, decode_cursor, time_cursor
from unison.models import Profile
from unison.profiles import computed_traits, repository
from unison.profiles.errors import IdentifierInvalid, ProfileNotFound
from unison.profiles.schemas import (
    ChannelStats,
    ComputedTrait,
    Identifier,
    MergeSummary,
    ProfileStats,
    ProfileView,
    TimelineItem,
    Trait,
)
from unison.sources import service as sources
from unison.sources.channels import ACCEPTED_TEXT, CHANNELS


def live_profile(session: Session, profile_id: int) -> Profile:
    """The profile, following merges: an old id resolves to the surviving profile."""
    row = repository.profile(session, profile_id)
    if row is None:
        raise ProfileNotFound(f"no profile with id {profile_id}", field="profile_id")
    if row.canonical_id != row.id:
        survivor = repository.profile(session, row.canonical_id)
        assert survivor is not None
        return survivor
    return row


def profile_view(session: Session, profile_id: int) -> ProfileView:
    return view_of(session, live_profile(session, profile_id), profile_id)


def view_of(session: Session, row: Profile, requested_id: int) -> ProfileView:
    """The 360 view of a live profile: three queries beyond the profile row itself."""
    identifiers = repository.identifiers_of(session, row.id)
    group, conflicts = repository.group_with_open_conflicts(session, row.id)
    merged = sorted(set(group) - {row.id})
    aov = (
        {code: round(total / row.order_count, 2) for code, total in row.revenue.items()}
        if row.order_count
        else {}
    )
    return ProfileView(
        id=row.id,
        requested_id=requested_id,
        created_at=row.created_at,
        identifiers=[
            Identifier(type=i.type, value=i.value, first_seen=i.first_seen, event_id=i.event_id)
            for i in identifiers
        ],
        traits={name: Trait(**trait) for name, trait in row.traits.items()},
        stats=ProfileStats(
            first_seen=row.first_seen,
            last_seen=row.last_seen,
            event_count=row.event_count,
            order_count=row.order_count,
            revenue=row.revenue,
            average_order_value=aov,
            last_order_at=row.last_order_at,
        ),
        channels={name: ChannelStats(**stats) for name, stats in row.channels.items()},
        merge_history=MergeSummary(
            # each active merge took one profile out of the live set: no query needed
            merges=len(merged),
            merged_profile_ids=merged,
            open_conflicts=conflicts,
        ),
        computed_traits={
            c.name: ComputedTrait(value=c.value, source=c.source, computed_at=c.computed_at)
            for c in computed_traits.of_profile(session, row.id)
        },
    )


def lookup(session: Session, kind: str, value: str) -> Profile:
    """The live profile holding an identifier, normalized the way ingestion normalizes it."""
    ident = normalize_lookup(kind, value)
    if isinstance(ident, IdentRejected):
        raise IdentifierInvalid(f"{kind} {value!r}: {ident.reason}", field="value")
    row = repository.live_profile_holding(session, ident.type, ident.value)
    if row is None:
        raise ProfileNotFound(f"no profile has {kind} {ident.value!r}", field="value")
    return row


def lookup_view(session: Session, kind: str, value: str) -> ProfileView:
    row = lookup(session, kind, value)
    return view_of(session, row, row.id)


# What other domains ask of profiles (they never import profiles' repository).
def canonical_id(session: Session, profile_id: int) -> int:
    """The live profile a profile id now belongs to (itself unless merged away)."""
    row = profile_or_none(session, profile_id)
    if row is None:
        raise ProfileNotFound(f"no profile with id {profile_id}", field="profile_id")
    return row.canonical_id


def profile_or_none(session: Session, profile_id: int) -> Profile | None:
    """The profile row as stored (a merged-away one too), or None."""
    return repository.profile(session, profile_id)


def group_ids(session: Session, canonical_id: int) -> list[int]:
    """Every profile id merged into this live profile, itself included."""
    return repository.group_ids(session, canonical_id)


def delete_group(session: Session, profile_ids: list[int]) -> list[int]:
    """Remove profiles and their event attributions; returns the event ids they held."""
    return repository.delete_group(session, profile_ids)


def canonical_of_event(session: Session, event_id: int) -> int | None:
    """The live profile an event belongs to now."""
    return repository.canonical_of(session, event_id)


def owners_of_events(session: Session, event_ids: list[int]) -> dict[int, int]:
    """event id -> the live profile it belongs to now (events not attributed are left out)."""
    return repository.event_owners(session, event_ids)


# --- the timeline, and staff edits (the API and the console read and write through here) ---
def timeline(
    session: Session,
    profile_id: int,
    *,
    channel: str | None,
    event: str | None,
    system: str,
    cursor: str | None,
    limit: int,
) -> Page[TimelineItem]:
    """One page of the person's events on every channel (merged profiles' too), newest first."""
    if channel is not None and channel not in CHANNELS:
        raise InvalidParameter(
            f"channel {channel!r} is not a channel; accepted: {ACCEPTED_TEXT}", field="channel"
        )
    live = live_profile(session, profile_id)
    rows = repository.timeline(
        session,
        repository.group_ids(session, live.id),
        channel=channel,
        event=event,
        system=system,
        before=time_position(cursor),
        limit=limit,
    )
    items = [
        TimelineItem(
            id=e.id,
            type=e.type,
            event=e.event,
            channel=e.channel,
            source=source,
            timestamp=e.timestamp,
            profile_id=attributed,
            payload=e.payload,
            system=bool(system_event),
        )
        for e, source, attributed, system_event in rows
    ]
    return Page[TimelineItem](
        items=items, next_cursor=time_cursor(items, limit, lambda item: item.timestamp)
    )


def time_position(cursor: str | None) -> tuple[datetime, int] | None:
    """The (moment, id) a page ordered by time continues after, from a cursor written by
    `kit.pagination.time_cursor` (the timeline here, conversations and messages in inbox)."""
    if cursor is None:
        return None
    moment, row_id = decode_cursor(cursor, 2)
    if not isinstance(moment, str) or not isinstance(row_id, int):
        raise InvalidParameter("cursor is not one this API issued", field="cursor")
    try:
        return datetime.fromisoformat(moment), row_id
    except ValueError:
        raise InvalidParameter("cursor is not one this API issued", field="cursor") from None


STAFF_SOURCE = "unison-staff"  # the system source staff edits are written under
_TRAIT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
# Identifiers are edited by the customer's own channels, never typed in as a trait.
_NOT_TRAITS = frozenset({*BUILTIN_TYPES, "userId", "anonymousId"})


def edit_trait(
    session: Session, profile_id: int, name: str, value: str, actor: str, now: datetime
) -> int:
    """Set a trait by staff: an `identify` event appended to the log (the projection takes
    it like any other, so it carries its provenance and survives a rebuild). Returns its id."""
    if not _TRAIT_NAME.match(name) or name in _NOT_TRAITS:
        raise InvalidParameter(
            f"trait name {name[:70]!r} is not editable: letters, digits and _ (1-64, starting "
            "with a letter), not an identifier type",
            field="name",
        )
    if len(value) > 1000:
        raise InvalidParameter("a trait value is at most 1000 characters", field="value")
    live = live_profile(session, profile_id)
    source_id = sources.system_source_id(session, STAFF_SOURCE)
    message_id = f"staff-trait-{live.id}-{name}-{now.timestamp():.6f}"
    payload: dict[str, Any] = {
        "type": "identify",
        "messageId": message_id,
        "timestamp": isoformat_z(now),
        "receivedAt": isoformat_z(now),
        "context": {"channel": "other", "actor": actor},
        "traits": {name: value},
    }
    _attach(payload, _anchor(session, live.id))
    row = {
        "source_id": source_id,
        "message_id": message_id,
        "type": "identify",
        "event": None,
        "user_id": payload.get("userId"),
        "anonymous_id": payload.get("anonymousId"),
        "channel": "other",
        "timestamp": now,
        "received_at": now,
        "payload": payload,
        "payload_json": orjson.dumps(payload).decode(),
    }
    event_log.append(session, [row], source_id=source_id, origin="staff", at=now)
    return live.id


def _anchor(session: Session, profile_id: int) -> tuple[str, str]:
    """The profile's strongest identifier: the processor attributes the edit to its owner
    (already this profile, so nothing is linked or merged)."""
    rank = {name: i for i, name in enumerate(BUILTIN_TYPES)}
    held = [(i.type, i.value) for i in repository.identifiers_of(session, profile_id)]
    usable = [h for h in held if h[0] in (*TRAIT_TYPES, "user_id", "anonymous_id")]
    if not usable:
        raise InvalidParameter(
            f"profile {profile_id} has no identifier to attach the edit to", field="profile_id"
        )
    return min(usable, key=lambda h: rank.get(h[0], len(rank)))


def _attach(payload: dict[str, Any], anchor: tuple[str, str]) -> None:
    kind, value = anchor
    if kind == "user_id":
        payload["userId"] = value
    elif kind == "anonymous_id":
        payload["anonymousId"] = value
    else:
        payload["traits"][kind] = value
