"""Telephony (PBX, contact-center) call events in Unison's documented JSON, signed with
`X-Unison-Signature` (see `signing.py`; format in README "Channel connectors").

    {"event": "call.completed", "call_id": "c-1", "occurred_at": "2026-12-01T09:15:00Z",
     "direction": "inbound", "from": "+995599123456", "to": "+995322000000",
     "agent": {"id": "ag-12", "name": "Nino"}, "duration_seconds": 312,
     "wait_seconds": 14, "recording_url": "https://pbx.example/rec/c-1.mp3",
     "queue": "sales", "reason": null}

A body is one such object or `{"events": [...]}` (up to 100). The customer's number is the
caller on inbound calls and the callee on outbound ones; numbers without a country code are
read in the connector's region. messageId: `<connector>:<call_id>:<event>`.
"""

from datetime import datetime
from typing import Any

from unison.channels.base import ConnectorRef, Parsed, message_id, track
from unison.channels.errors import WebhookMalformed
from unison.channels.payload import need
from unison.kit.clock import isoformat_z

CHANNEL = "call_center"
EVENTS = {
    "call.started": "Call Started",
    "call.answered": "Call Answered",
    "call.completed": "Call Completed",
    "call.missed": "Call Missed",
}
DIRECTIONS = ("inbound", "outbound")
MAX_ITEMS = 100
_NUMBERS = ("duration_seconds", "wait_seconds")


def items_of(body: dict[str, Any], noun: str) -> list[tuple[str, dict[str, Any]]]:
    """(where, item) for a single object or an `{"events": [...]}` envelope."""
    if "events" not in body:
        return [(noun, body)]
    items = need(body, "events", list, "body")
    if not items or len(items) > MAX_ITEMS:
        raise WebhookMalformed(
            f"events must hold 1 to {MAX_ITEMS} items, got {len(items)}", field="events"
        )
    found = []
    for n, item in enumerate(items):
        if not isinstance(item, dict):
            raise WebhookMalformed(f"events[{n}] must be an object", field=f"events[{n}]")
        found.append((f"events[{n}]", item))
    return found


def occurred_at(item: dict[str, Any], where: str) -> str:
    text = need(item, "occurred_at", str, where)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise WebhookMalformed(
            f"{where}.occurred_at must be ISO 8601 with a time zone, "
            f"e.g. 2026-12-01T09:15:00Z; got {text[:40]!r}",
            field=f"{where}.occurred_at",
        )
    return isoformat_z(moment)


def choice(
    item: dict[str, Any], key: str, accepted: dict[str, str] | tuple[str, ...], where: str
) -> str:
    value: str = need(item, key, str, where)
    if value not in accepted:
        raise WebhookMalformed(
            f"{where}.{key} is {value[:40]!r}; accepted: {', '.join(accepted)}",
            field=f"{where}.{key}",
        )
    return value


def parse(body: dict[str, Any], connector: ConnectorRef) -> Parsed:
    return Parsed(events=[_call(item, connector, where) for where, item in items_of(body, "call")])


def _call(item: dict[str, Any], connector: ConnectorRef, where: str) -> dict[str, Any]:
    kind = choice(item, "event", EVENTS, where)
    call_id = need(item, "call_id", (str, int), where)
    direction = choice(item, "direction", DIRECTIONS, where)
    caller = need(item, "from", (str, int), where)
    callee = need(item, "to", (str, int), where)
    customer = str(caller if direction == "inbound" else callee)
    for key in _NUMBERS:
        value = item.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise WebhookMalformed(
                f"{where}.{key} must be a number of seconds", field=f"{where}.{key}"
            )
    agent = item.get("agent")
    if isinstance(agent, str):
        agent = {"id": agent}
    return track(
        connector,
        event=EVENTS[kind],
        channel=CHANNEL,
        message=message_id(connector, call_id, kind),
        anonymous_id=f"phone:{customer}",
        traits={"phone": customer},
        properties={
            "call_id": str(call_id),
            "direction": direction,
            "from": str(caller),
            "to": str(callee),
            "agent": agent if isinstance(agent, dict) else None,
            "duration_seconds": item.get("duration_seconds"),
            "wait_seconds": item.get("wait_seconds"),
            "recording_url": item.get("recording_url"),
            "queue": item.get("queue"),
            "reason": item.get("reason"),
        },
        timestamp=occurred_at(item, where),
    )
