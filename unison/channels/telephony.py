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

from typing import Any

from unison.channels.base import ConnectorRef, Parsed, message_id, track
from unison.channels.errors import WebhookMalformed
from unison.channels.payload import choice, items_of, need, occurred_at

CHANNEL = "call_center"
EVENTS = {
    "call.started": "Call Started",
    "call.answered": "Call Answered",
    "call.completed": "Call Completed",
    "call.missed": "Call Missed",
}
DIRECTIONS = ("inbound", "outbound")
_NUMBERS = ("duration_seconds", "wait_seconds")


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
