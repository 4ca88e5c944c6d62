"""Rules for reading profiles: the 360 view, lookup by identifier (search: search/)."""

from sqlalchemy.orm import Session

from unison.identity.identifiers import IdentRejected, normalize_lookup
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
    Trait,
)


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
