"""Every consent change leaves two traces in the transaction that records it: a
`consent.changed` event appended to the log (through the events repository) and one outbox
row per webhook subscription. The event is one per save: a preference-center save that
changes sixteen preferences is one timeline entry listing the sixteen changes. Both
commit or roll back with the ledger record, so no change is announced that was not
recorded and none recorded goes unannounced.

The event is written by the `unison-consent` system source; the consent processor ignores
`consent.changed`, so its own announcements never come back to it as new changes.
"""

from datetime import datetime
from typing import Any

import orjson
from sqlalchemy.orm import Session

from unison.consent.ledger import webhooks
from unison.events import service as event_log
from unison.kit.clock import isoformat_z
from unison.models import ConsentRecord
from unison.sources import service as sources
from unison.sources.channels import CHANNELS as EVENT_CHANNELS

SYSTEM_SOURCE = "unison-consent"
CHANGED = "consent.changed"


def system_source_id(session: Session) -> int:
    return sources.system_source_id(session, SYSTEM_SOURCE)


def change_body(record: ConsentRecord) -> dict[str, Any]:
    """What subscribers receive (and what the event carries in `properties`)."""
    return {
        "record_id": record.id,
        "profile_id": record.profile_id,
        "identifier_type": record.identifier_type,
        "identifier": record.identifier_value,
        "purpose": record.purpose,
        "channel": record.channel,
        "status": record.status,
        "legal_basis": record.legal_basis,
        "source": record.source,
        "source_channel": record.source_channel,
        "actor": record.actor,
        "occurred_at": isoformat_z(record.occurred_at),
        "expires_at": isoformat_z(record.expires_at) if record.expires_at else None,
        "hash": record.hash,
    }


def announce(session: Session, records: list[ConsentRecord], now: datetime) -> None:
    if not records:
        return
    source_id = system_source_id(session)
    row = _event_row(source_id, records, now)
    event_log.append(session, [row], source_id=source_id, origin="consent", at=now)
    changes = (
        webhooks.Change(r.id, r.profile_id, {"type": CHANGED, "data": change_body(r)})
        for r in records
    )
    webhooks.queue(session, changes, now)


def _event_row(source_id: int, records: list[ConsentRecord], now: datetime) -> dict[str, Any]:
    """One event for the records of one save (they share profile, source and moment)."""
    first = records[0]
    channels = {r.channel for r in records}
    channel = first.channel if len(channels) == 1 and first.channel in EVENT_CHANNELS else "other"
    message_id = f"consent-record-{first.id}"  # one event per save, however often retried
    properties = {
        "profile_id": first.profile_id,
        "source": first.source,
        "source_channel": first.source_channel,
        "actor": first.actor,
        "occurred_at": isoformat_z(first.occurred_at),
        "count": len(records),
        "changes": [change_body(r) for r in records],
    }
    payload = {
        "type": "track",
        "event": CHANGED,
        "messageId": message_id,
        "timestamp": isoformat_z(first.occurred_at),
        "receivedAt": isoformat_z(now),
        # One identifier the consent is bound to, so the profile processor attributes the
        # event to its owner (it is already owned: nothing is linked or merged).
        "context": {
            "channel": channel,
            "traits": {first.identifier_type: first.identifier_value},
        },
        "properties": properties,
    }
    return {
        "source_id": source_id,
        "message_id": message_id,
        "type": "track",
        "event": CHANGED,
        "user_id": None,
        "anonymous_id": None,
        "channel": channel,
        "timestamp": first.occurred_at,
        "received_at": now,
        "payload": payload,
        "payload_json": orjson.dumps(payload).decode(),
    }
