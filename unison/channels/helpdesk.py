"""Helpdesk ticket events in Unison's documented JSON, signed with `X-Unison-Signature`
(see `signing.py`; format in README "Channel connectors").

    {"event": "ticket.created", "id": "evt-991", "occurred_at": "2026-12-01T10:00:00Z",
     "ticket": {"id": "T-1042", "subject": "Где мой заказ?", "status": "open",
                "priority": "normal", "channel": "email", "tags": ["delivery"]},
     "requester": {"email": "olga@example.ru", "phone": "+79161234567", "name": "Ольга",
                   "external_id": "crm-77"},
     "comment": {"id": "cm-1", "body": "Заказ не пришёл", "author": "customer"},
     "rating": {"score": 5, "scale": 5, "comment": "Спасибо!"}}

`id` identifies the delivery (redeliveries repeat it): messageId `<connector>:<id>`. The
requester needs an email, a phone or an external_id (kept as the `crm_id` identifier).
Comments become conversation messages in the ticket's thread.
"""

from typing import Any

from unison.channels.base import ConnectorRef, Parsed, message_id, track
from unison.channels.errors import WebhookMalformed
from unison.channels.payload import choice, items_of, maybe, need, occurred_at

CHANNEL = "helpdesk"
EVENTS = {
    "ticket.created": "Ticket Created",
    "ticket.updated": "Ticket Updated",
    "ticket.resolved": "Ticket Resolved",
    "satisfaction.rated": "Satisfaction Rated",
}
AUTHORS = ("customer", "agent")


def parse(body: dict[str, Any], connector: ConnectorRef) -> Parsed:
    return Parsed(events=[_ticket(item, connector, w) for w, item in items_of(body, "ticket")])


def _ticket(item: dict[str, Any], connector: ConnectorRef, where: str) -> dict[str, Any]:
    kind = choice(item, "event", EVENTS, where)
    delivery = need(item, "id", (str, int), where)
    ticket = need(item, "ticket", dict, where)
    ticket_id = need(ticket, "id", (str, int), f"{where}.ticket")
    requester = need(item, "requester", dict, where)
    traits = {
        "email": maybe(requester, "email", str, f"{where}.requester"),
        "phone": maybe(requester, "phone", (str, int), f"{where}.requester"),
        "crm_id": maybe(requester, "external_id", (str, int), f"{where}.requester"),
        "name": maybe(requester, "name", str, f"{where}.requester"),
    }
    known = next((traits[k] for k in ("crm_id", "email", "phone") if traits[k]), None)
    if known is None:
        raise WebhookMalformed(
            f"{where}.requester needs email, phone or external_id to find the customer",
            field=f"{where}.requester",
        )
    properties: dict[str, Any] = {
        "ticket_id": str(ticket_id),
        "subject": ticket.get("subject"),
        "status": ticket.get("status"),
        "priority": ticket.get("priority"),
        "ticket_channel": ticket.get("channel"),
        "tags": ticket.get("tags") if isinstance(ticket.get("tags"), list) else None,
        "thread_key": f"helpdesk:{connector.name}:{ticket_id}",
        "delivery_id": str(delivery),
    }
    comment = maybe(item, "comment", dict, where)
    if comment is not None:
        author = choice(comment, "author", AUTHORS, f"{where}.comment")
        properties.update(
            text=maybe(comment, "body", str, f"{where}.comment"),
            provider_message_id=str(comment["id"]) if comment.get("id") is not None else None,
            direction="inbound" if author == "customer" else "outbound",
            sender_name=traits["name"] if author == "customer" else comment.get("author_name"),
        )
    if kind == "satisfaction.rated":
        rating = need(item, "rating", dict, where)
        score = need(rating, "score", (int, float), f"{where}.rating")
        properties.update(
            score=score, scale=rating.get("scale"), rating_comment=rating.get("comment")
        )
    return track(
        connector,
        event=EVENTS[kind],
        channel=CHANNEL,
        message=message_id(connector, delivery),
        anonymous_id=f"helpdesk:{known}",
        traits={**traits, "crm_id": str(traits["crm_id"]) if traits["crm_id"] else None},
        properties=properties,
        timestamp=occurred_at(item, where),
    )
