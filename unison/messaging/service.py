"""Reading what the gate decided, and the channels' kill switches."""

from sqlalchemy.orm import Session

from unison.kit.clock import utcnow
from unison.kit.pagination import Page, decode_id_cursor, encode_cursor
from unison.messaging import repository as rows
from unison.messaging.enqueue import CHANNELS, check_channel, view
from unison.messaging.errors import ProfileNotFound
from unison.messaging.schemas import Channel, MessageDecision


def messages_of(
    session: Session, profile_id: int, cursor: str | None, limit: int
) -> Page[MessageDecision]:
    """Every message decided for the profile (merged profiles included), newest first."""
    facts = rows.profile_facts(session, profile_id, whatsapp=False)
    if facts is None:
        raise ProfileNotFound(f"no profile with id {profile_id}", field="profile_id")
    found = rows.of_profile(
        session, facts.live_id, before=decode_id_cursor(cursor), limit=limit + 1
    )
    more = len(found) > limit
    items = [view(m) for m in found[:limit]]
    return Page[MessageDecision](
        items=items, next_cursor=encode_cursor(items[-1].id) if more else None
    )


def channels(session: Session) -> list[Channel]:
    stored = {row.channel: row for row in rows.channel_switches(session)}
    return [
        Channel.model_validate(stored[name])
        if name in stored
        else Channel(channel=name, enabled=True)
        for name in CHANNELS
    ]


def switch(session: Session, channel: str, enabled: bool, actor: str) -> Channel:
    """Turn a channel on or off for every message, at decide and at send time."""
    check_channel(channel)
    now = utcnow()
    rows.set_channel(
        session, {"channel": channel, "enabled": enabled, "updated_at": now, "updated_by": actor}
    )
    return Channel(channel=channel, enabled=enabled, updated_at=now, updated_by=actor)
