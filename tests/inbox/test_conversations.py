# ruff: noqa: RUF001  (customers write in Hebrew, Armenian, Georgian and Cyrillic script)
"""Conversations: inbound messages grouped per profile and thread, reachable from the
profile, following merges, paginated, and covered by privacy export and erasure."""

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from tests.channels.conftest import Hooks
from tests.channels.payloads import NINO, PHOTO, tg_edited, tg_message, viber_message, wa_messages
from tests.conftest import make_token


def _profile(hooks: Hooks, kind: str, value: str) -> int:
    response = hooks.api("GET", "/api/profiles/lookup?type=" + kind + "&value=" + value)
    assert response.status_code == 200, response.text
    return int(response.json()["id"])


def _conversations(hooks: Hooks, profile_id: int, **params: Any) -> dict[str, Any]:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    response = hooks.api("GET", f"/api/profiles/{profile_id}/conversations?{query}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _messages(hooks: Hooks, conversation_id: int, **params: Any) -> dict[str, Any]:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    response = hooks.api("GET", f"/api/conversations/{conversation_id}/messages?{query}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _two_chats(hooks: Hooks, process: Callable[[], int]) -> tuple[int, int]:
    """Nino writes on Telegram and on WhatsApp: two profiles, one chat each."""
    hooks.telegram(tg_message(1, 10, text="hello from telegram"))
    hooks.whatsapp(
        wa_messages({"id": "wamid.a", "type": "text", "text": {"body": "hello from whatsapp"}})
    )
    process()
    return (
        _profile(hooks, "telegram_id", str(NINO["id"])),
        _profile(hooks, "whatsapp_id", "972521234567"),
    )


def _share_phone(hooks: Hooks, process: Callable[[], int]) -> None:
    """Nino shares, on Telegram, the phone number her WhatsApp account is on: the profiles
    merge."""
    contact = {"phone_number": "+972521234567", "user_id": NINO["id"], "first_name": "ნინო"}
    hooks.telegram(tg_message(2, 11, contact=contact))
    process()


class TestConversations:
    def test_messages_of_one_chat_form_one_conversation(
        self, hooks: Hooks, telegram_bot: dict[str, Any], process: Callable[[], int]
    ) -> None:
        hooks.telegram(tg_message(1, 10, text="/start"))
        hooks.telegram(tg_message(2, 11, text="გამარჯობა"))
        hooks.telegram(tg_message(3, 12, photo=PHOTO, caption="ფოტო"))
        process()
        pid = _profile(hooks, "telegram_id", str(NINO["id"]))
        [conversation] = _conversations(hooks, pid)["items"]
        assert conversation["channel"] == "telegram"
        assert conversation["thread_key"] == "telegram:shop-bot:574839201"
        assert conversation["connector"] == "shop-bot"
        assert conversation["message_count"] == 3
        assert conversation["profile_id"] == pid
        messages = _messages(hooks, conversation["id"])["items"]
        assert [m["text"] for m in messages] == ["ფოტო", "გამარჯობა", "/start"]
        assert [m["kind"] for m in messages] == [
            "Message Received",
            "Message Received",
            "Conversation Started",
        ]
        assert messages[0]["attachments"][0]["type"] == "photo"
        assert {m["direction"] for m in messages} == {"inbound"}
        assert messages[1]["provider_message_id"] == "11"
        assert messages[1]["sender_name"] == "ნინო ბერიძე"

    def test_an_edit_replaces_the_text_of_the_message_it_edits(
        self, hooks: Hooks, telegram_bot: dict[str, Any], process: Callable[[], int]
    ) -> None:
        hooks.telegram(tg_message(1, 10, text="შეკვეთა 41"))
        process()
        hooks.telegram(tg_edited(2, 10, "შეკვეთა 42"))
        hooks.telegram(tg_message(3, 11, text="ბოდიში"))
        hooks.telegram(tg_edited(4, 11, "ბოდიში!"))  # the original is in the same batch
        process()
        pid = _profile(hooks, "telegram_id", str(NINO["id"]))
        [conversation] = _conversations(hooks, pid)["items"]
        messages = _messages(hooks, conversation["id"])["items"]
        assert [(m["text"], m["edited_at"] is not None) for m in messages] == [
            ("ბოდიში!", True),
            ("შეკვეთა 42", True),
        ]
        assert conversation["message_count"] == 2

    def test_each_channel_thread_is_its_own_conversation_and_merges_bring_them_together(
        self,
        hooks: Hooks,
        telegram_bot: dict[str, Any],
        whatsapp_number: dict[str, Any],
        process: Callable[[], int],
    ) -> None:
        telegram_profile, whatsapp_profile = _two_chats(hooks, process)
        assert telegram_profile != whatsapp_profile
        _share_phone(hooks, process)
        live = _profile(hooks, "telegram_id", str(NINO["id"]))
        assert live == _profile(hooks, "whatsapp_id", "972521234567")
        for asked in (telegram_profile, whatsapp_profile):
            items = _conversations(hooks, asked)["items"]
            assert sorted(c["channel"] for c in items) == ["telegram", "whatsapp"]
            assert {c["profile_id"] for c in items} == {live}
        whatsapp = next(
            c for c in _conversations(hooks, live)["items"] if c["channel"] == "whatsapp"
        )
        assert _messages(hooks, whatsapp["id"])["items"][0]["profile_id"] == live

    def test_a_split_moves_messages_back_to_the_profiles_that_own_their_events(
        self,
        hooks: Hooks,
        telegram_bot: dict[str, Any],
        whatsapp_number: dict[str, Any],
        process: Callable[[], int],
    ) -> None:
        telegram_profile, whatsapp_profile = _two_chats(hooks, process)
        _share_phone(hooks, process)
        # While merged, both chats' new messages are filed under the surviving profile.
        hooks.whatsapp(wa_messages({"id": "wamid.b", "type": "text", "text": {"body": "שוב"}}))
        hooks.telegram(tg_message(3, 12, text="კიდევ"))
        process()
        live = _profile(hooks, "whatsapp_id", "972521234567")
        [merge] = hooks.api("GET", f"/api/profiles/{live}/merges").json()
        split = hooks.api("POST", f"/api/profiles/{live}/split", {"merge_id": merge["id"]})
        assert split.status_code == 200, split.text
        assert sorted(split.json()["profile_ids"]) == sorted((telegram_profile, whatsapp_profile))

        filed = {}
        for owner in (telegram_profile, whatsapp_profile):
            for conversation in _conversations(hooks, owner)["items"]:
                messages = _messages(hooks, conversation["id"])["items"]
                assert conversation["profile_id"] == owner
                assert conversation["message_count"] == len(messages)
                assert {m["profile_id"] for m in messages} == {owner}
                filed[(owner, conversation["channel"])] = [m["text"] for m in messages]
        # Each message follows its event: the contact share is the WhatsApp profile's now
        # (identity resolution's decision after the split), the rest went back where it was.
        assert filed == {
            (telegram_profile, "telegram"): ["კიდევ", "hello from telegram"],
            (whatsapp_profile, "telegram"): [None],
            (whatsapp_profile, "whatsapp"): ["שוב", "hello from whatsapp"],
        }
        # The inbox processor goes on from there: nothing stored twice, new messages filed.
        hooks.whatsapp(wa_messages({"id": "wamid.c", "type": "text", "text": {"body": "תודה"}}))
        process()
        counts = {
            c["channel"]: c["message_count"]
            for c in _conversations(hooks, whatsapp_profile)["items"]
        }
        assert counts == {"telegram": 1, "whatsapp": 3}

    def test_pages_follow_the_cursor_to_the_end(
        self, hooks: Hooks, viber_bot: dict[str, Any], process: Callable[[], int]
    ) -> None:
        for n in range(7):
            body = viber_message(100 + n, {"type": "text", "text": f"повідомлення {n}"})
            body["timestamp"] = 1764581400000 + n * 1000
            hooks.viber(body)
        process()
        pid = _profile(hooks, "viber_id", "01234567890A=")
        [conversation] = _conversations(hooks, pid)["items"]
        seen, cursor = [], None
        while True:
            params = {"limit": 3} | ({"cursor": cursor} if cursor else {})
            page = _messages(hooks, conversation["id"], **params)
            seen += [m["text"] for m in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == [f"повідомлення {n}" for n in reversed(range(7))]

    def test_reading_rules(
        self,
        hooks: Hooks,
        telegram_bot: dict[str, Any],
        process: Callable[[], int],
        sessions: sessionmaker[Session],
    ) -> None:
        hooks.telegram(tg_message(1, 10, text="hi"))
        process()
        pid = _profile(hooks, "telegram_id", str(NINO["id"]))
        agent = make_token(sessions, "agent")
        analyst = make_token(sessions, "analyst")
        assert (
            hooks.api("GET", f"/api/profiles/{pid}/conversations", token=agent).status_code == 200
        )
        assert (
            hooks.api("GET", f"/api/profiles/{pid}/conversations", token=analyst).status_code == 403
        )
        assert hooks.api("GET", "/api/profiles/999999/conversations").status_code == 404
        assert hooks.api("GET", "/api/conversations/999999/messages").status_code == 404
        bad = hooks.api("GET", f"/api/profiles/{pid}/conversations?cursor=garbage")
        assert bad.status_code == 400
        assert bad.json()["field"] == "cursor"

    def test_events_sent_through_the_segment_api_join_a_default_thread(
        self, hooks: Hooks, write_key: str, process: Callable[[], int]
    ) -> None:
        event = {
            "type": "track",
            "event": "Message Received",
            "userId": "u-42",
            "messageId": "m1",
            "context": {"channel": "sms"},
            "properties": {"text": "Привіт"},
        }
        assert hooks.client.post("/v1/track", json=event, auth=(write_key, "")).status_code == 200
        process()
        [conversation] = _conversations(hooks, _profile(hooks, "user_id", "u-42"))["items"]
        assert conversation["thread_key"] == "sms:default"


class TestPrivacy:
    def test_export_holds_the_conversations_and_erasure_removes_them(
        self,
        hooks: Hooks,
        telegram_bot: dict[str, Any],
        process: Callable[[], int],
        sessions: sessionmaker[Session],
    ) -> None:
        hooks.telegram(tg_message(1, 10, text="ჩემი მისამართია ვაჟა-ფშაველას 12"))
        process()
        pid = _profile(hooks, "telegram_id", str(NINO["id"]))
        bundle = hooks.api("POST", "/api/privacy/export", {"profile_id": pid}).json()
        [conversation] = bundle["conversations"]
        assert conversation["messages"][0]["text"] == "ჩემი მისამართია ვაჟა-ფშაველას 12"
        erased = hooks.api("POST", "/api/privacy/erase", {"profile_id": pid})
        assert erased.status_code == 200
        assert erased.json()["affected"]["conversations"] == 2  # one message, one conversation
        process()
        assert _conversations(hooks, pid)["items"] == []


class TestThreads:
    def test_an_email_thread_keeps_its_subject_and_latest_time(
        self, hooks: Hooks, process: Callable[[], int]
    ) -> None:
        from tests.channels.conftest import UNISON_SECRET

        hooks.connector("email", "support", {"secret": UNISON_SECRET})
        first = (
            "From: Тамара <tamara@example.ua>\r\nSubject: Повернення товару\r\n"
            "Message-ID: <t1@example.ua>\r\nDate: Tue, 02 Dec 2025 10:00:00 +0200\r\n\r\n"
            "Доброго дня"
        ).encode()
        reply = (
            "From: tamara@example.ua\r\nSubject: Re: Повернення товару\r\n"
            "Message-ID: <t3@example.ua>\r\n"
            "References: <t1@example.ua> <t2@shop.example>\r\n"
            "Date: Tue, 02 Dec 2025 12:00:00 +0200\r\n\r\nДякую"
        ).encode()
        hooks.signed("email", "support", reply)  # arrives first; the thread is known anyway
        hooks.signed("email", "support", first)
        process()
        pid = _profile(hooks, "email", "tamara@example.ua")
        [conversation] = _conversations(hooks, pid)["items"]
        assert conversation["thread_key"] == "email:support:<t1@example.ua>"
        assert conversation["subject"] == "Re: Повернення товару"
        assert conversation["last_message_at"].startswith("2025-12-02T10:00:00")
        assert conversation["message_count"] == 2
        texts = [m["text"] for m in _messages(hooks, conversation["id"])["items"]]
        assert texts == ["Дякую", "Доброго дня"]
