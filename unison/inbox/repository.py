"""All conversation queries. The processor's writes are Core bulk statements: a webhook
burst of a few thousand messages lands in a handful of statements."""

from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from unison.kit.db import chunks, driver_sql, newest_first
from unison.models import Conversation, ConversationMessage, EventProfile, Profile
from unison.models.base import table

CONVERSATIONS = table(Conversation)
MESSAGES = table(ConversationMessage)


def owners(session: Session, event_ids: list[int]) -> dict[int, int]:
    """event id -> the live profile it belongs to now."""
    found: dict[int, int] = {}
    for chunk in chunks(event_ids):
        query = (
            select(EventProfile.event_id, Profile.canonical_id)
            .join(Profile, Profile.id == EventProfile.profile_id)
            .where(EventProfile.event_id.in_(chunk))
        )
        for event_id, canonical in session.execute(query):
            found[event_id] = canonical
    return found


def recorded_events(session: Session, event_ids: list[int]) -> set[int]:
    found: set[int] = set()
    for chunk in chunks(event_ids):
        query = select(ConversationMessage.event_id).where(ConversationMessage.event_id.in_(chunk))
        found.update(session.execute(query).scalars())
    return found


def threads(session: Session, keys: list[str]) -> list[tuple[int, str, int, int]]:
    """(conversation id, thread key, profile id, its live profile) for these threads."""
    found: list[tuple[int, str, int, int]] = []
    for chunk in chunks(keys):
        query = (
            select(
                Conversation.id,
                Conversation.thread_key,
                Conversation.profile_id,
                Profile.canonical_id,
            )
            .outerjoin(Profile, Profile.id == Conversation.profile_id)
            .where(Conversation.thread_key.in_(chunk))
        )
        for cid, key, pid, canonical in session.execute(query):
            found.append((cid, key, pid, canonical if canonical is not None else pid))
    return found


def add_conversations(session: Session, rows: list[dict[str, Any]]) -> dict[tuple[str, int], int]:
    """Insert conversations; returns (thread key, profile id) -> new id."""
    if not rows:
        return {}
    session.execute(insert(CONVERSATIONS), rows)
    wanted = {(r["thread_key"], r["profile_id"]) for r in rows}
    ids: dict[tuple[str, int], int] = {}
    for chunk in chunks(sorted({key for key, _ in wanted})):
        query = select(Conversation.thread_key, Conversation.profile_id, Conversation.id).where(
            Conversation.thread_key.in_(chunk)
        )
        for key, pid, cid in session.execute(query):
            if (key, pid) in wanted:
                ids[(key, pid)] = cid
    return ids


_MESSAGE_COLUMNS = (
    "conversation_id, profile_id, event_id, channel, direction, kind, text, attachments, "
    "provider_message_id, sender_name, sent_at"
)


def add_messages(session: Session, rows: list[dict[str, Any]]) -> None:
    """A driver-level executemany, as for the event log: SQLAlchemy's per-value processing
    cost more than the insert itself (the processor holds the write lock meanwhile)."""
    if not rows:
        return
    sql = driver_sql(session)
    attachments = sql.mark if sql.sqlite else "CAST(%s AS jsonb)"
    marks = f"{sql.marks(7)}, {attachments}, {sql.marks(3)}"
    sql.executemany(
        f"INSERT INTO conversation_messages ({_MESSAGE_COLUMNS}) VALUES ({marks})",  # noqa: S608 - constant text
        [
            (
                r["conversation_id"],
                r["profile_id"],
                r["event_id"],
                r["channel"],
                r["direction"],
                r["kind"],
                r["text"],
                orjson.dumps(r["attachments"]).decode("utf-8"),
                r["provider_message_id"],
                r["sender_name"],
                sql.stamp(r["sent_at"]),
            )
            for r in rows
        ],
    )


def message_by_provider_id(
    session: Session, conversation_id: int, provider_message_id: str
) -> ConversationMessage | None:
    query = (
        select(ConversationMessage)
        .where(
            ConversationMessage.conversation_id == conversation_id,
            ConversationMessage.provider_message_id == provider_message_id,
        )
        .order_by(ConversationMessage.id)
        .limit(1)
    )
    return session.execute(query).scalar_one_or_none()


def touch_conversations(session: Session, rows: list[dict[str, Any]]) -> None:
    """Per conversation: `added` more messages, the latest at `last`, a subject if it had
    none. One driver-level executemany for the whole batch: the processor holds the write
    lock (on SQLite, the ingest writer's too) while it writes."""
    if not rows:
        return
    sql = driver_sql(session)
    mark = sql.mark
    sql.executemany(
        f"UPDATE conversations SET message_count = message_count + {mark}, "  # noqa: S608
        f"last_message_at = CASE WHEN last_message_at < {mark} THEN {mark} "
        f"ELSE last_message_at END, subject = COALESCE(subject, {mark}) WHERE id = {mark}",
        [
            (r["added"], sql.stamp(r["last"]), sql.stamp(r["last"]), r["subject"], r["cid"])
            for r in rows
        ],
    )


def conversations_of(
    session: Session, profile_ids: list[int], *, before: tuple[datetime, int] | None, limit: int
) -> list[Conversation]:
    query = select(Conversation).where(Conversation.profile_id.in_(profile_ids))
    page = newest_first(query, Conversation.last_message_at, Conversation.id, before, limit)
    return list(session.execute(page).scalars())


def conversation(session: Session, conversation_id: int) -> Conversation | None:
    return session.get(Conversation, conversation_id)


def messages_of(
    session: Session, conversation_id: int, *, before: tuple[datetime, int] | None, limit: int
) -> list[ConversationMessage]:
    query = select(ConversationMessage).where(
        ConversationMessage.conversation_id == conversation_id
    )
    page = newest_first(query, ConversationMessage.sent_at, ConversationMessage.id, before, limit)
    return list(session.execute(page).scalars())


def canonical_ids(session: Session, profile_ids: set[int]) -> dict[int, int]:
    query = select(Profile.id, Profile.canonical_id).where(Profile.id.in_(list(profile_ids)))
    return {pid: canonical for pid, canonical in session.execute(query)}  # noqa: C416


def all_of(
    session: Session, profile_ids: list[int]
) -> list[tuple[Conversation, list[ConversationMessage]]]:
    conversations = list(
        session.execute(
            select(Conversation)
            .where(Conversation.profile_id.in_(profile_ids))
            .order_by(Conversation.id)
        ).scalars()
    )
    found = []
    for conv in conversations:
        messages = session.execute(
            select(ConversationMessage)
            .where(ConversationMessage.conversation_id == conv.id)
            .order_by(ConversationMessage.sent_at, ConversationMessage.id)
        ).scalars()
        found.append((conv, list(messages)))
    return found


def erase(session: Session, profile_ids: list[int]) -> int:
    """Delete the profiles' conversations and every message in them or attributed to them."""
    ids = list(
        session.execute(
            select(Conversation.id).where(Conversation.profile_id.in_(profile_ids))
        ).scalars()
    )
    removed = 0
    for chunk in chunks(ids):
        removed += session.execute(  # type: ignore[attr-defined]
            delete(ConversationMessage).where(ConversationMessage.conversation_id.in_(chunk))
        ).rowcount
    removed += session.execute(  # type: ignore[attr-defined]
        delete(ConversationMessage).where(ConversationMessage.profile_id.in_(profile_ids))
    ).rowcount
    for chunk in chunks(ids):
        removed += session.execute(  # type: ignore[attr-defined]
            delete(Conversation).where(Conversation.id.in_(chunk))
        ).rowcount
    return int(removed)


def forget_events(session: Session, event_ids: list[int]) -> set[int]:
    """Delete the messages these events made; returns the conversations they were in."""
    affected: set[int] = set()
    for chunk in chunks(event_ids):
        made = ConversationMessage.event_id.in_(chunk)
        affected.update(
            session.execute(select(ConversationMessage.conversation_id).where(made)).scalars()
        )
        session.execute(delete(ConversationMessage).where(made))
    return affected


def recount(session: Session, conversation_ids: set[int]) -> None:
    """Counts and first/last times from the messages the conversations still hold; one
    left empty is deleted."""
    for chunk in chunks(sorted(conversation_ids)):
        stats = session.execute(
            select(
                ConversationMessage.conversation_id,
                func.count(),
                func.min(ConversationMessage.sent_at),
                func.max(ConversationMessage.sent_at),
            )
            .where(ConversationMessage.conversation_id.in_(chunk))
            .group_by(ConversationMessage.conversation_id)
        ).all()
        for cid, count, first, last in stats:
            session.execute(
                update(Conversation)
                .where(Conversation.id == cid)
                .values(message_count=count, started_at=first, last_message_at=last)
            )
        kept = {row[0] for row in stats}
        empty = [cid for cid in chunk if cid not in kept]
        if empty:
            session.execute(delete(Conversation).where(Conversation.id.in_(empty)))
