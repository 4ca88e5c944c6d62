"""Rules of the identity graph: which links a split forbids, resolving conflicts, and the graph's
reads and writes other domains make through this interface (never through the repository).
Rebuilding the profiles of a group after a split is the profiles domain's (profiles/regroup.py)."""

from functools import partial

from sqlalchemy.orm import Session

from unison.identity import repository
from unison.identity.errors import (
    ConflictAlreadyResolved,
    ConflictNotFound,
)
from unison.identity.identifiers import Ident
from unison.kit.clock import utcnow
from unison.models import IdentifierRejection, IdentityBlock, IdentityConflict, Merge


def block_merge(session: Session, merge: Merge) -> int:
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

# The merges of a profile group (the 360 view), and what a regroup (profiles/regroup.py) reads
# and rewrites of the graph
merges_of = repository.merges_of
merge_by_id = repository.merge_by_id
owner_of = repository.owner_of
delete_identifiers_of = repository.delete_identifiers_of
forget_derived = repository.forget_derived
mark_merges_undone = repository.mark_merges_undone
resolve_open_conflicts_through = repository.resolve_open_conflicts_through
