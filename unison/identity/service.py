"""Rules for undoing merges and resolving conflicts."""

from collections.abc import Callable
from functools import partial

from sqlalchemy.orm import Session

from unison.events import log as offsets
from unison.events.log import LogEvent
from unison.identity import repository
from unison.identity.errors import (
    ConflictAlreadyResolved,
    ConflictNotFound,
    MergeNotFound,
    MergeNotInProfile,
)
from unison.identity.identifiers import Ident
from unison.kit.clock import utcnow
from unison.models import IdentifierRejection, IdentityBlock, IdentityConflict, Merge
from unison.profiles import service as profiles
from unison.profiles.errors import ProfileNotFound
from unison.profiles.search import service as search


def canonical_id(session: Session, profile_id: int) -> int:
    row = profiles.profile_or_none(session, profile_id)
    if row is None:
        raise ProfileNotFound(f"no profile with id {profile_id}", field="profile_id")
    return row.canonical_id


def split(
    session: Session,
    profile_id: int,
    merge_id: int,
    replay: Callable[[Session, list[LogEvent]], None],
    processor_name: str,
) -> tuple[list[int], int, int]:
    """Undo one merge: block the link it made, then rebuild the whole merged group from the
    log as if the link had never been made. Returns (live profile ids, events, blocks)."""
    offsets.claim(session, processor_name)  # no batch of the processor runs meanwhile
    group_root = canonical_id(session, profile_id)
    merge = repository.merge_by_id(session, merge_id)
    if merge is None:
        raise MergeNotFound(f"no merge with id {merge_id}", field="merge_id")
    if merge.undone_at is not None or canonical_id(session, merge.survivor_id) != group_root:
        raise MergeNotInProfile(
            f"merge {merge_id} is not an active merge of profile {profile_id}; "
            "see GET /api/profiles/{id}/merges",
            field="merge_id",
        )
    blocks = _block(session, merge)
    undone = ([merge.id], f"split by request of {profile_id}")
    rest = f"replayed after the split of {merge_id}"
    live, events = _rebuild_group(session, group_root, replay, processor_name, undone, rest)
    return live, events, blocks


def forget_shared(
    session: Session,
    ident: Ident,
    why: str,
    replay: Callable[[Session, list[LogEvent]], None],
    processor_name: str,
) -> tuple[int | None, int]:
    """Undo every link made through an identifier found shared: the group that holds it is
    rebuilt from the log, where the identifier now links nothing. Open conflicts through
    it are closed. Returns (the group's former root, merges undone through it)."""
    offsets.claim(session, processor_name)  # no other batch of the processor runs meanwhile
    owner = repository.owner_of(session, ident)
    root, through = None, 0
    if owner is not None:
        root = canonical_id(session, owner)
        group = profiles.group_ids(session, root)
        merges = [
            m.id
            for m in repository.merges_of(session, group)
            if m.undone_at is None and _carries(m, ident)
        ]
        through = len(merges)
        rest = f"replayed: {ident.type} {ident.value[:60]!r} found shared"
        _rebuild_group(session, root, replay, processor_name, (merges, why[:200]), rest)
    repository.resolve_open_conflicts_through(session, ident, utcnow(), f"shared_identifier: {why}")
    return root, through


def _carries(merge: Merge, ident: Ident) -> bool:
    pair = [ident.type, ident.value]
    return pair in merge.survivor_identifiers or pair in merge.merged_identifiers


def _rebuild_group(
    session: Session,
    group_root: int,
    replay: Callable[[Session, list[LogEvent]], None],
    processor_name: str,
    undone: tuple[list[int], str],
    rest_reason: str,
) -> tuple[list[int], int]:
    """Forget a merged group and replay its events; the merges in `undone` are marked with
    their reason, the group's other merges as replayed (the replay makes them anew)."""
    group = profiles.group_ids(session, group_root)
    repository.delete_identifiers_of(session, [group_root])
    event_ids = profiles.delete_group(session, group)
    search.forget(session, group)  # the replay below indexes the rebuilt profiles again
    repository.forget_derived(session, event_ids)
    now = utcnow()
    undone_ids, reason = undone
    others = [m.id for m in repository.merges_of(session, group) if m.id not in undone_ids]
    repository.mark_merges_undone(session, undone_ids, now, reason)
    repository.mark_merges_undone(session, others, now, rest_reason[:200])
    events = offsets.read_ids(session, event_ids)
    replay(session, events)
    offsets.bump_epoch(session, processor_name)
    owners = {profiles.canonical_of_event(session, e.id) for e in events}
    live = sorted(pid for pid in owners if pid is not None)
    return live, len(events)


def _block(session: Session, merge: Merge) -> int:
    """Forbid every pair (survivor-side identifier, merged-side identifier) of the merge."""
    left = [Ident(kind, value) for kind, value in merge.survivor_identifiers]
    right = [Ident(kind, value) for kind, value in merge.merged_identifiers]
    existing = repository.blocks(session, left + right)
    now = utcnow()
    rows = [
        {
            "a_type": a.type,
            "a_value": a.value,
            "b_type": b.type,
            "b_value": b.value,
            "merge_id": merge.id,
            "created_at": now,
        }
        for a in left
        for b in right
        if frozenset((a, b)) not in existing
    ]
    repository.insert_rows(IdentityBlock, session, rows)
    return len(rows)


def resolve_conflict(
    session: Session, conflict_id: int, resolution: str, note: str | None
) -> IdentityConflict:
    conflict = repository.conflict_by_id(session, conflict_id)
    if conflict is None:
        raise ConflictNotFound(f"no conflict with id {conflict_id}", field="conflict_id")
    if conflict.status != "open":
        raise ConflictAlreadyResolved(
            f"conflict {conflict_id} was already resolved ({conflict.resolution})",
            field="conflict_id",
        )
    conflict.status = "resolved"
    conflict.resolved_at = utcnow()
    conflict.resolution = resolution if note is None else f"{resolution}: {note}"
    session.flush()
    return conflict


# The identity graph as the profile processor reads and writes it, in one batch and one
# transaction with the projection: re-exported so no other domain imports identity's repository.
add_conflicts = partial(repository.insert_rows, IdentityConflict)
add_cooccurrences = repository.add_cooccurrences
add_identifiers = repository.add_identifiers
add_merges = partial(repository.insert_rows, Merge)
add_rejections = partial(repository.insert_rows, IdentifierRejection)
add_shared = repository.add_shared
blocks = repository.blocks
cooccurrences = repository.cooccurrences
id_profiles = repository.id_profiles
owners = repository.owners
record_shared_outcome = repository.record_shared_outcome
repoint_identifiers = repository.repoint_identifiers
shared_among = repository.shared_among

# The merges of a profile group, for the 360 view
merges_of = repository.merges_of
