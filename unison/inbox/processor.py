"""The inbox log processor: stores message-like events as conversation messages.

It runs after the profile processor (unison/app/chain.py), so every event's profile is
known. Events it reads (README "Channel connectors"): Message Received, Message Sent,
Message Edited (replaces the text of the message it edits), Contact Shared, Conversation
Started, Button Clicked, and helpdesk Ticket Created/Updated/Resolved when they carry a
comment. Properties it uses: text, attachments, provider_message_id, thread_key,
direction, sender_name, subject, connector. Events without a thread_key share one
conversation per profile and channel.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from unison.events import log as offsets
from unison.events.log import LogEvent
from unison.events.processing import Processor
from unison.inbox import repository as rows
from unison.kit.settings import Settings

NAME = "inbox"
EDITED = "Message Edited"
# event name -> direction when the event does not say
MESSAGE_EVENTS: dict[str, str] = {
    "Message Received": "inbound",
    "Message Sent": "outbound",
    EDITED: "inbound",
    "Contact Shared": "inbound",
    "Conversation Started": "inbound",
    "Button Clicked": "inbound",
}
TICKET_EVENTS = frozenset({"Ticket Created", "Ticket Updated", "Ticket Resolved"})
DIRECTIONS = ("inbound", "outbound")


@dataclass(frozen=True, slots=True)
class Item:
    event_id: int
    profile_id: int
    channel: str
    thread_key: str
    connector: str | None
    subject: str | None
    kind: str
    direction: str
    text: str | None
    attachments: list[dict[str, Any]]
    provider_message_id: str | None
    sender_name: str | None
    sent_at: datetime


def inbox_processor(_settings: Settings) -> "InboxProcessor":
    return InboxProcessor()


def _wanted(event: LogEvent) -> bool:
    if event.name in MESSAGE_EVENTS:
        return True
    if event.name in TICKET_EVENTS:
        props = event.payload.get("properties")
        return isinstance(props, dict) and isinstance(props.get("text"), str)
    return False


def _text(props: dict[str, Any], key: str, longest: int | None = None) -> str | None:
    value = props.get(key)
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value:
        return None
    return value[:longest] if longest else value


def _item(event: LogEvent, profile_id: int) -> Item:
    props = event.payload.get("properties")
    props = props if isinstance(props, dict) else {}
    connector = _text(props, "connector", 60)
    thread = _text(props, "thread_key", 255) or f"{event.channel}:{connector or 'default'}"
    direction = props.get("direction")
    attachments = props.get("attachments")
    return Item(
        event_id=event.id,
        profile_id=profile_id,
        channel=event.channel,
        thread_key=thread,
        connector=connector,
        subject=_text(props, "subject", 255),
        kind=event.name or "",
        direction=direction
        if direction in DIRECTIONS
        else MESSAGE_EVENTS.get(event.name or "", "inbound"),
        text=_text(props, "text"),
        attachments=[a for a in attachments if isinstance(a, dict)]
        if isinstance(attachments, list)
        else [],
        provider_message_id=_text(props, "provider_message_id", 255),
        sender_name=_text(props, "sender_name", 255),
        sent_at=event.timestamp,
    )


class InboxProcessor(Processor[list[Item]]):
    name = NAME

    def plan(self, session: Session, events: list[LogEvent]) -> list[Item]:
        wanted = [e for e in events if _wanted(e)]
        if not wanted:
            return []
        # A replay (an offset moved back by hand) must not store a message twice.
        done = rows.recorded_events(session, [e.id for e in wanted])
        owners = rows.owners(session, [e.id for e in wanted if e.id not in done])
        return [_item(e, owners[e.id]) for e in wanted if e.id in owners]

    def write(self, session: Session, plan: list[Item]) -> None:
        if not plan:
            return
        conversations = self._conversations(session, plan)
        messages: list[dict[str, Any]] = []
        touched: dict[int, dict[str, Any]] = {}
        for item in plan:
            cid = conversations[(item.thread_key, item.profile_id)]
            if item.kind == EDITED:
                rows.add_messages(session, messages)  # the original may be in this batch
                messages = []
                if self._edit(session, cid, item):
                    continue
            messages.append(_message_row(item, cid))
            stats = touched.setdefault(
                cid, {"cid": cid, "added": 0, "last": item.sent_at, "subject": None}
            )
            stats["added"] += 1
            stats["last"] = max(stats["last"], item.sent_at)
            stats["subject"] = stats["subject"] or item.subject
        rows.add_messages(session, messages)
        rows.touch_conversations(session, list(touched.values()))

    def _conversations(self, session: Session, plan: list[Item]) -> dict[tuple[str, int], int]:
        """(thread key, live profile) -> conversation id, creating the missing ones. A thread
        whose conversation began on a profile since merged into this one stays that one."""
        found: dict[tuple[str, int], int] = {}
        for cid, thread, _pid, canonical in rows.threads(
            session, list({i.thread_key for i in plan})
        ):
            found.setdefault((thread, canonical), cid)
        new: dict[tuple[str, int], dict[str, Any]] = {}
        for item in plan:
            key = (item.thread_key, item.profile_id)
            if key not in found and key not in new:
                new[key] = {
                    "profile_id": item.profile_id,
                    "channel": item.channel,
                    "thread_key": item.thread_key,
                    "connector": item.connector,
                    "subject": None,
                    "started_at": item.sent_at,
                    "last_message_at": item.sent_at,
                    "message_count": 0,
                }
            elif key in new:
                new[key]["started_at"] = min(new[key]["started_at"], item.sent_at)
        found.update(rows.add_conversations(session, list(new.values())))
        return found

    def _edit(self, session: Session, cid: int, item: Item) -> bool:
        """Replace the edited message's text in place; False when it is not stored."""
        if item.provider_message_id is None:
            return False
        original = rows.message_by_provider_id(session, cid, item.provider_message_id)
        if original is None:
            return False
        original.text = item.text
        original.attachments = item.attachments or original.attachments
        original.edited_at = item.sent_at
        session.flush()
        return True


def _message_row(item: Item, conversation_id: int) -> dict[str, Any]:
    return {
        "conversation_id": conversation_id,
        "profile_id": item.profile_id,
        "event_id": item.event_id,
        "channel": item.channel,
        "direction": item.direction,
        "kind": item.kind,
        "text": item.text,
        "attachments": item.attachments,
        "provider_message_id": item.provider_message_id,
        "sender_name": item.sender_name,
        "sent_at": item.sent_at,
        "edited_at": None,
    }


def rehome(session: Session, events: list[LogEvent]) -> None:
    """After a profile split (identity/service.py) has replayed `events`: their messages move
    to the profiles that own those events now, into those profiles' conversations (new ones
    where needed), and conversations left empty go. Runs in the split's transaction."""
    # Takes the processor's offset row, and a batch planned with the old owners is
    # discarded at its compare-and-set and planned again.
    offsets.bump_epoch(session, NAME)
    rows.recount(session, rows.forget_events(session, [event.id for event in events]))
    InboxProcessor().process(session, events)
