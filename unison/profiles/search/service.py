"""Ranked, paginated profile search, and keeping its index in step with the projection.

Order of results: rank (0 an identifier equal to the query, 1 an identifier starting with
it, 2 a name or a word of a name starting with it, 3 any other profile whose text contains
it), then within ranks 0-2 the profile's smallest matching key, then the profile id. Each
rank is read from an index in exactly that order, so a page reads about as many rows as it
returns, however many profiles match; a profile is listed once, at its best position.
"""

import heapq
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from unison.kit.errors import InvalidParameter
from unison.profiles.schemas import ProfileListItem
from unison.profiles.search import repository
from unison.profiles.search.repository import Db
from unison.profiles.search.terms import IDENT, NAME, Query, entries, names_of, parse, rank_of

SUBSTRING = 3


@dataclass(frozen=True, order=True)
class Position:
    rank: int
    key: str
    profile_id: int


def index_profiles(db: Db, traits: dict[int, dict[str, object]]) -> None:
    """Replace the index rows of these live profiles (traits by profile id)."""
    ids = sorted(traits)
    repository.forget(db, ids)
    identifiers = repository.identifiers_of(db, ids)
    keys: list[dict[str, object]] = []
    texts: list[dict[str, object]] = []
    for pid in ids:
        found = entries(names_of(traits[pid]), identifiers.get(pid, []))
        keys += [{"field": f, "key": k, "profile_id": pid} for f, k in found.keys]
        if found.body:
            texts.append({"profile_id": pid, "body": found.body})
    repository.put(db, keys, texts)


def reindex(db: Db, live: dict[int, dict[str, object]], gone: Sequence[int]) -> None:
    """After a projection batch: live profiles re-indexed, merged-away ones dropped."""
    repository.forget(db, gone)
    index_profiles(db, live)


def forget(db: Db, profile_ids: Sequence[int]) -> None:
    """Erasure, splits: the profiles leave the index (a split's replay indexes them again)."""
    repository.forget(db, profile_ids)


def rebuild_all(db: Db, batch: int = 2_000) -> int:
    """Index every live profile from scratch (migration of an existing database)."""
    repository.clear(db)
    after, done = 0, 0
    while rows := repository.live_traits(db, after, batch):
        index_profiles(db, {pid: t if isinstance(t, dict) else {} for pid, t in rows})
        after, done = rows[-1][0], done + len(rows)
    return done


def search(
    session: Session, q: str, limit: int, cursor: tuple[int, int] | None
) -> tuple[list[ProfileListItem], tuple[int, int] | None]:
    """One page of matches and the (rank, profile id) the next page continues after."""
    query = parse(q)
    start = _resume(session, query, cursor) if cursor else None
    page: list[Position] = []
    for position in _matches(session, query, start):
        page.append(position)
        if len(page) == limit:
            break
    items = [_item(row, contacts) for row, contacts in _rows(session, page)]
    more = (page[-1].rank, page[-1].profile_id) if len(page) == limit else None
    return items, more


def _resume(session: Session, query: Query, cursor: tuple[int, int]) -> Position:
    rank, pid = cursor
    best = _best(query, repository.keys_of(session, [pid]).get(pid, []))
    if rank == SUBSTRING and best is None:
        return Position(rank, "", pid)
    if best is None or best.rank != rank:
        raise InvalidParameter(
            "the profile this cursor continues after no longer matches the query the same "
            "way (it changed meanwhile); search again without a cursor",
            field="cursor",
        )
    return Position(rank, best.key, pid)


def _best(query: Query, keys: list[tuple[str, str]]) -> Position | None:
    found = [
        Position(rank, key, 0)
        for field, key in keys
        if (rank := rank_of(field, key, query)) is not None
    ]
    return min(found) if found else None


def _arms(query: Query) -> list[tuple[tuple[int, ...], str, bool]]:
    """(ranks an index walk yields, field, prefix?). With one query key, the identifier
    equal to it sorts first among those starting with it: one walk yields ranks 0 and 1."""
    if len(query.keys) == 1:
        return [((0, 1), IDENT, True), ((2,), NAME, True)]
    return [((0,), IDENT, False), ((1,), IDENT, True), ((2,), NAME, True)]


def _matches(session: Session, query: Query, start: Position | None) -> Iterator[Position]:
    """Every match from `start` (excluded) on, best first, each profile once."""
    first = start.rank if start else 0
    for ranks, field, prefix in _arms(query):
        if ranks[-1] >= first:
            after = start if start and start.rank in ranks else None
            yield from _ranked(session, query, ranks, field, prefix, after)
    after_id = start.profile_id if start and start.rank == SUBSTRING else 0
    yield from _substrings(session, query, after_id)


def _ranked(
    session: Session,
    query: Query,
    ranks: tuple[int, ...],
    field: str,
    prefix: bool,
    after: Position | None,
) -> Iterator[Position]:
    start = (after.key, after.profile_id) if after else None
    streams = [_walk(session, field, key, prefix, start) for key in query.keys]
    seen: set[int] = set()
    for chunk in _chunked(heapq.merge(*streams), 64):
        known = repository.keys_of(session, sorted({pid for _, pid in chunk} - seen))
        for key, pid in chunk:
            rank = rank_of(field, key, query)
            best = _best(query, known.get(pid, []))
            # listed once, where it ranks best: its best rank and smallest matching key
            if pid not in seen and rank in ranks and best == Position(rank, key, 0):
                seen.add(pid)
                yield Position(rank, key, pid)


def _chunked(rows: Iterator[tuple[str, int]], size: int) -> Iterator[list[tuple[str, int]]]:
    chunk: list[tuple[str, int]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _walk(
    session: Session, field: str, key: str, prefix: bool, after: tuple[str, int] | None
) -> Iterator[tuple[str, int]]:
    size = 64
    while True:
        rows = repository.walk_keys(session, field, key, prefix=prefix, after=after, limit=size)
        yield from rows
        if len(rows) < size:
            return
        after, size = rows[-1], min(size * 4, 4_096)


def _substrings(session: Session, query: Query, after: int) -> Iterator[Position]:
    if not query.fragment:
        return
    size = 64
    while True:
        ids = repository.containing(session, query.probe, query.fragment, after, size)
        known = repository.keys_of(session, ids)
        for pid in ids:
            if _best(query, known.get(pid, [])) is None:  # not already listed at a better rank
                yield Position(SUBSTRING, "", pid)
        if len(ids) < size:
            return
        after, size = ids[-1], min(size * 4, 4_096)


def _rows(session: Session, page: list[Position]) -> list[tuple[Any, dict[str, str]]]:
    return repository.list_items(session, [p.profile_id for p in page])


def _item(row: Any, contacts: dict[str, str]) -> ProfileListItem:
    """From a row of (id, traits, search_name, last_seen)."""
    name = row.traits.get("name", {}).get("value")
    return ProfileListItem(
        id=row.id,
        name=name if isinstance(name, str) else row.search_name,
        email=contacts.get("email"),
        phone=contacts.get("phone"),
        last_seen=row.last_seen,
    )


def items_for(session: Session, profile_ids: list[int]) -> list[ProfileListItem]:
    """List items (name, email, phone, last seen) of these profiles, in the order given."""
    found = {
        row.id: _item(row, contacts)
        for row, contacts in repository.list_items(session, profile_ids)
    }
    return [found[pid] for pid in profile_ids if pid in found]
