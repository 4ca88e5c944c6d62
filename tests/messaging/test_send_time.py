"""The gate again at send time (GateCheck, the outbox's send-time check): a STOP recorded
after enqueue, the cap counted over what was let go, quiet hours, the kill switch; each
delivered through the real delivery round to a local server speaking Telegram's Bot API."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.consent.conftest import Api
from tests.messaging.conftest import Gate, customer
from tests.providers import TELEGRAM_OK, fake_provider
from unison.channels.outbound.telegram import TelegramSender
from unison.channels.senders import ConfiguredSenders, Route
from unison.kit.db import transaction
from unison.kit.settings import Settings
from unison.messaging.send_time import GateCheck
from unison.messaging.service import switch
from unison.models import Event
from unison.outbox.delivery import deliver_due

CHAT = "574839201"
HELLO = {"text": "Բարև", "buttons": [], "image_url": None}


def _senders(url: str) -> ConfiguredSenders:
    return ConfiguredSenders(None, [Route(1, "telegram", TelegramSender("9:T", api=url))])


def _deliver(sessions: sessionmaker[Session], settings: Settings, url: str, now: datetime) -> int:
    return deliver_due(sessions, settings, _senders(url), now=now, check=GateCheck(settings))


def _ani(api: Api, process: Callable[[], int]) -> int:
    return customer(api, process, "u-ani", "telegram", email="ani@example.am", telegram_id=CHAT)


def _suppressed_receipts(sessions: sessionmaker[Session]) -> list[dict[str, Any]]:
    with sessions() as session:
        events = session.execute(select(Event).where(Event.event == "Suppressed")).scalars()
        return [e.payload["properties"] for e in events]


class TestConsentAtSendTime:
    def test_a_stop_recorded_after_enqueue_suppresses_the_queued_message(
        self,
        api: Api,
        process: Callable[[], int],
        gate: Gate,
        sessions: sessionmaker[Session],
        settings: Settings,
    ) -> None:
        pid = _ani(api, process)
        queued = gate.send(pid, "promo-1", ("telegram", HELLO))
        assert queued.decision == "queued"
        api.send(
            {
                "type": "track",
                "event": "Message Received",
                "messageId": "stop-1",
                "anonymousId": "anon-stop",
                "context": {"channel": "telegram", "traits": {"telegram_id": CHAT}},
                "properties": {"text": "STOP"},
            }
        )
        process()
        with fake_provider(TELEGRAM_OK) as provider:
            _deliver(sessions, settings, provider.url, datetime.now(UTC))
            sent_texts = [c.body.get("text") for c in provider.calls]
        assert "Բարև" not in sent_texts  # only the STOP confirmation may have gone out
        [row] = [r for r in gate.outbox() if r.idempotency_key == queued.outbox_key]
        assert row.status == "suppressed"
        assert (row.last_error or "").startswith("withdrawn")
        [message] = gate.messages()
        assert (message.decision, message.send_decision) == ("queued", "suppress")
        receipts = _suppressed_receipts(sessions)
        assert [(r["message_id"], r["reason"]) for r in receipts] == [(queued.id, "withdrawn")]


class TestCapsAtSendTime:
    def test_two_queued_messages_are_counted_as_they_are_let_go(
        self,
        api: Api,
        process: Callable[[], int],
        gate: Gate,
        sessions: sessionmaker[Session],
        settings: Settings,
    ) -> None:
        pid = _ani(api, process)
        settings.messaging_frequency_caps = {"all": "2/7d"}
        first = gate.send(pid, "a", ("telegram", HELLO))
        second = gate.send(pid, "b", ("telegram", HELLO))
        assert (first.decision, second.decision) == ("queued", "queued")
        # The marketer tightens the cap while both wait: it is counted again when they go.
        settings.messaging_frequency_caps = {"all": "1/7d"}
        with fake_provider(TELEGRAM_OK) as provider:
            _deliver(sessions, settings, provider.url, datetime.now(UTC))
            assert len(provider.calls) == 1
        by_key = {m.idempotency_key: m for m in gate.messages()}
        assert by_key["a"].send_decision == "send"
        assert by_key["a"].released_at is not None
        assert by_key["b"].send_decision == "suppress"
        assert by_key["b"].send_reason is not None
        assert by_key["b"].send_reason.startswith("frequency_cap:all")
        statuses = {r.idempotency_key: r.status for r in gate.outbox()}
        assert statuses == {first.outbox_key: "sent", second.outbox_key: "suppressed"}


class TestQuietHoursAtSendTime:
    def test_a_message_due_inside_quiet_hours_is_deferred_then_sent(
        self,
        api: Api,
        process: Callable[[], int],
        gate: Gate,
        sessions: sessionmaker[Session],
        settings: Settings,
    ) -> None:
        pid = customer(api, process, "u-ani", "telegram", telegram_id=CHAT, phone="+37491234567")
        noon = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)  # 12:00 in Yerevan (UTC+4)
        queued = gate.send(pid, "a", ("telegram", HELLO), now=noon)
        assert queued.decision == "queued"
        settings.messaging_quiet_start, settings.messaging_quiet_end = "21:00", "09:00"
        late = datetime(2026, 12, 7, 19, 0, tzinfo=UTC)  # 23:00 in Yerevan: the queue ran late
        with fake_provider(TELEGRAM_OK) as provider:
            _deliver(sessions, settings, provider.url, late)
            assert provider.calls == []
            [row] = gate.outbox()
            morning = datetime(2026, 12, 8, 5, 0, tzinfo=UTC)  # 09:00 in Yerevan
            assert (row.status, row.next_attempt_at) == ("queued", morning)
            _deliver(sessions, settings, provider.url, morning)
            assert len(provider.calls) == 1
        [message] = gate.messages()
        assert (message.send_decision, message.released_at) == ("send", morning)


class TestKillSwitchAtSendTime:
    def test_switching_a_channel_off_stops_what_is_queued(
        self,
        api: Api,
        process: Callable[[], int],
        gate: Gate,
        sessions: sessionmaker[Session],
        settings: Settings,
    ) -> None:
        pid = _ani(api, process)
        queued = gate.send(pid, "a", ("telegram", HELLO), purpose="service")
        with transaction(sessions) as session:
            switch(session, "telegram", False, "test")
        with fake_provider(TELEGRAM_OK) as provider:
            _deliver(sessions, settings, provider.url, datetime.now(UTC) + timedelta(seconds=1))
            assert provider.calls == []
        [row] = gate.outbox()
        assert (row.idempotency_key, row.status) == (queued.outbox_key, "suppressed")
        assert [m.send_decision for m in gate.messages()] == ["suppress"]
