"""Provider receipts into message receipts: a log processor that reads the status events the
inbound connectors store (WhatsApp `statuses`, Viber `delivered` / `seen` / `failed`, SMS
status callbacks: `Message Delivered`, `Message Read`, `Message Failed`, each with the
provider's `provider_message_id`) and inbound replies (`Message Received` whose `reply_to`
names a message we sent), finds the outbox row the provider id belongs to, and records the
receipt (`Delivered`, `Read`, `Failed` / `Bounced`, `Replied`) with the row's meta ids. A
consent withdrawal (`consent.changed`, however it came: one-click unsubscribe, a STOP reply,
Viber's `unsubscribed`) becomes `Unsubscribed` on the newest message sent to that identifier
on that channel.

Receipts are idempotent by message and kind, so a replayed batch or a provider repeating
its callback records nothing twice. Rows without meta (consent confirmations, replies from
the inbox) get none."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from unison.events.log import LogEvent
from unison.events.processing import Processor
from unison.kit.settings import Settings
from unison.models import OutboundMessage
from unison.outbox import queue
from unison.outbox.receipts import record_receipt

NAME = "receipts"
STATUS_KINDS = {
    "Message Delivered": "Delivered",
    "Message Read": "Read",
    "Message Failed": "Failed",
}
REPLY = "Message Received"
CONSENT_CHANGED = "consent.changed"


@dataclass(frozen=True)
class Hit:
    channel: str
    provider_id: str
    kind: str
    at: datetime
    reason: str | None
    recipient: str | None = None  # set for `Unsubscribed`: found by recipient, not provider id


def receipts_processor(_settings: Settings) -> "ReceiptsProcessor":
    return ReceiptsProcessor()


def _properties(event: LogEvent) -> dict[str, Any]:
    found = event.payload.get("properties")
    return found if isinstance(found, dict) else {}


def _hit(event: LogEvent) -> Hit | None:
    props = _properties(event)
    if event.name in STATUS_KINDS:
        provider_id, kind = props.get("provider_message_id"), STATUS_KINDS[event.name]
    elif event.name == REPLY:
        provider_id, kind = props.get("reply_to"), "Replied"
    else:
        return None
    if not isinstance(provider_id, str | int) or provider_id == "":
        return None
    status = props.get("status")
    reason = str(status) if kind == "Failed" and status else None
    return Hit(event.channel, str(provider_id), kind, event.timestamp, reason)


class ReceiptsProcessor(Processor[list[Hit]]):
    name = NAME

    def plan(self, session: Session, events: list[LogEvent]) -> list[Hit]:
        hits = [hit for event in events if (hit := _hit(event)) is not None]
        return hits + [h for e in events if e.name == CONSENT_CHANGED for h in _withdrawals(e)]

    def write(self, session: Session, plan: list[Hit]) -> None:
        for hit in plan:
            message = _message_of(session, hit)
            if message is None or message.meta is None:
                continue
            meta = {**message.meta, "outbox_id": message.id}
            kind = "Bounced" if hit.kind == "Failed" and message.channel == "email" else hit.kind
            record_receipt(
                session, kind, meta, message.profile_id, message.channel, hit.reason, hit.at
            )


def _withdrawals(event: LogEvent) -> list[Hit]:
    changes = _properties(event).get("changes")
    hits = []
    for change in changes if isinstance(changes, list) else []:
        if not isinstance(change, dict) or change.get("status") != "withdrawn":
            continue
        channel, identifier = change.get("channel"), change.get("identifier")
        if isinstance(channel, str) and isinstance(identifier, str):
            purpose = str(change.get("purpose", ""))
            hits.append(
                Hit(channel, "", "Unsubscribed", event.timestamp, purpose, recipient=identifier)
            )
    return hits


def _message_of(session: Session, hit: Hit) -> OutboundMessage | None:
    if hit.recipient is None:
        return queue.by_provider_id(session, hit.channel, hit.provider_id)
    # The newest message messaging sent there (rows without meta are not messaging's).
    sent = queue.latest_sent(session, hit.channel, hit.recipient)
    return next((m for m in sent if m.meta is not None), None)
