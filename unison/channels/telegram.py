"""Telegram Bot API updates (https://core.telegram.org/bots/api#update) as canonical events.

One update carries one of: `message`, `edited_message`, `callback_query`, `my_chat_member`
(the user blocked or unblocked the bot), or kinds that say nothing about a customer
(inline queries, polls, channel posts...), which are answered and named as ignored.
The messageId is `<connector>:<update_id>`: Telegram redelivers an update with the same
update_id until it is acknowledged.
"""

from typing import Any

from unison.channels import canonical
from unison.channels.base import ConnectorRef, Parsed, message_id, track
from unison.channels.payload import from_unix, maybe, need, obj

CHANNEL = "telegram"
# Media kinds kept as attachment metadata (the file itself stays with Telegram: file_id).
_MEDIA = ("document", "sticker", "voice", "video", "video_note", "audio", "animation")
_MEDIA_FIELDS = (
    "file_id",
    "file_unique_id",
    "file_name",
    "mime_type",
    "file_size",
    "width",
    "height",
    "duration",
    "emoji",
    "set_name",
    "is_animated",
    "is_video",
)


def parse(update: dict[str, Any], connector: ConnectorRef) -> Parsed:
    update_id = need(update, "update_id", int, "update")
    parsed = Parsed()
    mid = message_id(connector, update_id)
    if isinstance(update.get("message"), dict):
        parsed.events.append(_message(update["message"], connector, mid, edited=False))
    elif isinstance(update.get("edited_message"), dict):
        parsed.events.append(_message(update["edited_message"], connector, mid, edited=True))
    elif isinstance(update.get("callback_query"), dict):
        parsed.events.append(_callback(update["callback_query"], connector, mid))
    elif isinstance(update.get("my_chat_member"), dict):
        event = _membership(update["my_chat_member"], connector, mid)
        if event is None:
            parsed.ignored.append("my_chat_member")
        else:
            parsed.events.append(event)
    else:
        kinds = [k for k in update if k != "update_id"]
        parsed.ignored.append(kinds[0] if kinds else "empty")
    return parsed


def _user(message: dict[str, Any], where: str) -> dict[str, Any]:
    sender: dict[str, Any] = need(message, "from", dict, where)
    need(sender, "id", int, f"{where}.from")
    return sender


def _traits(sender: dict[str, Any]) -> dict[str, Any]:
    return {
        "telegram_id": str(sender["id"]),
        "first_name": sender.get("first_name"),
        "last_name": sender.get("last_name"),
        "telegram_username": sender.get("username"),
    }


def _message(
    message: dict[str, Any], connector: ConnectorRef, mid: str, *, edited: bool
) -> dict[str, Any]:
    where = "edited_message" if edited else "message"
    sender = _user(message, where)
    chat = need(message, "chat", dict, where)
    chat_id = need(chat, "id", int, f"{where}.chat")
    provider_id = need(message, "message_id", int, where)
    text = maybe(message, "text", str, where)
    caption = maybe(message, "caption", str, where)
    traits = _traits(sender)
    properties: dict[str, Any] = {
        "text": text if text is not None else caption,
        "provider_message_id": str(provider_id),
        "thread_key": f"telegram:{connector.name}:{chat_id}",
        "direction": "inbound",
        "chat_type": chat.get("type"),
        "sender_name": _name(sender),
        "attachments": _attachments(message) or None,
    }
    event = _event(
        message, sender, text, where, edited=edited, traits=traits, properties=properties
    )
    date = message.get("edit_date") if edited and message.get("edit_date") else message.get("date")
    language = sender.get("language_code")
    return track(
        connector,
        event=event,
        channel=CHANNEL,
        message=mid,
        anonymous_id=f"telegram:{sender['id']}",
        traits=traits,
        properties=properties,
        timestamp=from_unix(date, f"{where}.date") if date is not None else None,
        locale=language if isinstance(language, str) else None,
    )


def _event(
    message: dict[str, Any],
    sender: dict[str, Any],
    text: str | None,
    where: str,
    *,
    edited: bool,
    traits: dict[str, Any],
    properties: dict[str, Any],
) -> str:
    """The event a message is (edited, a shared contact, /start, or plain), adding what that
    kind carries to `traits` and `properties`."""
    contact = maybe(message, "contact", dict, where)  # checked on edits too
    if edited:
        return canonical.MESSAGE_EDITED
    if contact is not None:
        _shared_contact(_contact(contact, where), sender, traits, properties)
        return canonical.CONTACT_SHARED
    if text is not None and _is_start(text):
        parts = text.strip().split(maxsplit=1)
        properties["start_payload"] = parts[1] if len(parts) > 1 else None
        return canonical.CONVERSATION_STARTED
    return canonical.MESSAGE_RECEIVED


def _shared_contact(
    contact: dict[str, Any],
    sender: dict[str, Any],
    traits: dict[str, Any],
    properties: dict[str, Any],
) -> None:
    properties["contact"] = contact
    # Only the sender's own contact card (user_id == from.id) gives *their* number; a
    # forwarded card is someone else's and must never link that number to the sender.
    own = contact.get("user_id") == sender["id"]
    if own:
        phone = contact["phone_number"]
        # Telegram gives the account's number in international form without the "+".
        traits["phone"] = "+" + phone if phone.isdigit() else phone
    properties["own_contact"] = own


def _is_start(text: str) -> bool:
    # "/start", "/start payload" and, in groups, "/start@ShopBot payload"
    command = text.strip().split(maxsplit=1)[0] if text.strip() else ""
    return command == "/start" or command.startswith("/start@")


def _name(sender: dict[str, Any]) -> str | None:
    parts = [sender.get("first_name"), sender.get("last_name")]
    name = " ".join(p for p in parts if isinstance(p, str) and p)
    return name or None


def _contact(contact: dict[str, Any], where: str) -> dict[str, Any]:
    phone = need(contact, "phone_number", str, f"{where}.contact")
    return {
        "phone_number": phone,
        "first_name": contact.get("first_name"),
        "last_name": contact.get("last_name"),
        "user_id": contact.get("user_id"),
    }


def _attachments(message: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    photo = message.get("photo")
    if isinstance(photo, list) and photo and isinstance(photo[-1], dict):
        # Telegram sends every size of a photo, smallest first: the last is the original.
        found.append({"type": "photo", **_fields(photo[-1]), "sizes": len(photo)})
    for kind in _MEDIA:
        media = message.get(kind)
        if isinstance(media, dict):
            found.append({"type": kind, **_fields(media)})
    location = message.get("location")
    if isinstance(location, dict):
        found.append(
            {
                "type": "location",
                "latitude": location.get("latitude"),
                "longitude": location.get("longitude"),
            }
        )
    return found


def _fields(media: dict[str, Any]) -> dict[str, Any]:
    return {k: media[k] for k in _MEDIA_FIELDS if media.get(k) is not None}


def _callback(query: dict[str, Any], connector: ConnectorRef, mid: str) -> dict[str, Any]:
    sender = _user(query, "callback_query")
    need(query, "id", str, "callback_query")
    message = obj(query, "message")
    chat = obj(message, "chat")
    chat_id = chat.get("id", sender["id"])
    return track(
        connector,
        event=canonical.BUTTON_CLICKED,
        channel=CHANNEL,
        message=mid,
        anonymous_id=f"telegram:{sender['id']}",
        traits=_traits(sender),
        properties={
            "data": query.get("data"),
            "callback_query_id": query["id"],
            "provider_message_id": str(message["message_id"])
            if isinstance(message.get("message_id"), int)
            else None,
            "thread_key": f"telegram:{connector.name}:{chat_id}",
            "direction": "inbound",
            "sender_name": _name(sender),
        },
    )


def _membership(update: dict[str, Any], connector: ConnectorRef, mid: str) -> dict[str, Any] | None:
    """A private chat's member status change: "kicked" means the user blocked the bot."""
    sender = _user(update, "my_chat_member")
    new = obj(update, "new_chat_member")
    status = new.get("status")
    chat = obj(update, "chat")
    if chat.get("type") not in (None, "private") or status not in ("kicked", "member"):
        return None
    return track(
        connector,
        event=canonical.UNSUBSCRIBED if status == "kicked" else canonical.SUBSCRIBED,
        channel=CHANNEL,
        message=mid,
        anonymous_id=f"telegram:{sender['id']}",
        traits=_traits(sender),
        properties={"status": status},
        timestamp=from_unix(update["date"], "my_chat_member.date") if "date" in update else None,
    )
