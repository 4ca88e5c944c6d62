# ruff: noqa: RUF001  (customers write in Hebrew, Armenian, Georgian and Cyrillic script)
"""WhatsApp Cloud API: the verification challenge, signed notifications with inbound
messages of every documented type, and status-only notifications."""

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from tests.channels.conftest import WHATSAPP_VERIFY, Hooks, events, only
from tests.channels.payloads import YOSSI_WA, wa_envelope, wa_messages, wa_statuses


class TestVerification:
    def test_the_challenge_is_echoed_for_the_right_verify_token(
        self, hooks: Hooks, whatsapp_number: dict[str, Any]
    ) -> None:
        params = {
            "hub.mode": "subscribe",
            "hub.verify_token": WHATSAPP_VERIFY,
            "hub.challenge": "1158201444",
        }
        response = hooks.client.get("/hooks/whatsapp/wa-shop", params=params)
        assert response.status_code == 200
        assert response.text == "1158201444"

    def test_a_wrong_or_missing_verify_token_is_refused(
        self, hooks: Hooks, whatsapp_number: dict[str, Any]
    ) -> None:
        wrong = hooks.client.get(
            "/hooks/whatsapp/wa-shop",
            params={"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"},
        )
        assert wrong.status_code == 403
        missing = hooks.client.get(
            "/hooks/whatsapp/wa-shop", params={"hub.mode": "subscribe", "hub.challenge": "1"}
        )
        assert missing.status_code == 400
        assert missing.json()["field"] == "hub.verify_token"

    def test_the_verify_token_is_generated_when_not_given(self, hooks: Hooks) -> None:
        created = hooks.connector("whatsapp", "wa-2", {"app_secret": "s3cret"})
        token = created["generated_secrets"]["verify_token"]
        params = {"hub.mode": "subscribe", "hub.verify_token": token, "hub.challenge": "abc"}
        assert hooks.client.get("/hooks/whatsapp/wa-2", params=params).text == "abc"


class TestMessages:
    def test_a_text_message_carries_the_whatsapp_id_and_the_profile_name(
        self, hooks: Hooks, whatsapp_number: dict[str, Any], sessions: sessionmaker[Session]
    ) -> None:
        body = wa_messages(
            {
                "id": "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUQ0",
                "type": "text",
                "text": {"body": "שלום, איפה ההזמנה שלי?"},
            }
        )
        assert hooks.whatsapp(body).json()["accepted"] == 1
        event = only(sessions)
        assert (event.event, event.channel) == ("Message Received", "whatsapp")
        assert event.message_id == "wa-shop:msg:wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUQ0"
        assert event.payload["context"]["traits"] == {"whatsapp_id": YOSSI_WA, "name": "יוסי כהן"}
        assert event.payload["properties"]["text"] == "שלום, איפה ההזמנה שלי?"
        assert event.payload["properties"]["thread_key"] == f"whatsapp:wa-shop:{YOSSI_WA}"

    def test_interactive_replies_and_template_buttons_are_button_clicks(
        self, hooks: Hooks, whatsapp_number: dict[str, Any], sessions: sessionmaker[Session]
    ) -> None:
        hooks.whatsapp(
            wa_messages(
                {
                    "id": "wamid.1",
                    "type": "interactive",
                    "interactive": {
                        "type": "button_reply",
                        "button_reply": {"id": "track-order", "title": "מעקב הזמנה"},
                    },
                },
                {
                    "id": "wamid.2",
                    "type": "interactive",
                    "interactive": {
                        "type": "list_reply",
                        "list_reply": {"id": "size-42", "title": "42", "description": "EU"},
                    },
                },
                {
                    "id": "wamid.3",
                    "type": "button",
                    "context": {"from": "15550783881", "id": "wamid.tmpl"},
                    "button": {"text": "Stop promotions", "payload": "STOP_PROMO"},
                },
            )
        )
        first, second, third = events(sessions)
        assert [e.event for e in (first, second, third)] == ["Button Clicked"] * 3
        assert (first.payload["properties"]["data"], first.payload["properties"]["text"]) == (
            "track-order",
            "מעקב הזמנה",
        )
        assert second.payload["properties"]["reply_type"] == "list_reply"
        assert third.payload["properties"]["data"] == "STOP_PROMO"
        assert third.payload["properties"]["reply_to"] == "wamid.tmpl"

    def test_media_location_and_contacts(
        self, hooks: Hooks, whatsapp_number: dict[str, Any], sessions: sessionmaker[Session]
    ) -> None:
        hooks.whatsapp(
            wa_messages(
                {
                    "id": "wamid.4",
                    "type": "image",
                    "image": {
                        "caption": "הקבלה",
                        "mime_type": "image/jpeg",
                        "sha256": "Ab12",
                        "id": "1479537139650973",
                    },
                },
                {
                    "id": "wamid.5",
                    "type": "document",
                    "document": {
                        "filename": "invoice.pdf",
                        "mime_type": "application/pdf",
                        "sha256": "Cd34",
                        "id": "2",
                    },
                },
                {
                    "id": "wamid.6",
                    "type": "audio",
                    "audio": {
                        "mime_type": "audio/ogg; codecs=opus",
                        "sha256": "Ef",
                        "id": "3",
                        "voice": True,
                    },
                },
                {
                    "id": "wamid.7",
                    "type": "location",
                    "location": {
                        "latitude": 32.0853,
                        "longitude": 34.7818,
                        "name": "Dizengoff Center",
                        "address": "Tel Aviv",
                    },
                },
                {
                    "id": "wamid.8",
                    "type": "contacts",
                    "contacts": [
                        {
                            "name": {"formatted_name": "Dana Levi", "first_name": "Dana"},
                            "phones": [
                                {
                                    "phone": "+972 50-123-4567",
                                    "wa_id": "972501234567",
                                    "type": "CELL",
                                }
                            ],
                        }
                    ],
                },
            )
        )
        image, document, audio, location, contacts = events(sessions)
        assert image.payload["properties"]["attachments"] == [
            {
                "type": "image",
                "id": "1479537139650973",
                "mime_type": "image/jpeg",
                "sha256": "Ab12",
                "caption": "הקבלה",
            }
        ]
        assert image.payload["properties"]["text"] == "הקבלה"
        assert document.payload["properties"]["attachments"][0]["filename"] == "invoice.pdf"
        assert audio.payload["properties"]["attachments"][0]["voice"] is True
        assert location.payload["properties"]["attachments"][0]["latitude"] == 32.0853
        assert contacts.event == "Contact Shared"
        # someone else's card: never linked to the sender
        assert set(contacts.payload["context"]["traits"]) == {"whatsapp_id", "name"}


class TestStatuses:
    def test_a_status_only_notification_records_each_status(
        self, hooks: Hooks, whatsapp_number: dict[str, Any], sessions: sessionmaker[Session]
    ) -> None:
        body = wa_statuses(
            {
                "id": "wamid.out1",
                "status": "sent",
                "conversation": {"id": "c1", "origin": {"type": "marketing"}},
                "pricing": {"billable": True, "pricing_model": "CBP", "category": "marketing"},
            },
            {"id": "wamid.out1", "status": "delivered"},
            {"id": "wamid.out1", "status": "read"},
            {
                "id": "wamid.out2",
                "status": "failed",
                "errors": [
                    {
                        "code": 131047,
                        "title": "Re-engagement message",
                        "message": "Re-engagement message",
                        "error_data": {"details": "More than 24 hours have passed"},
                    }
                ],
            },
        )
        assert hooks.whatsapp(body).json()["accepted"] == 4
        sent, delivered, read, failed = events(sessions)
        assert [e.event for e in (sent, delivered, read, failed)] == [
            "Message Sent",
            "Message Delivered",
            "Message Read",
            "Message Failed",
        ]
        assert sent.payload["properties"]["conversation_id"] == "c1"
        assert failed.payload["properties"]["errors"][0]["code"] == 131047
        assert delivered.payload["context"]["traits"] == {"whatsapp_id": YOSSI_WA}

    def test_a_redelivered_notification_is_stored_once(
        self, hooks: Hooks, whatsapp_number: dict[str, Any], sessions: sessionmaker[Session]
    ) -> None:
        body = wa_statuses({"id": "wamid.out3", "status": "delivered"})
        hooks.whatsapp(body)
        assert hooks.whatsapp(body).json() == {
            "ok": True,
            "accepted": 0,
            "duplicates": 1,
            "rejected": [],
        }

    def test_other_fields_are_ignored_and_named(
        self, hooks: Hooks, whatsapp_number: dict[str, Any], sessions: sessionmaker[Session]
    ) -> None:
        body = {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": "1",
                    "changes": [
                        {"field": "account_update", "value": {"event": "VERIFIED_ACCOUNT"}}
                    ],
                }
            ],
        }
        assert hooks.whatsapp(body).json()["ignored"] == ["account_update"]
        assert events(sessions) == []


class TestRefusals:
    def test_a_wrong_signature_is_401_and_nothing_is_stored(
        self, hooks: Hooks, whatsapp_number: dict[str, Any], sessions: sessionmaker[Session]
    ) -> None:
        body = wa_messages({"id": "wamid.9", "type": "text", "text": {"body": "hi"}})
        assert hooks.whatsapp(body, secret="another").status_code == 401
        assert hooks.whatsapp(body, secret=None).json()["field"] == "X-Hub-Signature-256"
        assert events(sessions) == []

    def test_another_webhook_object_or_a_bad_status_is_400(
        self, hooks: Hooks, whatsapp_number: dict[str, Any], sessions: sessionmaker[Session]
    ) -> None:
        page = hooks.whatsapp({"object": "page", "entry": []})
        assert page.status_code == 400
        assert page.json()["field"] == "object"
        odd = hooks.whatsapp(wa_statuses({"id": "wamid.x", "status": "exploded"}))
        assert odd.status_code == 400
        assert odd.json()["field"] == "entry[0].changes[0].value.statuses[0].status"
        no_text = hooks.whatsapp(wa_messages({"id": "wamid.y", "type": "text"}))
        assert no_text.status_code == 400
        assert no_text.json()["field"] == "entry[0].changes[0].value.messages[0].text"
        assert events(sessions) == []

    def test_a_whatsapp_envelope_in_another_shape_fails_as_a_whole(
        self, hooks: Hooks, whatsapp_number: dict[str, Any], sessions: sessionmaker[Session]
    ) -> None:
        body = wa_envelope(
            {
                "messages": [
                    {"from": YOSSI_WA, "id": "wamid.z", "type": "text", "text": {"body": "ok"}},
                    "not an object",
                ]
            }
        )
        assert hooks.whatsapp(body).status_code == 400
        assert events(sessions) == []  # the valid message in the same body is not half-stored
