"""Rebuilding a merged group from the log: undoing one merge (a split) or every link made
through an identifier found shared.

Both forget the group's profiles, identifiers and derived rows, then replay its events
through the profile processor as if the forbidden links had never been made. This is the
profiles domain's work over identity's graph: identity keeps the rules of the graph (which
pairs are blocked, which merges are active), profiles rebuilds what was projected from it.
"""

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from unison.events import log as offsets
from unison.events.log import LogEvent
from unison.identity import service as identity
from unison.identity.errors import MergeNotFound, MergeNotInProfile
from unison.identity.identifiers import Ident
from unison.kit.clock import utcnow
from unison.models import Merge
from unison.profiles import service as profiles
from unison.profiles.search import service as search

Replay = Callable[[Session, list[LogEvent]], None]


@dataclass(frozen=True, slots=True)
class Undone:
    """Merges undone on purpose and why; the group's other merges are marked as replayed."""

    merge_ids: list[int]
    reason: str
    others_reason: str


def split(
    session: Session, profile_id: int, merge_id: int, replay: Replay, processor_name: str
) -> tuple[list[int], int, int]:
    """Undo one merge: block the link it made, then rebuild the whole merged group from the
    log as if the link had never been made. Returns (live profile ids, events, blocks)."""
    offsets.claim(session, processor_name)  # no batch of the processor runs meanwhile
    group_root = profiles.canonical_id(session, profile_id)
    merge = identity.merge_by_id(session, merge_id)
    if merge is None:
        raise MergeNotFound(f"no merge with id {merge_id}", field="merge_id")
    if (
        merge.undone_at is not None
        or profiles.canonical_id(session, merge.survivor_id) != group_root
    ):
        raise MergeNotInProfile(
            f"merge {merge_id} is not an active merge of profile {profile_id}; "
            "see GET /api/profiles/{id}/merges",
            field="merge_id",
        )
    blocks = identity.block_merge(session, merge)
    undone = Undone(
        [merge.id], f"split by request of {profile_id}", f"replayed after the split of {merge_id}"
    )
    live, events = _rebuild_group(session, group_root, replay, processor_name, undone)
    return live, events, blocks


def forget_shared(
    session: Session, ident: Ident, why: str, replay: Replay, processor_name: str
) -> tuple[int | None, int]:
    """Undo every link made through an identifier found shared: the group that holds it is
    rebuilt from the log, where the identifier now links nothing. Open conflicts through
    it are closed. Returns (the group's former root, merges undone through it)."""
    offsets.claim(session, processor_name)  # no other batch of the processor runs meanwhile
    owner = identity.owner_of(session, ident)
    root, through = None, 0
    if owner is not None:
        root = profiles.canonical_id(session, owner)
        group = profiles.group_ids(session, root)
        merges = [
            m.id
            for m in identity.merges_of(session, group)
            if m.undone_at is None and _carries(m, ident)
        ]
        through = len(merges)
        rest = f"replayed: {ident.type} {ident.value[:60]!r} found shared"
        _rebuild_group(session, root, replay, processor_name, Undone(merges, why[:200], rest))
    identity.resolve_open_conflicts_through(session, ident, utcnow(), f"shared_identifier: {why}")
    return root, through


def _active_in(session: Session, merge: Merge, group_root: int) -> bool:
    """Whether the merge is not undone and its survivor now lives in the group."""
    if merge.undone_at is not None:
        return False  # its survivor's profile may be gone since (a replay rebuilds anew)
    return profiles.canonical_id(session, merge.survivor_id) == group_root


def _carries(merge: Merge, ident: Ident) -> bool:
    pair = [ident.type, ident.value]
    return pair in merge.survivor_identifiers or pair in merge.merged_identifiers


def _rebuild_group(
    session: Session, group_root: int, replay: Replay, processor_name: str, undone: Undone
) -> tuple[list[int], int]:
    """Forget a merged group and replay its events; the merges in `undone` are marked with
    their reason, the group's other merges as replayed (the replay makes them anew)."""
    group = profiles.group_ids(session, group_root)
    identity.delete_identifiers_of(session, [group_root])
    event_ids = profiles.delete_group(session, group)
    search.forget(session, group)  # the replay below indexes the rebuilt profiles again
    identity.forget_derived(session, event_ids)
    now = utcnow()
    others = [m.id for m in identity.merges_of(session, group) if m.id not in undone.merge_ids]
    identity.mark_merges_undone(session, undone.merge_ids, now, undone.reason)
    identity.mark_merges_undone(session, others, now, undone.others_reason[:200])
    events = offsets.read_ids(session, event_ids)
    replay(session, events)
    offsets.bump_epoch(session, processor_name)
    owners = {profiles.canonical_of_event(session, e.id) for e in events}
    live = sorted(pid for pid in owners if pid is not None)
    return live, len(events)
