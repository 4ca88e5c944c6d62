"""Rules for reading profiles: the 360 view, lookup by identifier, search, the timeline."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from unison.identity.identifiers import IdentRejected, normalize_lookup
from unison.kit.errors import InvalidParameter, NotFound
from unison.models import Identifier, Profile
from unison.profiles import computed_traits, repository
from unison.profiles.schemas import (
    ChannelStats,
    ComputedTraitOut,
    IdentifierOut,
    MergeSummary,
    ProfileListItem,
    ProfileOut,
    ProfileStats,
    TraitOut,
)


class ProfileNotFound(NotFound):
    pass


class IdentifierInvalid(InvalidParameter):
    pass


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


def profile_view(session: Session, profile_id: int) -> ProfileOut:
    return view_of(session, live_profile(session, profile_id), profile_id)


def view_of(session: Session, row: Profile, requested_id: int) -> ProfileOut:
    """The 360 view of a live profile: three queries beyond the profile row itself."""
    identifiers = repository.identifiers_of(session, row.id)
    group, conflicts = repository.group_with_open_conflicts(session, row.id)
    merged = sorted(set(group) - {row.id})
    aov = (
        {code: round(total / row.order_count, 2) for code, total in row.revenue.items()}
        if row.order_count
        else {}
    )
    return ProfileOut(
        id=row.id,
        requested_id=requested_id,
        created_at=row.created_at,
        identifiers=[
            IdentifierOut(type=i.type, value=i.value, first_seen=i.first_seen, event_id=i.event_id)
            for i in identifiers
        ],
        traits={name: TraitOut(**trait) for name, trait in row.traits.items()},
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
            c.name: ComputedTraitOut(value=c.value, source=c.source, computed_at=c.computed_at)
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


def lookup_view(session: Session, kind: str, value: str) -> ProfileOut:
    row = lookup(session, kind, value)
    return view_of(session, row, row.id)


def search(session: Session, q: str, limit: int, after: int | None) -> list[ProfileListItem]:
    """Prefix search: an email (has @), a phone number (digits), or a name."""
    text = q.strip().lower()
    if len(text) < 2:
        raise InvalidParameter("q needs at least 2 characters", field="q")
    if "@" in text:
        ids = _identifier_prefix(session, "email", text, limit, after)
    elif sum(ch.isdigit() for ch in text) >= 3 and all(ch in "+0123456789 -()" for ch in text):
        digits = "".join(ch for ch in text if ch.isdigit())
        ids = _identifier_prefix(session, "phone", "+" + digits, limit, after)
    else:
        ids = repository.search_by_name(session, text, limit, after)
    return [_list_item(session, pid) for pid in ids]


def _identifier_prefix(
    session: Session, kind: str, prefix: str, limit: int, after: int | None
) -> list[int]:
    query = select(Identifier.profile_id).where(
        Identifier.type == kind,
        Identifier.value >= prefix,
        Identifier.value < prefix + "\U0010ffff",
    )
    if after is not None:
        query = query.where(Identifier.profile_id > after)
    query = query.group_by(Identifier.profile_id).order_by(Identifier.profile_id).limit(limit)
    return list(session.execute(query).scalars())


def _list_item(session: Session, profile_id: int) -> ProfileListItem:
    row = live_profile(session, profile_id)
    idents = dict(
        session.execute(
            select(Identifier.type, Identifier.value)
            .where(Identifier.profile_id == row.id, Identifier.type.in_(("email", "phone")))
            .order_by(Identifier.id.desc())
        ).all()
    )
    name = row.traits.get("name", {}).get("value")
    return ProfileListItem(
        id=row.id,
        name=name if isinstance(name, str) else row.search_name,
        email=idents.get("email"),
        phone=idents.get("phone"),
        last_seen=row.last_seen,
    )
