"""All search-index queries. Substring matches are dialect-specific: FTS5 trigram on SQLite
(rowid = profile id), pg_trgm LIKE on PostgreSQL; both come back in profile id order, so a
page stops reading once it is full."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, text, tuple_
from sqlalchemy.orm import Session

from unison.kit.db import chunks
from unison.models import Identifier, Profile, ProfileSearchKey, ProfileSearchText

Db = Session | Connection
_SCAN = 2_000  # profiles read in id order before the trigram index is asked (PostgreSQL)
_TOP = "\U0010ffff"  # above every character: [prefix, prefix + _TOP) is the prefix range


def _sqlite(db: Db) -> bool:
    return (db.get_bind() if isinstance(db, Session) else db).dialect.name == "sqlite"


def forget(db: Db, profile_ids: Sequence[int]) -> None:
    keys = ProfileSearchKey
    for chunk in chunks(sorted(set(profile_ids))):
        db.execute(delete(keys).where(keys.profile_id.in_(chunk)))
        if _sqlite(db):  # by rowid: the FTS5 table's profile_id column has no index
            marks = ", ".join(str(int(pid)) for pid in chunk)
            db.execute(text(f"DELETE FROM profile_search_text WHERE rowid IN ({marks})"))  # noqa: S608 - ints
        else:
            db.execute(delete(ProfileSearchText).where(ProfileSearchText.profile_id.in_(chunk)))


def put(db: Db, keys: list[dict[str, object]], texts: list[dict[str, object]]) -> None:
    if keys:
        db.execute(insert(ProfileSearchKey), keys)
    if not texts:
        return
    if _sqlite(db):
        db.execute(
            text(
                "INSERT INTO profile_search_text (rowid, profile_id, body) "
                "VALUES (:pid, :pid, :body)"
            ),
            [{"pid": t["profile_id"], "body": t["body"]} for t in texts],
        )
    else:
        db.execute(insert(ProfileSearchText), texts)


def clear(db: Db) -> None:
    db.execute(delete(ProfileSearchKey))
    db.execute(text("DELETE FROM profile_search_text"))


def identifiers_of(db: Db, profile_ids: Sequence[int]) -> dict[int, list[tuple[str, str]]]:
    found: dict[int, list[tuple[str, str]]] = {}
    for chunk in chunks(profile_ids):
        rows = db.execute(
            select(Identifier.profile_id, Identifier.type, Identifier.value)
            .where(Identifier.profile_id.in_(chunk))
            .order_by(Identifier.id)
        )
        for pid, kind, value in rows:
            found.setdefault(pid, []).append((kind, value))
    return found


def live_traits(db: Db, after: int, limit: int) -> list[tuple[int, object]]:
    """Live profiles and their traits in id order (indexing an existing database)."""
    query = (
        select(Profile.id, Profile.traits)
        .where(Profile.canonical_id == Profile.id, Profile.id > after)
        .order_by(Profile.id)
        .limit(limit)
    )
    return [(pid, traits) for pid, traits in db.execute(query)]


def walk_keys(
    db: Db, field: str, key: str, *, prefix: bool, after: tuple[str, int] | None, limit: int
) -> list[tuple[str, int]]:
    """(key, profile id) of the keys equal to (or starting with) `key`, in that order."""
    k = ProfileSearchKey
    query = select(k.key, k.profile_id).where(k.field == field)
    matching = (k.key >= key, k.key < key + _TOP) if prefix else (k.key == key,)
    query = query.where(*matching)
    if after is not None:
        query = query.where(tuple_(k.key, k.profile_id) > tuple_(*after))
    query = query.order_by(k.key, k.profile_id).limit(limit)
    return [(found, pid) for found, pid in db.execute(query)]


def keys_of(db: Db, profile_ids: Sequence[int]) -> dict[int, list[tuple[str, str]]]:
    k = ProfileSearchKey
    found: dict[int, list[tuple[str, str]]] = {}
    for chunk in chunks(profile_ids):
        for pid, field, key in db.execute(
            select(k.profile_id, k.field, k.key).where(k.profile_id.in_(chunk))
        ):
            found.setdefault(pid, []).append((field, key))
    return found


def containing(db: Db, probe: str, fragment: str, after: int, limit: int) -> list[int]:
    """Profiles whose text contains `fragment`, in id order: the trigram index is asked for
    `probe` (a part of the fragment, 3+ characters), the whole fragment checked on its rows."""
    if _sqlite(db):
        rows = db.execute(
            text(
                "SELECT rowid FROM profile_search_text WHERE profile_search_text MATCH :phrase "
                "AND rowid > :after AND instr(body, :fragment) > 0 ORDER BY rowid LIMIT :limit"
            ),
            {
                "phrase": '"' + probe.replace('"', '""') + '"',
                "fragment": fragment,
                "after": after,
                "limit": limit,
            },
        )
        return [int(pid) for (pid,) in rows]
    # A fragment most profiles contain is cheapest found by reading profiles in id order
    # (the trigram index would collect and sort all of them), a rare one through the index:
    # the first _SCAN profiles after the cursor are read in order, the index asked only for
    # what a page still needs beyond them.
    pattern = f"%{_escape_like(probe)}%"
    hits, last = db.execute(
        text(
            "SELECT array_agg(profile_id ORDER BY profile_id) FILTER (WHERE body LIKE :pattern "
            "ESCAPE '\\' AND strpos(body, :fragment) > 0), max(profile_id) FROM ("
            "SELECT profile_id, body FROM profile_search_text WHERE profile_id > :after "
            "ORDER BY profile_id LIMIT :scan) AS first_profiles"
        ),
        {"pattern": pattern, "fragment": fragment, "after": after, "scan": _SCAN},
    ).one()
    found = [int(pid) for pid in hits or []]
    if len(found) >= limit or last is None:
        return found[:limit]
    t = ProfileSearchText
    query = (
        select(t.profile_id)
        .where(
            t.body.like(pattern, escape="\\"),
            func.strpos(t.body, fragment) > 0,  # not indexable: checked on the probe's rows
            t.profile_id > last,
        )
        .order_by(t.profile_id)
        .limit(limit - len(found))
    )
    return found + list(db.execute(query).scalars())


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_items(session: Session, profile_ids: Sequence[int]) -> list[tuple[Any, dict[str, str]]]:
    """Each profile with its newest email and phone, in two queries for the whole page."""
    if not profile_ids:
        return []
    query = select(Profile.id, Profile.traits, Profile.search_name, Profile.last_seen)
    profiles = {row.id: row for row in session.execute(query.where(Profile.id.in_(profile_ids)))}
    contacts: dict[int, dict[str, str]] = {}
    rows = session.execute(
        select(Identifier.profile_id, Identifier.type, Identifier.value)
        .where(Identifier.profile_id.in_(profile_ids), Identifier.type.in_(("email", "phone")))
        .order_by(Identifier.id)
    )
    for pid, kind, value in rows:
        contacts.setdefault(pid, {})[kind] = value  # the newest wins
    return [(profiles[pid], contacts.get(pid, {})) for pid in profile_ids if pid in profiles]
