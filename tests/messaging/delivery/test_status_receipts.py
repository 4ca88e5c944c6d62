"""Provider status webhooks, received through the inbound connectors and the log, become
receipts on the message they are about: WhatsApp `statuses`, and an SMS gateway's signed
`MessageStatus` callbacks (X-Twilio-Signature checked; a wrong one stores nothing)."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import orjson
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.channels.conftest import WHATSAPP_APP_SECRET, Hooks
from tests.channels.payloads import wa_statuses
from tests.providers import SMS_OK, WHATSAPP_OK, fake_provider
from unison.channels.senders import load_senders
from unison.channels.sms import twilio_signature
from unison.kit.db import transaction
from unison.kit.settings import Settings
from unison.models import Event, OutboundMessage
from unison.outbox.delivery import deliver_due
from unison.outbox.queue import Outgoing, enqueue

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
META = {"message_id": 311, "template_id": 8, "campaign_id": "autumn", "broadcast_id": 3}
CALLBACK = "https://unison.example/hooks/sms/gw"


def _queue(sessions: sessionmaker[Session], profile_id: int, channel: str, kind: str) -> None:
    with transaction(sessions) as session:
        enqueue(
            session,
            Outgoing(
                "status-311",
                profile_id,
                channel,
                kind,
                "+995555123456",
                "marketing",
                "ru",
                "",
                content={"text": "Ваш заказ доставлен"},
                meta=META,
            ),
        )


def _receipts(sessions: sessionmaker[Session]) -> dict[str, dict[str, Any]]:
    with sessions() as session:
        rows = session.execute(select(Event)).scalars()
        return {
            e.payload["event"]: e.payload["properties"]
            for e in rows
            if str(e.message_id).startswith("receipt-")
        }


def _provider_id(sessions: sessionmaker[Session]) -> str | None:
    with sessions() as session:
        return session.execute(select(OutboundMessage.provider_message_id)).scalar_one()


class TestWhatsAppStatuses:
    def test_delivered_and_read_statuses_become_receipts_with_the_ids(
        self,
        sessions: sessionmaker[Session],
        settings: Settings,
        client: TestClient,
        admin_token: str,
        customer: int,
        process: Callable[[], int],
    ) -> None:
        hooks = Hooks(client, admin_token)
        secrets = {"app_secret": WHATSAPP_APP_SECRET, "token": "t", "phone_number_id": "106"}
        hooks.connector("whatsapp", "wa-shop", secrets)
        _queue(sessions, customer, "whatsapp", "whatsapp_id")
        with fake_provider(WHATSAPP_OK) as meta_api:
            sending = settings.model_copy(update={"whatsapp_api_url": meta_api.url})
            deliver_due(sessions, sending, load_senders(sessions, sending), now=NOW)
        wamid = _provider_id(sessions)
        assert wamid == "wamid.HBgM"
        body = wa_statuses({"id": wamid, "status": "delivered"}, {"id": wamid, "status": "read"})
        assert hooks.whatsapp(body).status_code == 200
        assert hooks.whatsapp(body).status_code == 200  # Meta retries: nothing doubles
        process()
        receipts = _receipts(sessions)
        assert set(receipts) == {"Message Sent", "Delivered", "Read"}
        assert {k: receipts["Read"][k] for k in META} == META
        assert receipts["Delivered"]["channel"] == "whatsapp"


def _callback(hooks: Hooks, form: dict[str, str], token: str) -> Any:
    signature = twilio_signature(token, CALLBACK, form)
    return hooks.client.post(
        "/hooks/sms/gw",
        content=urlencode(form),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": signature,
        },
    )


class TestSmsStatusCallbacks:
    def test_a_signed_delivered_callback_becomes_a_delivered_receipt(
        self,
        sessions: sessionmaker[Session],
        settings: Settings,
        client: TestClient,
        admin_token: str,
        customer: int,
        process: Callable[[], int],
    ) -> None:
        hooks = Hooks(client, admin_token)
        secrets = {
            "account_sid": "AC9",
            "auth_token": "sms-auth-token",
            "from": "+15005550006",
            "callback_url": CALLBACK,
        }
        hooks.connector("sms", "gw", secrets)
        _queue(sessions, customer, "sms", "phone")
        with fake_provider(SMS_OK) as gateway:
            sending = settings.model_copy(update={"sms_api_url": gateway.url})
            deliver_due(sessions, sending, load_senders(sessions, sending), now=NOW)
        assert gateway.calls[0].body["StatusCallback"] == CALLBACK
        sid = _provider_id(sessions)
        assert sid is not None
        form = {"MessageSid": sid, "MessageStatus": "delivered", "To": "+995555123456"}
        forged = _callback(hooks, form, token="not-the-token")
        assert forged.status_code == 401
        assert forged.json()["field"] == "X-Twilio-Signature"
        answer = _callback(hooks, form, token=secrets["auth_token"])
        assert answer.status_code == 200, answer.text
        assert orjson.loads(answer.content)["accepted"] == 1
        process()
        receipts = _receipts(sessions)
        assert set(receipts) == {"Message Sent", "Delivered"}
        assert receipts["Delivered"]["campaign_id"] == "autumn"
