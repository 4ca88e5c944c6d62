"""Receipts back into the log: what happened to a message (`Message Sent`, `Delivered`,
`Read`, `Opened`, `Clicked`, `Bounced`, `Failed`, `Replied`, `Unsubscribed`, `Suppressed`)
as an ordinary track event on the customer's profile, appended through the events service
by the `unison-messaging` system source.

Each receipt is idempotent by a messageId derived from the message and the kind, so a
provider repeating its status callback, a second open of the same email or a retried
delivery round never doubles it. Its properties carry the `meta` ids (message, template,
campaign, broadcast, variant) and the channel, so analytics joins receipts to sends.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy.orm import Session

from unison.events import service as event_log
from unison.kit.clock import isoformat_z, utcnow
from unison.outbox import queue
from unison.outbox.errors import ReceiptKindUnknown
from unison.sources import service as sources
from unison.sources.channels import CHANNELS as EVENT_CHANNELS

SYSTEM_SOURCE = "unison-messaging"
KINDS: tuple[str, ...] = (
    "Message Sent",
    "Delivered",
    "Read",
    "Opened",
    "Clicked",
    "Bounced",
    "Failed",
    "Replied",
    "Unsubscribed",
    "Suppressed",
)
# The log's channel for a messaging channel the log has no name for.
_EVENT_CHANNEL = {"push": "mobile", "webhook": "other"}
# Which identifier addresses the event when the profile has several: the profile
# processor attributes it to the owner, and these never link anything new.
_ADDRESS_ORDER = ("user_id", "anonymous_id", "email", "phone", "crm_id", "loyalty_card")
_RANK = {kind: i for i, kind in enumerate(_ADDRESS_ORDER)}


def record_receipt(
    session: Session,
    kind: str,
    meta: dict[str, Any] | None,
    profile_id: int,
    channel: str,
    reason: str | None = None,
    at: datetime | None = None,
    *,
    properties: dict[str, Any] | None = None,
) -> bool:
    """Append one receipt event in the caller's transaction; False when it was already
    there (same message and kind) or the profile is gone (erased: nothing to attach to)."""
    if kind not in KINDS:
        raise ReceiptKindUnknown(
            f"receipt kind {kind!r} is not known; accepted: {', '.join(KINDS)}", field="kind"
        )
    address = _address(session, profile_id)
    if address is None:
        return False
    now = utcnow()
    source_id = sources.system_source_id(session, SYSTEM_SOURCE)
    row = _event_row(
        source_id,
        kind,
        {**(meta or {}), **(properties or {}), "profile_id": profile_id, "channel": channel},
        address,
        reason,
        at or now,
        now,
    )
    return event_log.append(session, [row], source_id=source_id, origin="messaging", at=now) == 1


@dataclass(frozen=True)
class Receipt:
    kind: str
    meta: dict[str, Any] | None
    profile_id: int
    channel: str
    reason: str | None = None
    at: datetime | None = None


def record_receipts(session: Session, receipts: list[Receipt]) -> int:
    """`record_receipt` for many messages in a few statements (a broadcast's chunk of
    `Suppressed` receipts); returns how many were new."""
    for receipt in receipts:
        if receipt.kind not in KINDS:
            raise ReceiptKindUnknown(
                f"receipt kind {receipt.kind!r} is not known; accepted: {', '.join(KINDS)}",
                field="kind",
            )
    if not receipts:
        return 0
    found = queue.identifiers_of_profiles(session, sorted({r.profile_id for r in receipts}))
    now = utcnow()
    source_id = sources.system_source_id(session, SYSTEM_SOURCE)
    rows = []
    for receipt in receipts:
        address = _ranked(found.get(receipt.profile_id, []))
        if address is None:  # erased: nothing to attach to
            continue
        properties = {
            **(receipt.meta or {}),
            "profile_id": receipt.profile_id,
            "channel": receipt.channel,
        }
        at = receipt.at or now
        rows.append(
            _event_row(source_id, receipt.kind, properties, address, receipt.reason, at, now)
        )
    if not rows:
        return 0
    return event_log.append(session, rows, source_id=source_id, origin="messaging", at=now)


def receipt_message_id(meta: dict[str, Any] | None, kind: str) -> str:
    """`receipt-<message>-<kind>`: the message is messaging's id, else the outbox row's."""
    found = meta or {}
    message = found.get("message_id")
    ref = str(message) if message is not None else f"o{found.get('outbox_id')}"
    return f"receipt-{ref}-{kind.lower().replace(' ', '-')}"


def _address(session: Session, profile_id: int) -> tuple[str, str] | None:
    return _ranked(queue.identifiers_of_profile(session, profile_id))


def _ranked(idents: list[tuple[str, str]]) -> tuple[str, str] | None:
    if not idents:
        return None
    return min(idents, key=lambda ident: _RANK.get(ident[0], len(_RANK)))


def _event_row(
    source_id: int,
    kind: str,
    properties: dict[str, Any],
    address: tuple[str, str],
    reason: str | None,
    at: datetime,
    now: datetime,
) -> dict[str, Any]:
    channel = properties["channel"]
    log_channel = _EVENT_CHANNEL.get(channel, channel if channel in EVENT_CHANNELS else "other")
    message_id = receipt_message_id(properties, kind)
    if reason is not None:
        properties = {**properties, "reason": reason}
    received = isoformat_z(now)
    payload: dict[str, Any] = {
        "type": "track",
        "event": kind,
        "messageId": message_id,
        "timestamp": received if at == now else isoformat_z(at),  # a sent receipt's: now
        "receivedAt": received,
        "context": {"channel": log_channel},
        "properties": properties,
    }
    ident_kind, value = address
    user_id = value if ident_kind == "user_id" else None
    anonymous_id = value if ident_kind == "anonymous_id" else None
    if user_id is not None:
        payload["userId"] = user_id
    elif anonymous_id is not None:
        payload["anonymousId"] = anonymous_id
    else:  # one identifier the profile already owns: attributed, nothing linked
        payload["context"]["traits"] = {ident_kind: value}
    return {
        "source_id": source_id,
        "message_id": message_id,
        "type": "track",
        "event": kind,
        "user_id": user_id,
        "anonymous_id": anonymous_id,
        "channel": log_channel,
        "timestamp": at,
        "received_at": now,
        "payload": payload,
        "payload_json": orjson.dumps(payload).decode(),
    }
