"""Viber's delivery callbacks (`delivered`, `seen`, `failed`), received through the inbound
connector and the log, become receipts on the message the outbox sent: the `message_token`
Viber answered `send_message` with is how the callback names it."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.channels.conftest import VIBER_TOKEN, Hooks
from tests.channels.payloads import viber_event
from tests.providers import VIBER_OK, fake_provider
from unison.channels.senders import load_senders
from unison.kit.db import transaction
from unison.kit.settings import Settings
from unison.models import Event, OutboundMessage
from unison.outbox.delivery import deliver_due
from unison.outbox.queue import Outgoing, enqueue

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
META = {"message_id": 412, "template_id": 9, "campaign_id": "зима", "broadcast_id": 5}
VIBER_USER = "01234567890A="


def _queue(sessions: sessionmaker[Session], profile_id: int) -> None:
    with transaction(sessions) as session:
        enqueue(
            session,
            Outgoing(
                "viber-412",
                profile_id,
                "viber",
                "viber_id",
                VIBER_USER,
                "marketing",
                "uk",
                "",
                content={"text": "Ваше замовлення в дорозі"},
                meta=META,
            ),
        )


def _receipts(sessions: sessionmaker[Session]) -> list[dict[str, Any]]:
    with sessions() as session:
        rows = session.execute(select(Event).order_by(Event.id)).scalars()
        return [e.payload for e in rows if str(e.message_id).startswith("receipt-")]


class TestViberDeliveryCallbacks:
    def test_delivered_seen_and_failed_become_receipts_carrying_the_message_ids(
        self,
        sessions: sessionmaker[Session],
        settings: Settings,
        client: TestClient,
        admin_token: str,
        customer: int,
        process: Callable[[], int],
    ) -> None:
        hooks = Hooks(client, admin_token)
        hooks.connector("viber", "viber-shop", {"token": VIBER_TOKEN}, region="UA")
        _queue(sessions, customer)
        with fake_provider(VIBER_OK) as viber_api:
            sending = settings.model_copy(update={"viber_api_url": viber_api.url})
            deliver_due(sessions, sending, load_senders(sessions, sending), now=NOW)
        assert viber_api.calls[0].body["receiver"] == VIBER_USER
        with sessions() as session:
            token = session.execute(select(OutboundMessage.provider_message_id)).scalar_one()
        assert token == str(VIBER_OK[1]["message_token"])

        for kind in ("delivered", "seen"):
            answer = hooks.viber(viber_event(kind, int(token), user_id=VIBER_USER))
            assert answer.status_code == 200, answer.text
        hooks.viber(viber_event("seen", int(token), user_id=VIBER_USER))  # Viber retries
        process()

        receipts = _receipts(sessions)
        assert [r["event"] for r in receipts] == ["Message Sent", "Delivered", "Read"]
        for receipt in receipts:
            assert {k: receipt["properties"][k] for k in META} == META
            assert receipt["properties"]["channel"] == "viber"

    def test_a_callback_for_a_token_unison_never_sent_makes_no_receipt(
        self,
        sessions: sessionmaker[Session],
        client: TestClient,
        admin_token: str,
        process: Callable[[], int],
    ) -> None:
        hooks = Hooks(client, admin_token)
        hooks.connector("viber", "viber-shop", {"token": VIBER_TOKEN}, region="UA")
        answer = hooks.viber(viber_event("delivered", 99887766, user_id=VIBER_USER))
        assert answer.status_code == 200
        process()
        assert _receipts(sessions) == []
