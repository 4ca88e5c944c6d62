"""Viber REST bot callbacks (https://developers.viber.com/docs/api/rest-bot-api/#callbacks)
as canonical events.

Viber posts one callback per request, named by `event`. The `webhook` callback that Viber
sends when the webhook is set only needs a 200, so it yields no event. Receipts (`delivered`,
`seen`, `failed`) share the `message_token` of the message they are about, so their
messageId also names the event and the user.
"""

from typing import Any

from unison.channels import canonical
from unison.channels.base import ConnectorRef, Parsed, message_id, track
from unison.channels.errors import WebhookMalformed
from unison.channels.payload import from_unix, maybe, need

CHANNEL = "viber"
RECEIPTS = {
    "delivered": canonical.MESSAGE_DELIVERED,
    "seen": canonical.MESSAGE_READ,
    "failed": canonical.MESSAGE_FAILED,
}
_USER_EVENTS = {
    "subscribed": canonical.SUBSCRIBED,
    "conversation_started": canonical.CONVERSATION_STARTED,
}
EVENTS = ("message", "subscribed", "unsubscribed", "conversation_started", "webhook", *RECEIPTS)
_MEDIA_TYPES = ("picture", "video", "file", "sticker", "url", "location")


def parse(body: dict[str, Any], connector: ConnectorRef) -> Parsed:
    kind = need(body, "event", str, "callback")
    parsed = Parsed()
    if kind == "webhook":  # the verification call made by set_webhook
        return parsed
    if kind == "message":
        parsed.events.append(_message(body, connector))
    elif kind in ("subscribed", "conversation_started"):
        parsed.events.append(_user_event(body, kind, connector))
    elif kind == "unsubscribed" or kind in RECEIPTS:
        parsed.events.append(_about_user_id(body, kind, connector))
    else:  # client_status, action... carry nothing for a profile
        parsed.ignored.append(kind)
    return parsed


def _stamp(body: dict[str, Any]) -> str | None:
    millis = maybe(body, "timestamp", int, "callback")
    return None if millis is None else from_unix(millis, "callback.timestamp", per_second=1000)


def _token(body: dict[str, Any]) -> str | None:
    token = maybe(body, "message_token", (int, str), "callback")
    return None if token is None else str(token)


def _traits(user: dict[str, Any]) -> dict[str, Any]:
    return {"viber_id": user["id"], "name": user.get("name"), "country": user.get("country")}


def _message(body: dict[str, Any], connector: ConnectorRef) -> dict[str, Any]:
    sender = need(body, "sender", dict, "callback")
    user_id = need(sender, "id", str, "callback.sender")
    message = need(body, "message", dict, "callback")
    kind = need(message, "type", str, "callback.message")
    token = _token(body)
    if token is None:
        raise WebhookMalformed("callback.message_token is required", field="message_token")
    traits = _traits(sender)
    properties: dict[str, Any] = {
        "text": maybe(message, "text", str, "callback.message"),
        "message_type": kind,
        "provider_message_id": token,
        "thread_key": f"viber:{connector.name}:{user_id}",
        "direction": "inbound",
        "sender_name": sender.get("name"),
        "tracking_data": message.get("tracking_data"),
        "attachments": _attachments(message, kind) or None,
    }
    event = canonical.MESSAGE_RECEIVED
    if kind == "contact":
        contact = need(message, "contact", dict, "callback.message")
        phone = need(contact, "phone_number", str, "callback.message.contact")
        event = canonical.CONTACT_SHARED
        properties["contact"] = {"name": contact.get("name"), "phone_number": phone}
        # Bots ask for the number with Viber's "share-phone" keyboard button, whose reply is
        # this contact message with the user's own number. Viber does not mark it apart from
        # a card the user picked by hand, so a contact sent to the bot is taken as the
        # sender's phone (documented in README, "Channel connectors").
        traits["phone"] = phone
    return track(
        connector,
        event=event,
        channel=CHANNEL,
        message=message_id(connector, "message", token),
        anonymous_id=f"viber:{user_id}",
        traits=traits,
        properties=properties,
        timestamp=_stamp(body),
        locale=sender.get("language") if isinstance(sender.get("language"), str) else None,
    )


def _attachments(message: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    if kind not in _MEDIA_TYPES:
        return []
    item: dict[str, Any] = {"type": kind}
    for key in ("media", "thumbnail", "file_name", "size", "duration", "sticker_id"):
        if message.get(key) is not None:
            item[key] = message[key]
    location = message.get("location")
    if isinstance(location, dict):
        item["latitude"], item["longitude"] = location.get("lat"), location.get("lon")
    return [item]


def _user_event(body: dict[str, Any], kind: str, connector: ConnectorRef) -> dict[str, Any]:
    user = need(body, "user", dict, "callback")
    user_id = need(user, "id", str, "callback.user")
    token = _token(body) or str(body.get("timestamp"))
    properties: dict[str, Any] = {"thread_key": f"viber:{connector.name}:{user_id}"}
    if kind == "conversation_started":
        properties.update(
            start_payload=body.get("context"),
            open_type=body.get("type"),
            subscribed=body.get("subscribed"),
            direction="inbound",
        )
    return track(
        connector,
        event=_USER_EVENTS[kind],
        channel=CHANNEL,
        message=message_id(connector, kind, token, user_id),
        anonymous_id=f"viber:{user_id}",
        traits=_traits(user),
        properties=properties,
        timestamp=_stamp(body),
        locale=user.get("language") if isinstance(user.get("language"), str) else None,
    )


def _about_user_id(body: dict[str, Any], kind: str, connector: ConnectorRef) -> dict[str, Any]:
    user_id = need(body, "user_id", str, "callback")
    token = _token(body) or str(body.get("timestamp"))
    properties: dict[str, Any] = {"provider_message_id": token if kind in RECEIPTS else None}
    if kind == "failed":
        properties["error"] = body.get("desc")
    return track(
        connector,
        event=RECEIPTS.get(kind, canonical.UNSUBSCRIBED),
        channel=CHANNEL,
        message=message_id(connector, kind, token, user_id),
        anonymous_id=f"viber:{user_id}",
        traits={"viber_id": user_id},
        properties=properties,
        timestamp=_stamp(body),
    )
