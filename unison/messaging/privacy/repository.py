"""The queries of messaging's data-subject requests: a person's decided messages (by their
profiles, or addressed to one of their identifiers) and broadcast recipient rows."""

from sqlalchemy import ColumnElement, delete, or_, select
from sqlalchemy.orm import Session

from unison.models import BroadcastRecipient, Message


def _of(profile_ids: list[int], recipients: list[str]) -> ColumnElement[bool]:
    mine = Message.profile_id.in_(profile_ids)
    # A message to one of their identifiers decided for another profile (before a merge, or
    # after a split) is theirs too: its recipient and detail name them.
    return or_(mine, Message.recipient.in_(recipients)) if recipients else mine


def messages_of(session: Session, profile_ids: list[int], recipients: list[str]) -> list[Message]:
    query = select(Message).where(_of(profile_ids, recipients)).order_by(Message.id)
    return list(session.execute(query).scalars())


def recipients_of(session: Session, profile_ids: list[int]) -> list[BroadcastRecipient]:
    query = (
        select(BroadcastRecipient)
        .where(BroadcastRecipient.profile_id.in_(profile_ids))
        .order_by(BroadcastRecipient.broadcast_id)
    )
    return list(session.execute(query).scalars())


def erase(session: Session, profile_ids: list[int], recipients: list[str]) -> int:
    """Delete the person's messages and broadcast recipient rows; how many rows went."""
    removed = session.execute(delete(Message).where(_of(profile_ids, recipients))).rowcount  # type: ignore[attr-defined]
    removed += session.execute(
        delete(BroadcastRecipient).where(BroadcastRecipient.profile_id.in_(profile_ids))
    ).rowcount  # type: ignore[attr-defined]
    return int(removed)
