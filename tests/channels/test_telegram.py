"""Telegram Bot API updates: every documented kind we read becomes the right canonical
event; the secret token is checked before anything is stored; redeliveries are stored once."""

from typing import Any

import orjson
import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.channels.conftest import Hooks, events, only, rejected
from tests.channels.payloads import (
    DOCUMENT,
    NINO,
    PHOTO,
    STICKER,
    tg_blocked,
    tg_callback,
    tg_edited,
    tg_message,
)


class TestMessages:
    def test_a_text_message_is_a_message_received_event_with_the_telegram_id(
        self, hooks: Hooks, telegram_bot: dict[str, Any], sessions: sessionmaker[Session]
    ) -> None:
        response = hooks.telegram(tg_message(1001, 55, text="გამარჯობა! შეკვეთა სად არის?"))
        assert response.status_code == 200, response.text
        assert response.json() == {"ok": True, "accepted": 1, "duplicates": 0, "rejected": []}
        event = only(sessions)
        assert (event.type, event.event, event.channel) == ("track", "Message Received", "telegram")
        assert event.message_id == "shop-bot:1001"
        assert event.anonymous_id == "telegram:574839201"
        assert event.timestamp.isoformat() == "2025-12-01T09:30:00+00:00"
        payload = event.payload
        assert payload["context"]["traits"] == {
            "telegram_id": "574839201",
            "first_name": "ნინო",
            "last_name": "ბერიძე",
            "telegram_username": "nino_b",
        }
        assert payload["context"]["locale"] == "ka"
        assert payload["context"]["connector"] == {"type": "telegram", "name": "shop-bot"}
        props = payload["properties"]
        assert props["text"] == "გამარჯობა! შეკვეთა სად არის?"
        assert props["provider_message_id"] == "55"
        assert props["thread_key"] == "telegram:shop-bot:574839201"
        assert props["connector"] == "shop-bot"
        assert props["sender_name"] == "ნინო ბერიძე"

    def test_an_edited_message_is_a_message_edited_event_at_the_edit_time(
        self, hooks: Hooks, telegram_bot: dict[str, Any], sessions: sessionmaker[Session]
    ) -> None:
        assert (
            hooks.telegram(tg_edited(1002, 55, "გამარჯობა! შეკვეთა #42 სად არის?")).status_code
            == 200
        )
        event = only(sessions)
        assert event.event == "Message Edited"
        assert event.payload["properties"]["provider_message_id"] == "55"
        assert event.payload["properties"]["text"] == "გამარჯობა! შეკვეთა #42 სად არის?"
        assert event.timestamp.isoformat() == "2025-12-01T09:31:00+00:00"

    def test_photos_documents_and_stickers_keep_their_metadata(
        self, hooks: Hooks, telegram_bot: dict[str, Any], sessions: sessionmaker[Session]
    ) -> None:
        hooks.telegram(tg_message(1003, 56, photo=PHOTO, caption="ეს მოვიდა დაზიანებული"))
        hooks.telegram(tg_message(1004, 57, document=DOCUMENT))
        hooks.telegram(tg_message(1005, 58, sticker=STICKER))
        photo, document, sticker = (e.payload["properties"] for e in events(sessions))
        assert photo["text"] == "ეს მოვიდა დაზიანებული"
        assert photo["attachments"] == [
            {
                "type": "photo",
                "file_id": "AgACAgIAAx0large",
                "file_unique_id": "AQADl",
                "file_size": 93412,
                "width": 1280,
                "height": 960,
                "sizes": 2,
            }
        ]
        assert document["attachments"][0] == {
            "type": "document",
            "file_id": "BQACAgIAAxkBAAIB",
            "file_unique_id": "AgADdoc",
            "file_name": "ქვითარი.pdf",
            "mime_type": "application/pdf",
            "file_size": 48213,
        }
        assert "text" not in document
        assert sticker["attachments"][0]["type"] == "sticker"
        assert sticker["attachments"][0]["emoji"] == "👍"
        assert sticker["attachments"][0]["set_name"] == "HotCherry"

    def test_sharing_ones_own_contact_gives_the_phone_number(
        self, hooks: Hooks, telegram_bot: dict[str, Any], sessions: sessionmaker[Session]
    ) -> None:
        contact = {"phone_number": "995599123456", "first_name": "ნინო", "user_id": NINO["id"]}
        hooks.telegram(tg_message(1006, 59, contact=contact))
        event = only(sessions)
        assert event.event == "Contact Shared"
        assert event.payload["context"]["traits"]["phone"] == "+995599123456"
        assert event.payload["properties"]["own_contact"] is True

    def test_a_forwarded_contact_card_is_not_the_senders_phone(
        self, hooks: Hooks, telegram_bot: dict[str, Any], sessions: sessionmaker[Session]
    ) -> None:
        contact = {"phone_number": "+995577000111", "first_name": "გიორგი", "user_id": 99}
        hooks.telegram(tg_message(1007, 60, contact=contact))
        event = only(sessions)
        assert event.event == "Contact Shared"
        assert "phone" not in event.payload["context"]["traits"]
        assert event.payload["properties"]["contact"]["phone_number"] == "+995577000111"
        assert event.payload["properties"]["own_contact"] is False

    def test_start_with_a_deep_link_payload_starts_a_conversation(
        self, hooks: Hooks, telegram_bot: dict[str, Any], sessions: sessionmaker[Session]
    ) -> None:
        hooks.telegram(
            tg_message(
                1008,
                61,
                text="/start promo_autumn-2026",
                entities=[{"offset": 0, "length": 6, "type": "bot_command"}],
            )
        )
        hooks.telegram(tg_message(1009, 62, text="/start"))
        with_payload, bare = events(sessions)
        assert with_payload.event == "Conversation Started"
        assert with_payload.payload["properties"]["start_payload"] == "promo_autumn-2026"
        assert bare.event == "Conversation Started"
        assert "start_payload" not in bare.payload["properties"]

    def test_an_inline_button_press_is_a_button_clicked_event(
        self, hooks: Hooks, telegram_bot: dict[str, Any], sessions: sessionmaker[Session]
    ) -> None:
        hooks.telegram(tg_callback(1010, "size:42"))
        event = only(sessions)
        assert event.event == "Button Clicked"
        assert event.payload["properties"]["data"] == "size:42"
        assert event.payload["properties"]["callback_query_id"] == "4382bfdwdsb323b2d9"
        assert event.payload["properties"]["provider_message_id"] == "77"
        assert event.timestamp is not None

    def test_blocking_and_unblocking_the_bot_are_unsubscribed_and_subscribed(
        self, hooks: Hooks, telegram_bot: dict[str, Any], sessions: sessionmaker[Session]
    ) -> None:
        hooks.telegram(tg_blocked(1011, "kicked"))
        hooks.telegram(tg_blocked(1012, "member"))
        assert [e.event for e in events(sessions)] == ["Unsubscribed", "Subscribed"]

    def test_update_kinds_about_nobody_are_answered_and_named_but_not_stored(
        self, hooks: Hooks, telegram_bot: dict[str, Any], sessions: sessionmaker[Session]
    ) -> None:
        update = {
            "update_id": 1013,
            "poll": {"id": "5", "question": "?", "options": [], "total_voter_count": 0},
        }
        response = hooks.telegram(update)
        assert response.status_code == 200
        assert response.json()["ignored"] == ["poll"]
        assert events(sessions) == []


class TestDelivery:
    def test_a_redelivered_update_is_stored_once(
        self, hooks: Hooks, telegram_bot: dict[str, Any], sessions: sessionmaker[Session]
    ) -> None:
        update = tg_message(2001, 70, text="Привет")
        assert hooks.telegram(update).json()["accepted"] == 1
        again = hooks.telegram(update)
        assert again.status_code == 200
        assert again.json()["duplicates"] == 1
        assert len(events(sessions)) == 1

    def test_a_wrong_or_missing_secret_token_is_refused_and_nothing_is_stored(
        self, hooks: Hooks, telegram_bot: dict[str, Any], sessions: sessionmaker[Session]
    ) -> None:
        wrong = hooks.telegram(tg_message(2002, 71, text="x"), secret="not-the-secret")
        missing = hooks.telegram(tg_message(2003, 72, text="x"), secret=None)
        assert (wrong.status_code, missing.status_code) == (401, 401)
        assert wrong.json()["error"] == "SignatureInvalid"
        assert wrong.json()["field"] == "X-Telegram-Bot-Api-Secret-Token"
        assert "missing" in missing.json()["detail"]
        assert events(sessions) == []
        assert rejected(sessions) == []

    def test_an_oversize_body_is_413_and_nothing_is_stored(
        self, hooks: Hooks, telegram_bot: dict[str, Any], sessions: sessionmaker[Session]
    ) -> None:
        response = hooks.telegram(tg_message(2004, 73, text="ა" * 40_000))  # 120 KB > 64 KB
        assert response.status_code == 413
        assert response.json()["error"] == "PayloadTooLarge"
        assert events(sessions) == []

    def test_malformed_bodies_are_400_naming_the_problem(
        self, hooks: Hooks, telegram_bot: dict[str, Any], sessions: sessionmaker[Session]
    ) -> None:
        broken = hooks.client.post(
            "/hooks/telegram/shop-bot",
            content=b'{"update_id": 1, "message": ',
            headers={"X-Telegram-Bot-Api-Secret-Token": "tg-webhook-secret_0123456789"},
        )
        assert broken.status_code == 400
        assert broken.json()["error"] == "WebhookMalformed"
        assert "not valid JSON" in broken.json()["detail"]
        array = hooks.telegram([1, 2])  # type: ignore[arg-type]
        assert array.status_code == 400
        assert "an array" in array.json()["detail"]
        no_id = hooks.telegram({"message": {"text": "hi"}})
        assert no_id.status_code == 400
        assert no_id.json()["field"] == "update.update_id"
        no_sender = hooks.telegram(
            {
                "update_id": 5,
                "message": {"message_id": 1, "chat": {"id": 1}, "date": 1, "text": "hi"},
            }
        )
        assert no_sender.status_code == 400
        assert no_sender.json()["field"] == "message.from"
        update = tg_message(6, 1, text="x")
        update["message"]["date"] = "yesterday"
        bad_date = hooks.telegram(update)
        assert bad_date.status_code == 400
        assert bad_date.json()["field"] == "message.date"
        assert events(sessions) == []

    @pytest.mark.parametrize("depth", [65, 1_000, 10_000])
    def test_a_body_nested_past_64_levels_is_a_400_and_nothing_is_stored(
        self,
        hooks: Hooks,
        telegram_bot: dict[str, Any],
        sessions: sessionmaker[Session],
        depth: int,
    ) -> None:
        inner = '{"a":' * (depth - 2) + "{}" + "}" * (depth - 2)
        response = hooks.client.post(
            "/hooks/telegram/shop-bot",
            content=f'{{"update_id": 7, "message": {inner}}}'.encode(),
            headers={"X-Telegram-Bot-Api-Secret-Token": "tg-webhook-secret_0123456789"},
        )
        assert response.status_code == 400, response.text
        assert response.json()["field"] == ("message" if depth < 1024 else "body")
        assert "deeper than 64 levels" in response.json()["detail"]
        assert events(sessions) == []

    def test_unknown_connectors_and_types_are_404(
        self, hooks: Hooks, telegram_bot: dict[str, Any], sessions: sessionmaker[Session]
    ) -> None:
        unknown = hooks.telegram(tg_message(1, 1, text="x"), name="no-such-bot")
        assert unknown.status_code == 404
        assert unknown.json()["error"] == "ConnectorNotFound"
        wrong_type = hooks.client.post("/hooks/viber/shop-bot", content=b"{}")
        assert wrong_type.status_code == 404
        bogus = hooks.client.post("/hooks/fax/shop-bot", content=b"{}")
        assert bogus.status_code == 404
        assert "telegram" in bogus.json()["detail"]
        get = hooks.client.get("/hooks/telegram/shop-bot")
        assert get.status_code == 405
        assert events(sessions) == []

    def test_the_answer_is_sent_only_after_the_event_is_committed(
        self, hooks: Hooks, telegram_bot: dict[str, Any], sessions: sessionmaker[Session]
    ) -> None:
        # Read through a fresh session the moment the answer arrives: the row is there.
        assert hooks.telegram(tg_message(3001, 80, text="ok")).status_code == 200
        assert orjson.loads(orjson.dumps(only(sessions).payload))["messageId"] == "shop-bot:3001"
