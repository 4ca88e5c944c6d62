"""Viber REST bot callbacks: signed with HMAC-SHA256 of the body under the auth token."""

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from tests.channels.conftest import Hooks, events, only
from tests.channels.payloads import OKSANA, viber_event, viber_message


class TestCallbacks:
    def test_the_webhook_verification_callback_is_answered_and_stores_nothing(
        self, hooks: Hooks, viber_bot: dict[str, Any], sessions: sessionmaker[Session]
    ) -> None:
        response = hooks.viber(
            {
                "event": "webhook",
                "timestamp": 1457764197627,
                "chat_hostname": "SN-172_",
                "message_token": 241256543215,
            }
        )
        assert response.status_code == 200
        assert response.json()["accepted"] == 0
        assert events(sessions) == []

    def test_a_text_message(
        self, hooks: Hooks, viber_bot: dict[str, Any], sessions: sessionmaker[Session]
    ) -> None:
        body = viber_message(
            4912661846655238145,
            {"type": "text", "text": "Добрий день! Коли доставка?", "tracking_data": "order-17"},
        )
        assert hooks.viber(body).json()["accepted"] == 1
        event = only(sessions)
        assert (event.event, event.channel) == ("Message Received", "viber")
        assert event.message_id == "viber-shop:message:4912661846655238145"
        traits = event.payload["context"]["traits"]
        assert traits == {"viber_id": "01234567890A=", "name": "Оксана Коваленко", "country": "UA"}
        props = event.payload["properties"]
        assert props["text"] == "Добрий день! Коли доставка?"
        assert props["tracking_data"] == "order-17"
        assert props["thread_key"] == "viber:viber-shop:01234567890A="
        assert event.timestamp.isoformat() == "2025-12-01T09:30:00.123000+00:00"

    def test_a_picture_keeps_its_media_metadata(
        self, hooks: Hooks, viber_bot: dict[str, Any], sessions: sessionmaker[Session]
    ) -> None:
        picture = {
            "type": "picture",
            "text": "фото чеку",
            "media": "https://dl-media.viber.com/5/media/2/short/any/sig/image/0x0/95e0/5688fdffdaa.jpg",
            "thumbnail": "https://dl-media.viber.com/thumb.jpg",
            "file_name": "IMG_2026.jpg",
            "size": 187233,
        }
        hooks.viber(viber_message(5001, picture))
        attachment = only(sessions).payload["properties"]["attachments"][0]
        assert attachment["type"] == "picture"
        assert attachment["file_name"] == "IMG_2026.jpg"
        assert attachment["size"] == 187233

    def test_a_shared_contact_gives_the_phone(
        self, hooks: Hooks, viber_bot: dict[str, Any], sessions: sessionmaker[Session]
    ) -> None:
        contact = {
            "type": "contact",
            "contact": {"name": "Оксана", "phone_number": "+380501234567"},
        }
        hooks.viber(viber_message(5002, contact))
        event = only(sessions)
        assert event.event == "Contact Shared"
        assert event.payload["context"]["traits"]["phone"] == "+380501234567"

    def test_subscription_events(
        self, hooks: Hooks, viber_bot: dict[str, Any], sessions: sessionmaker[Session]
    ) -> None:
        hooks.viber(viber_event("subscribed", 6001, user=OKSANA))
        hooks.viber(
            viber_event(
                "conversation_started",
                6002,
                type="open",
                context="campaign-42",
                user=OKSANA,
                subscribed=False,
            )
        )
        hooks.viber(viber_event("unsubscribed", 6003, user_id=OKSANA["id"]))
        subscribed, started, unsubscribed = events(sessions)
        assert subscribed.event == "Subscribed"
        assert started.event == "Conversation Started"
        assert started.payload["properties"]["start_payload"] == "campaign-42"
        assert started.payload["properties"]["subscribed"] is False
        assert unsubscribed.event == "Unsubscribed"
        assert unsubscribed.payload["context"]["traits"] == {"viber_id": "01234567890A="}

    def test_delivery_receipts_name_the_message_they_are_about(
        self, hooks: Hooks, viber_bot: dict[str, Any], sessions: sessionmaker[Session]
    ) -> None:
        for kind in ("delivered", "seen"):
            hooks.viber(viber_event(kind, 7001, user_id=OKSANA["id"]))
        hooks.viber(viber_event("failed", 7001, user_id=OKSANA["id"], desc="receiver is inactive"))
        delivered, read, failed = events(sessions)
        assert [delivered.event, read.event, failed.event] == [
            "Message Delivered",
            "Message Read",
            "Message Failed",
        ]
        assert {
            e.payload["properties"]["provider_message_id"] for e in (delivered, read, failed)
        } == {"7001"}
        assert failed.payload["properties"]["error"] == "receiver is inactive"
        assert len({e.message_id for e in (delivered, read, failed)}) == 3

    def test_unknown_callback_kinds_are_named_as_ignored(
        self, hooks: Hooks, viber_bot: dict[str, Any], sessions: sessionmaker[Session]
    ) -> None:
        response = hooks.viber(viber_event("client_status", 1, user_id="x"))
        assert response.status_code == 200
        assert response.json()["ignored"] == ["client_status"]
        assert events(sessions) == []


class TestSignature:
    def test_a_body_signed_with_another_token_is_refused(
        self, hooks: Hooks, viber_bot: dict[str, Any], sessions: sessionmaker[Session]
    ) -> None:
        body = viber_message(8001, {"type": "text", "text": "hi"})
        assert hooks.viber(body, token="another-token").status_code == 401
        assert hooks.viber(body, token=None).status_code == 401
        assert events(sessions) == []

    def test_a_body_changed_after_signing_is_refused(
        self, hooks: Hooks, viber_bot: dict[str, Any], sessions: sessionmaker[Session]
    ) -> None:
        from unison.channels.signing import hmac_hex

        signed = (
            b'{"event":"message","message_token":1,"sender":{"id":"a"},'
            b'"message":{"type":"text","text":"1"}}'
        )
        tampered = signed.replace(b'"1"}', b'"2"}')
        response = hooks.client.post(
            "/hooks/viber/viber-shop",
            content=tampered,
            headers={
                "X-Viber-Content-Signature": hmac_hex(
                    "445da6az1s345z78-dazcczb2542zv51a-e0vc5fva17480im9", signed
                )
            },
        )
        assert response.status_code == 401
        assert events(sessions) == []

    def test_a_redelivered_message_is_stored_once(
        self, hooks: Hooks, viber_bot: dict[str, Any], sessions: sessionmaker[Session]
    ) -> None:
        body = viber_message(8002, {"type": "text", "text": "ще раз"})
        hooks.viber(body)
        assert hooks.viber(body).json()["duplicates"] == 1
        assert len(events(sessions)) == 1

    def test_a_message_without_a_sender_is_400(
        self, hooks: Hooks, viber_bot: dict[str, Any], sessions: sessionmaker[Session]
    ) -> None:
        response = hooks.viber(
            {"event": "message", "message_token": 1, "message": {"type": "text", "text": "x"}}
        )
        assert response.status_code == 400
        assert response.json()["field"] == "callback.sender"
        assert events(sessions) == []
