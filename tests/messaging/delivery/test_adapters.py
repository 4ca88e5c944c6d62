"""Each outbound adapter against a local server speaking the provider's documented wire
format: the request it makes from rendered content, and how each documented answer maps to
sent / retry after / retry / permanent (and unreachable)."""

import base64
from typing import Any

import orjson
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from tests.providers import (
    FCM_OK,
    FCM_UNREGISTERED,
    GOOGLE_TOKEN,
    SMS_INVALID_NUMBER,
    SMS_OK,
    SMS_TOO_MANY,
    TELEGRAM_OK,
    TELEGRAM_TOO_MANY,
    VIBER_OK,
    WHATSAPP_OK,
    fake_provider,
)
from unison.channels.outbound.push import PushSender
from unison.channels.outbound.sms import SmsSender
from unison.channels.outbound.telegram import TelegramSender
from unison.channels.outbound.viber import ViberSender
from unison.channels.outbound.whatsapp import WhatsAppSender
from unison.outbox.envelope import DeliveryFailed, Envelope

GEORGIAN = "თქვენი შეკვეთა გზაშია"
HEBREW = "ההזמנה שלך בדרך"


def envelope(channel: str, recipient: str, content: dict[str, Any], key: str = "k-1") -> Envelope:
    return Envelope(1, key, channel, "id", recipient, "ka", None, "", content=content)


class TestTelegram:
    def test_an_image_with_buttons_is_send_photo_with_an_inline_keyboard(self) -> None:
        buttons = [
            [{"text": "გახსნა", "url": "https://shop.example/o/1"}],
            [{"text": "✓", "callback_data": "ack:1"}],
        ]
        content = {"text": GEORGIAN, "buttons": buttons, "image_url": "https://cdn.example/p.jpg"}
        with fake_provider(TELEGRAM_OK) as api:
            sent = TelegramSender("7:T", api=api.url).send(envelope("telegram", "55", content))
        (call,) = api.calls
        assert sent == "77"
        assert call.path == "/bot7:T/sendPhoto"
        assert call.body == {
            "chat_id": "55",
            "photo": "https://cdn.example/p.jpg",
            "caption": GEORGIAN,
            "reply_markup": {"inline_keyboard": buttons},
        }

    def test_too_many_requests_carries_telegrams_retry_after(self) -> None:
        with fake_provider(TELEGRAM_TOO_MANY) as api, pytest.raises(DeliveryFailed) as failed:
            TelegramSender("7:T", api=api.url).send(envelope("telegram", "55", {"text": "x"}))
        assert (failed.value.permanent, failed.value.retry_after) == (False, 5.0)


class TestViber:
    def test_buttons_become_a_keyboard_of_open_url_actions(self) -> None:
        content = {
            "text": HEBREW,
            "buttons": [{"text": "לצפייה", "url": "https://shop.example/o/1"}],
            "image_url": None,
        }
        with fake_provider(VIBER_OK) as api:
            ViberSender("t", "Shop", api=api.url).send(envelope("viber", "AbC=", content))
        body = api.calls[0].body
        assert (body["type"], body["text"]) == ("text", HEBREW)
        assert body["keyboard"]["Buttons"] == [
            {"ActionType": "open-url", "ActionBody": "https://shop.example/o/1", "Text": "לצפייה"}
        ]


class TestWhatsApp:
    def test_outside_the_window_an_approved_template_is_sent(self) -> None:
        template = {
            "name": "order_shipped",
            "language": "ka",
            "components": [{"type": "body", "parameters": [{"type": "text", "text": "#1"}]}],
        }
        with fake_provider(WHATSAPP_OK) as api:
            wamid = WhatsAppSender("t", "106", api=api.url).send(
                envelope("whatsapp", "+995555123456", {"template": template})
            )
        body = api.calls[0].body
        assert wamid == "wamid.HBgM"
        assert (body["to"], body["type"]) == ("995555123456", "template")
        assert body["template"] == {
            "name": "order_shipped",
            "language": {"code": "ka"},
            "components": template["components"],
        }

    def test_inside_the_window_free_text_is_sent(self) -> None:
        with fake_provider(WHATSAPP_OK) as api:
            WhatsAppSender("t", "106", api=api.url).send(
                envelope("whatsapp", "+995555123456", {"text": GEORGIAN})
            )
        assert api.calls[0].body["text"] == {"preview_url": False, "body": GEORGIAN}


class TestSms:
    def test_a_twilio_form_post_with_basic_auth_and_the_idempotency_key(self) -> None:
        with fake_provider(SMS_OK) as gateway:
            sender = SmsSender(
                "AC42",
                "secret-token",
                "+15005550006",
                api=gateway.url,
                status_callback="https://unison.example/hooks/sms/gw",
            )
            sid = sender.send(envelope("sms", "+995555123456", {"text": GEORGIAN}, key="m-9"))
        (call,) = gateway.calls
        assert sid == SMS_OK[1]["sid"]
        assert call.path == "/2010-04-01/Accounts/AC42/Messages.json"
        assert call.body == {
            "To": "+995555123456",
            "From": "+15005550006",
            "Body": GEORGIAN,
            "StatusCallback": "https://unison.example/hooks/sms/gw",
        }
        expected = base64.b64encode(b"AC42:secret-token").decode()
        assert call.headers["authorization"] == f"Basic {expected}"
        assert call.headers["idempotency-key"] == "m-9"

    def test_an_invalid_number_is_permanent_and_unreachable(self) -> None:
        with fake_provider(SMS_INVALID_NUMBER) as gateway, pytest.raises(DeliveryFailed) as failed:
            SmsSender("AC42", "t", "+1", api=gateway.url).send(envelope("sms", "+99500", {}))
        assert (failed.value.permanent, failed.value.unreachable) == (True, True)
        assert failed.value.reason == "SMS gateway error 21211"

    def test_too_many_requests_waits_for_retry_after(self) -> None:
        with (
            fake_provider(SMS_TOO_MANY, headers={"Retry-After": "7"}) as gateway,
            pytest.raises(DeliveryFailed) as failed,
        ):
            SmsSender("AC42", "t", "+1", api=gateway.url).send(envelope("sms", "+1", {}))
        assert (failed.value.permanent, failed.value.retry_after) == (False, 7.0)


def _service_account() -> tuple[dict[str, str], rsa.RSAPublicKey]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    account = {
        "project_id": "unison-test",
        "client_email": "push@unison-test.iam.gserviceaccount.com",
        "private_key": pem,
    }
    return account, key.public_key()


def _segment(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


class TestPush:
    def test_a_signed_service_account_jwt_buys_the_bearer_for_messages_send(self) -> None:
        account, public = _service_account()
        content = {"title": "Заказ", "body": GEORGIAN, "data": {"order": 1}}
        with fake_provider(FCM_OK, routes={"/token": GOOGLE_TOKEN}) as google:
            sender = PushSender(account, api=google.url, token_url=f"{google.url}/token")
            name = sender.send(envelope("push", "device-token-1", content))
        exchange, send = google.calls
        assert exchange.path == "/token"
        assert exchange.body["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
        header, claims, signature = exchange.body["assertion"].split(".")
        public.verify(
            _segment(signature),
            f"{header}.{claims}".encode(),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
        decoded = orjson.loads(_segment(claims))
        assert decoded["iss"] == account["client_email"]
        assert decoded["aud"] == f"{google.url}/token"
        assert decoded["scope"] == "https://www.googleapis.com/auth/firebase.messaging"
        assert send.path == "/v1/projects/unison-test/messages:send"
        assert send.headers["authorization"] == "Bearer ya29.local-token"
        assert send.body == {
            "message": {
                "token": "device-token-1",
                "notification": {"title": "Заказ", "body": GEORGIAN},
                "data": {"order": "1"},
            }
        }
        assert name == FCM_OK[1]["name"]

    def test_an_unregistered_device_token_is_unreachable(self) -> None:
        account, _ = _service_account()
        account["client_email"] = "other@unison-test.iam.gserviceaccount.com"
        with fake_provider(FCM_UNREGISTERED, routes={"/token": GOOGLE_TOKEN}) as google:
            sender = PushSender(account, api=google.url, token_url=f"{google.url}/token")
            with pytest.raises(DeliveryFailed) as failed:
                sender.send(envelope("push", "gone", {"title": "t", "body": "b"}))
        assert (failed.value.reason, failed.value.unreachable) == ("FCM error UNREGISTERED", True)
