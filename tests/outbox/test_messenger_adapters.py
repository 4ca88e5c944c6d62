"""The Telegram, Viber and WhatsApp adapters against local servers speaking each provider's
wire format: the request they make, and how each documented answer is classified."""

import pytest

from tests.providers import (
    TELEGRAM_BLOCKED,
    TELEGRAM_OK,
    TELEGRAM_TOO_MANY,
    VIBER_NOT_SUBSCRIBED,
    VIBER_OK,
    VIBER_TOO_MANY,
    WHATSAPP_OK,
    WHATSAPP_OUTSIDE_WINDOW,
    WHATSAPP_THROTTLED,
    fake_provider,
)
from tests.smtp import free_port
from unison.channels.outbound.telegram import TelegramSender
from unison.channels.outbound.viber import ViberSender
from unison.channels.outbound.whatsapp import WhatsAppSender
from unison.outbox.envelope import DeliveryFailed, Envelope

HEBREW = "הוסרתם מהודעות השיווק בערוץ טלגרם."


def envelope(channel: str, recipient: str) -> Envelope:
    return Envelope(1, "k", channel, f"{channel}_id", recipient, "he", None, HEBREW)


class TestTelegram:
    def test_send_message_posts_chat_id_and_text_to_the_bot_url(self) -> None:
        with fake_provider(TELEGRAM_OK) as api:
            TelegramSender("123:ABC", api=api.url).send(envelope("telegram", "445566"))
        (call,) = api.calls
        assert call.path == "/bot123:ABC/sendMessage"
        assert call.body == {"chat_id": "445566", "text": HEBREW}

    @pytest.mark.parametrize(
        ("answer", "permanent", "reason"),
        [
            (TELEGRAM_BLOCKED, True, "Telegram error 403: blocked"),
            (TELEGRAM_TOO_MANY, False, "Telegram HTTP 429"),
        ],
    )
    def test_refusals_are_classified(
        self, answer: tuple[int, object], permanent: bool, reason: str
    ) -> None:
        with fake_provider(answer) as api, pytest.raises(DeliveryFailed) as failure:
            TelegramSender("t", api=api.url).send(envelope("telegram", "1"))
        assert (failure.value.permanent, failure.value.reason) == (permanent, reason)

    def test_an_unreachable_api_is_temporary(self) -> None:
        sender = TelegramSender("t", api=f"http://127.0.0.1:{free_port()}", timeout=2)
        with pytest.raises(DeliveryFailed) as failure:
            sender.send(envelope("telegram", "1"))
        assert not failure.value.permanent
        assert failure.value.reason == "Telegram unreachable: ConnectError"


class TestViber:
    def test_send_message_carries_the_auth_token_header_and_sender(self) -> None:
        with fake_provider(VIBER_OK) as api:
            ViberSender("viber-token", "Tbilisi Shop", api=api.url).send(
                envelope("viber", "01234567890A=")
            )
        (call,) = api.calls
        assert call.path == "/pa/send_message"
        assert call.headers["x-viber-auth-token"] == "viber-token"
        assert call.body == {
            "receiver": "01234567890A=",
            "type": "text",
            "text": HEBREW,
            "sender": {"name": "Tbilisi Shop"},
        }

    @pytest.mark.parametrize(
        ("answer", "permanent", "reason"),
        [
            (VIBER_NOT_SUBSCRIBED, True, "Viber status 6 notSubscribed"),
            (VIBER_TOO_MANY, False, "Viber status 12 tooManyRequests"),
            ((503, {}), False, "Viber HTTP 503"),
        ],
    )
    def test_status_codes_are_classified(
        self, answer: tuple[int, object], permanent: bool, reason: str
    ) -> None:
        with fake_provider(answer) as api, pytest.raises(DeliveryFailed) as failure:
            ViberSender("t", "Shop", api=api.url).send(envelope("viber", "x"))
        assert (failure.value.permanent, failure.value.reason) == (permanent, reason)


class TestWhatsApp:
    def test_messages_endpoint_gets_a_text_message_to_the_wa_id(self) -> None:
        with fake_provider(WHATSAPP_OK) as api:
            WhatsAppSender("EAAG", "1065", api=api.url).send(envelope("whatsapp", "+995555123456"))
        (call,) = api.calls
        assert call.path == "/1065/messages"
        assert call.headers["authorization"] == "Bearer EAAG"
        assert call.body["to"] == "995555123456"
        assert call.body["messaging_product"] == "whatsapp"
        assert call.body["text"] == {"preview_url": False, "body": HEBREW}

    @pytest.mark.parametrize(
        ("answer", "permanent", "reason"),
        [
            (WHATSAPP_OUTSIDE_WINDOW, True, "WhatsApp error 131047"),
            (WHATSAPP_THROTTLED, False, "WhatsApp error 130429"),
            ((500, {"error": {"code": 1}}), False, "WhatsApp HTTP 500"),
        ],
    )
    def test_errors_are_classified(
        self, answer: tuple[int, object], permanent: bool, reason: str
    ) -> None:
        with fake_provider(answer) as api, pytest.raises(DeliveryFailed) as failure:
            WhatsAppSender("t", "1", api=api.url).send(envelope("whatsapp", "1"))
        assert (failure.value.permanent, failure.value.reason) == (permanent, reason)
