"""WhatsApp Cloud API webhooks (Meta Graph webhooks, `whatsapp_business_account` object) as
canonical events.

A notification batches `entry[].changes[].value` blocks; each value may hold inbound
`messages[]` (with the senders in `contacts[]`) and status updates `statuses[]` for messages
the business sent. WhatsApp ids are the phone number's digits, so identity resolution also
gets the phone (E.164) from `whatsapp_id`. messageIds: `<connector>:msg:<wamid>` and
`<connector>:status:<wamid>:<status>`.
"""

from typing import Any

from unison.channels import canonical
from unison.channels.base import ConnectorRef, Parsed, Receipts, message_id, track
from unison.channels.errors import WebhookMalformed
from unison.channels.payload import from_unix, maybe, need, obj

CHANNEL = "whatsapp"
STATUSES = {
    "sent": canonical.MESSAGE_SENT,
    "delivered": canonical.MESSAGE_DELIVERED,
    "read": canonical.MESSAGE_READ,
    "failed": canonical.MESSAGE_FAILED,
}
RECEIPTS = Receipts(CHANNEL, "whatsapp_id", STATUSES)
_MEDIA = ("image", "document", "audio", "video", "sticker")
_MEDIA_FIELDS = ("id", "mime_type", "sha256", "filename", "caption", "animated", "voice")


def parse(body: dict[str, Any], connector: ConnectorRef) -> Parsed:
    kind = need(body, "object", str, "notification")
    if kind != "whatsapp_business_account":
        raise WebhookMalformed(
            f"object is {kind[:60]!r}; this endpoint takes 'whatsapp_business_account'",
            field="object",
        )
    parsed = Parsed()
    for e, entry in enumerate(need(body, "entry", list, "notification")):
        if not isinstance(entry, dict):
            raise WebhookMalformed(f"entry[{e}] must be an object", field=f"entry[{e}]")
        for c, change in enumerate(maybe(entry, "changes", list, f"entry[{e}]") or []):
            where = f"entry[{e}].changes[{c}]"
            if not isinstance(change, dict):
                raise WebhookMalformed(f"{where} must be an object", field=where)
            if change.get("field") != "messages":
                parsed.ignored.append(str(change.get("field")))
                continue
            _value(need(change, "value", dict, where), connector, f"{where}.value", parsed)
    return parsed


def _value(value: dict[str, Any], connector: ConnectorRef, where: str, parsed: Parsed) -> None:
    names = _profile_names(value)
    metadata = obj(value, "metadata")
    business = metadata.get("phone_number_id")
    for m, message in enumerate(maybe(value, "messages", list, where) or []):
        item = f"{where}.messages[{m}]"
        if not isinstance(message, dict):
            raise WebhookMalformed(f"{item} must be an object", field=item)
        parsed.events.append(_message(message, connector, item, names, business))
    for s, status in enumerate(maybe(value, "statuses", list, where) or []):
        item = f"{where}.statuses[{s}]"
        if not isinstance(status, dict):
            raise WebhookMalformed(f"{item} must be an object", field=item)
        parsed.events.append(_status(status, connector, item))


def _profile_names(value: dict[str, Any]) -> dict[str, str]:
    names: dict[str, str] = {}
    contacts = value.get("contacts")
    for contact in contacts if isinstance(contacts, list) else []:
        if isinstance(contact, dict) and isinstance(contact.get("profile"), dict):
            name = contact["profile"].get("name")
            if isinstance(contact.get("wa_id"), str) and isinstance(name, str):
                names[contact["wa_id"]] = name
    return names


def _message(
    message: dict[str, Any],
    connector: ConnectorRef,
    where: str,
    names: dict[str, str],
    business: object,
) -> dict[str, Any]:
    sender = need(message, "from", str, where)
    wamid = need(message, "id", str, where)
    kind = need(message, "type", str, where)
    event, properties = _content(message, kind, where)
    reply_to = obj(message, "context")
    properties.update(
        message_type=kind,
        provider_message_id=wamid,
        thread_key=f"whatsapp:{connector.name}:{sender}",
        direction="inbound",
        sender_name=names.get(sender),
        reply_to=reply_to.get("id"),
        business_phone_number_id=business if isinstance(business, str) else None,
    )
    stamp = message.get("timestamp")
    return track(
        connector,
        event=event,
        channel=CHANNEL,
        message=message_id(connector, "msg", wamid),
        anonymous_id=f"whatsapp:{sender}",
        traits={"whatsapp_id": sender, "name": names.get(sender)},
        properties=properties,
        timestamp=from_unix(stamp, f"{where}.timestamp") if stamp is not None else None,
    )


def _content(message: dict[str, Any], kind: str, where: str) -> tuple[str, dict[str, Any]]:
    """(event name, properties) for one message type."""
    if kind == "text":
        text = need(need(message, "text", dict, where), "body", str, f"{where}.text")
        return canonical.MESSAGE_RECEIVED, {"text": text}
    if kind == "interactive":
        interactive = need(message, "interactive", dict, where)
        reply = interactive.get("button_reply") or interactive.get("list_reply") or {}
        reply = reply if isinstance(reply, dict) else {}
        return canonical.BUTTON_CLICKED, {
            "text": reply.get("title"),
            "data": reply.get("id"),
            "reply_type": interactive.get("type"),
        }
    if kind == "button":  # a quick-reply button of a template message
        button = need(message, "button", dict, where)
        return canonical.BUTTON_CLICKED, {"text": button.get("text"), "data": button.get("payload")}
    if kind in _MEDIA:
        media = need(message, kind, dict, where)
        attachment = {"type": kind, **{k: media[k] for k in _MEDIA_FIELDS if k in media}}
        return canonical.MESSAGE_RECEIVED, {
            "text": media.get("caption"),
            "attachments": [attachment],
        }
    if kind == "location":
        place = need(message, "location", dict, where)
        attachment = {"type": "location", **place}
        return canonical.MESSAGE_RECEIVED, {"text": place.get("name"), "attachments": [attachment]}
    if kind == "contacts":
        # Cards the customer forwards are other people: kept as data, never linked to them.
        cards = need(message, "contacts", list, where)
        return canonical.CONTACT_SHARED, {"contacts": cards, "own_contact": False}
    if kind == "reaction":
        reaction = obj(message, "reaction")
        return canonical.MESSAGE_RECEIVED, {
            "reaction": reaction.get("emoji"),
            "text": reaction.get("emoji"),
        }
    # "unsupported", "system", ... : kept with the provider's errors, so nothing is lost.
    return canonical.MESSAGE_RECEIVED, {"text": None, "errors": message.get("errors")}


def _status(status: dict[str, Any], connector: ConnectorRef, where: str) -> dict[str, Any]:
    wamid = need(status, "id", str, where)
    state = need(status, "status", str, where)
    if state not in STATUSES:
        raise WebhookMalformed(
            f"{where}.status is {state[:40]!r}; known: {', '.join(STATUSES)}",
            field=f"{where}.status",
        )
    recipient = need(status, "recipient_id", str, where)
    errors = status.get("errors") if isinstance(status.get("errors"), list) else None
    conversation = obj(status, "conversation")
    stamp = status.get("timestamp")
    return RECEIPTS.event(
        connector,
        wamid,
        state,
        recipient,
        timestamp=from_unix(stamp, f"{where}.timestamp") if stamp is not None else None,
        conversation_id=conversation.get("id"),
        errors=errors,
    )
