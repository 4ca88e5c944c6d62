"""Keyword confirmations leave through the account the customer wrote to: the STOP reply is
sent by the outbox delivery through that connector's credentials, to a local server that
speaks the provider's API, exactly once."""

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.channels.conftest import TELEGRAM_SECRET, VIBER_TOKEN, WHATSAPP_APP_SECRET, Hooks
from tests.channels.payloads import YOSSI_WA, tg_message, viber_message, wa_messages
from tests.providers import TELEGRAM_OK, VIBER_OK, WHATSAPP_OK, fake_provider
from unison.channels.senders import load_senders
from unison.kit.settings import Settings
from unison.models import OutboundMessage
from unison.outbox.delivery import deliver_due


def _deliver(sessions: sessionmaker[Session], settings: Settings) -> int:
    return deliver_due(sessions, settings, load_senders(sessions, settings))


def _statuses(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as session:
        return list(session.execute(select(OutboundMessage.status)).scalars())


class TestTelegramReply:
    def test_the_bot_that_received_stop_sends_the_confirmation_once(
        self,
        hooks: Hooks,
        process: Callable[[], int],
        sessions: sessionmaker[Session],
        settings: Settings,
    ) -> None:
        hooks.connector("telegram", "other-bot", {"token": "999:OTHER", "secret": "other_secret"})
        hooks.connector("telegram", "shop-bot", {"token": "123:SHOP", "secret": TELEGRAM_SECRET})
        assert hooks.telegram(tg_message(9101, 95, text="STOP")).status_code == 200
        process()
        with fake_provider(TELEGRAM_OK) as telegram:
            configured = settings.model_copy(update={"telegram_api_url": telegram.url})
            assert _deliver(sessions, configured) == 1
            assert _deliver(sessions, configured) == 0
        (call,) = telegram.calls
        assert call.path == "/bot123:SHOP/sendMessage"
        assert call.body["chat_id"] == "574839201"
        assert "unsubscribed" in call.body["text"]
        assert _statuses(sessions) == ["sent"]

    def test_a_bot_without_a_sending_token_leaves_the_reply_queued(
        self,
        hooks: Hooks,
        process: Callable[[], int],
        sessions: sessionmaker[Session],
        settings: Settings,
    ) -> None:
        hooks.connector("telegram", "shop-bot", {"secret": TELEGRAM_SECRET})
        hooks.telegram(tg_message(9102, 96, text="СТОП"))
        process()
        assert _deliver(sessions, settings) == 0
        assert _statuses(sessions) == ["queued"]


class TestViberReply:
    def test_the_reply_carries_the_bot_token_and_sender_name(
        self,
        hooks: Hooks,
        process: Callable[[], int],
        sessions: sessionmaker[Session],
        settings: Settings,
    ) -> None:
        hooks.connector("viber", "viber-shop", {"token": VIBER_TOKEN, "sender_name": "Київ Маркет"})
        body = viber_message(5098034272017990001, {"type": "text", "text": "ВІДПИСАТИСЯ"})
        assert hooks.viber(body).status_code == 200
        process()
        with fake_provider(VIBER_OK) as viber:
            assert _deliver(sessions, settings.model_copy(update={"viber_api_url": viber.url})) == 1
        (call,) = viber.calls
        assert call.headers["x-viber-auth-token"] == VIBER_TOKEN
        assert call.body["receiver"] == "01234567890A="
        assert call.body["sender"] == {"name": "Київ Маркет"}
        assert _statuses(sessions) == ["sent"]


class TestWhatsAppReply:
    def test_the_reply_is_sent_from_the_business_number_to_the_wa_id(
        self,
        hooks: Hooks,
        process: Callable[[], int],
        sessions: sessionmaker[Session],
        settings: Settings,
    ) -> None:
        secrets: dict[str, Any] = {
            "app_secret": WHATSAPP_APP_SECRET,
            "verify_token": "v",
            "token": "EAAG-token",
            "phone_number_id": "106540352242922",
        }
        hooks.connector("whatsapp", "wa-shop", secrets)
        stop = {"id": "wamid.STOP1", "type": "text", "text": {"body": "stop"}}
        assert hooks.whatsapp(wa_messages(stop)).status_code == 200
        process()
        with fake_provider(WHATSAPP_OK) as meta:
            assert (
                _deliver(sessions, settings.model_copy(update={"whatsapp_api_url": meta.url})) == 1
            )
        (call,) = meta.calls
        assert call.path == "/106540352242922/messages"
        assert call.headers["authorization"] == "Bearer EAAG-token"
        assert call.body["to"] == YOSSI_WA
        assert _statuses(sessions) == ["sent"]
