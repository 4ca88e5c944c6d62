# ruff: noqa: RUF001  (customers write in Hebrew, Armenian, Georgian and Cyrillic script)
"""Provider payloads in their documented wire formats (field names and nesting as the
providers send them), with customers writing in Georgian, Russian, Hebrew and Ukrainian."""

from typing import Any

NINO = {
    "id": 574839201,
    "is_bot": False,
    "first_name": "ნინო",
    "last_name": "ბერიძე",
    "username": "nino_b",
    "language_code": "ka",
}
NINO_CHAT = {"id": 574839201, "first_name": "ნინო", "username": "nino_b", "type": "private"}


def tg_message(update_id: int, message_id: int, **content: Any) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": message_id,
            "from": NINO,
            "chat": NINO_CHAT,
            "date": 1764581400,  # 2025-12-01T09:30:00Z
            **content,
        },
    }


def tg_edited(update_id: int, message_id: int, text: str) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "edited_message": {
            "message_id": message_id,
            "from": NINO,
            "chat": NINO_CHAT,
            "date": 1764581400,
            "edit_date": 1764581460,
            "text": text,
        },
    }


PHOTO = [
    {
        "file_id": "AgACAgIAAx0small",
        "file_unique_id": "AQADs",
        "file_size": 1279,
        "width": 90,
        "height": 67,
    },
    {
        "file_id": "AgACAgIAAx0large",
        "file_unique_id": "AQADl",
        "file_size": 93412,
        "width": 1280,
        "height": 960,
    },
]
DOCUMENT = {
    "file_name": "ქვითარი.pdf",
    "mime_type": "application/pdf",
    "file_id": "BQACAgIAAxkBAAIB",
    "file_unique_id": "AgADdoc",
    "file_size": 48213,
}
STICKER = {
    "width": 512,
    "height": 512,
    "emoji": "👍",
    "set_name": "HotCherry",
    "is_animated": True,
    "is_video": False,
    "type": "regular",
    "thumbnail": {
        "file_id": "AAMCAgADthumb",
        "file_unique_id": "AQADthumb",
        "file_size": 4272,
        "width": 128,
        "height": 128,
    },
    "file_id": "CAACAgIAAxkBAAIC",
    "file_unique_id": "AgADsticker",
    "file_size": 25411,
}


def tg_callback(update_id: int, data: str) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "callback_query": {
            "id": "4382bfdwdsb323b2d9",
            "from": NINO,
            "message": {
                "message_id": 77,
                "from": {"id": 1, "is_bot": True, "first_name": "Shop"},
                "chat": NINO_CHAT,
                "date": 1764581000,
                "text": "აირჩიეთ:",
            },
            "chat_instance": "-4284734523893451",
            "data": data,
        },
    }


def tg_blocked(update_id: int, status: str = "kicked") -> dict[str, Any]:
    return {
        "update_id": update_id,
        "my_chat_member": {
            "chat": NINO_CHAT,
            "from": NINO,
            "date": 1764582000,
            "old_chat_member": {
                "user": {"id": 1, "is_bot": True, "first_name": "Shop"},
                "status": "member",
            },
            "new_chat_member": {
                "user": {"id": 1, "is_bot": True, "first_name": "Shop"},
                "status": status,
                "until_date": 0,
            },
        },
    }


OKSANA = {
    "id": "01234567890A=",
    "name": "Оксана Коваленко",
    "avatar": "https://avatar.example.com/o.jpg",
    "country": "UA",
    "language": "uk",
    "api_version": 10,
}


def viber_message(token: int, message: dict[str, Any]) -> dict[str, Any]:
    return {
        "event": "message",
        "timestamp": 1764581400123,
        "chat_hostname": "SN-CHAT-05_",
        "message_token": token,
        "sender": OKSANA,
        "message": message,
        "silent": False,
    }


def viber_event(event: str, token: int, **extra: Any) -> dict[str, Any]:
    return {
        "event": event,
        "timestamp": 1764581500000,
        "chat_hostname": "SN-CHAT-05_",
        "message_token": token,
        **extra,
    }


def wa_envelope(value: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "102290129340398",
                "changes": [
                    {
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": "15550783881",
                                "phone_number_id": "106540352242922",
                            },
                            **value,
                        },
                        "field": "messages",
                    }
                ],
            }
        ],
    }


YOSSI_WA = "972521234567"


def wa_messages(*messages: dict[str, Any]) -> dict[str, Any]:
    return wa_envelope(
        {
            "contacts": [{"profile": {"name": "יוסי כהן"}, "wa_id": YOSSI_WA}],
            "messages": [{"from": YOSSI_WA, "timestamp": "1764581400", **m} for m in messages],
        }
    )


def wa_statuses(*statuses: dict[str, Any]) -> dict[str, Any]:
    return wa_envelope(
        {"statuses": [{"recipient_id": YOSSI_WA, "timestamp": "1764581500", **s} for s in statuses]}
    )
