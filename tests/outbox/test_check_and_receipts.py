"""The send-time check a delivery round asks before each send (messaging's gate plugs in
there), and the receipts a delivery writes into the log on the customer's profile."""

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.providers import TELEGRAM_BLOCKED, TELEGRAM_OK, fake_provider
from unison.channels.outbound.telegram import TelegramSender
from unison.channels.senders import ConfiguredSenders, Route
from unison.kit.db import transaction
from unison.kit.settings import Settings
from unison.models import Event, OutboundMessage
from unison.outbox.delivery import deliver_due
from unison.outbox.envelope import Defer, Envelope, OneAtATime, Send, Suppress, Verdict
from unison.outbox.queue import Outgoing, enqueue
from unison.outbox.receipts import record_receipt

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
META = {"message_id": 501, "template_id": 12, "template_version": 3, "campaign_id": "winter"}
ARMENIAN = "Բարև, ձեր պատվերը ճանապարհին է"


def _queue(sessions: sessionmaker[Session], profile_id: int, key: str = "m-501") -> None:
    with transaction(sessions) as session:
        enqueue(
            session,
            Outgoing(
                idempotency_key=key,
                profile_id=profile_id,
                channel="telegram",
                recipient_type="telegram_id",
                recipient="445566",
                purpose="marketing",
                language="hy",
                body="",
                content={"text": ARMENIAN, "buttons": [], "image_url": None},
                meta=META,
            ),
        )


def _row(sessions: sessionmaker[Session]) -> OutboundMessage:
    with sessions() as session:
        return session.execute(select(OutboundMessage)).scalar_one()


def _receipts(sessions: sessionmaker[Session]) -> list[dict[str, Any]]:
    with sessions() as session:
        rows = session.execute(select(Event).where(Event.source_id.is_not(None))).scalars()
        return [e.payload for e in rows if str(e.message_id).startswith("receipt-")]


def _senders(url: str) -> ConfiguredSenders:
    return ConfiguredSenders(None, [Route(1, "telegram", TelegramSender("9:T", api=url))])


class Fixed(OneAtATime):
    def __init__(self, verdict: Verdict) -> None:
        self.verdict, self.asked = verdict, []  # type: list[int]

    def check(self, session: Session, envelope: Envelope, now: datetime) -> Verdict:
        self.asked.append(envelope.message_id)
        return self.verdict


class TestSendTimeCheck:
    def test_a_deferred_message_stays_queued_until_the_moment_and_is_not_sent(
        self, sessions: sessionmaker[Session], settings: Settings, customer: int
    ) -> None:
        _queue(sessions, customer)
        until = NOW + timedelta(hours=9)
        check = Fixed(Defer(until, "quiet hours in Asia/Tbilisi"))
        with fake_provider(TELEGRAM_OK) as api:
            deliver_due(sessions, settings, _senders(api.url), now=NOW, check=check)
            assert api.calls == []
            row = _row(sessions)
            assert (row.status, row.attempts, row.next_attempt_at) == ("queued", 0, until)
            assert row.last_error == "deferred: quiet hours in Asia/Tbilisi"
            deliver_due(sessions, settings, _senders(api.url), now=until, check=Fixed(Send()))
            assert len(api.calls) == 1
        assert _row(sessions).status == "sent"

    def test_a_suppressed_message_is_never_sent(
        self, sessions: sessionmaker[Session], settings: Settings, customer: int
    ) -> None:
        _queue(sessions, customer)
        with fake_provider(TELEGRAM_OK) as api:
            check = Fixed(Suppress("consent withdrawn for marketing on telegram"))
            deliver_due(sessions, settings, _senders(api.url), now=NOW, check=check)
            later = NOW + timedelta(days=1)
            assert deliver_due(sessions, settings, _senders(api.url), now=later) == 0
            assert api.calls == []
        row = _row(sessions)
        assert (row.status, row.last_error) == (
            "suppressed",
            "consent withdrawn for marketing on telegram",
        )


class TestReceipts:
    def test_a_sent_message_becomes_a_message_sent_event_with_its_ids_once(
        self, sessions: sessionmaker[Session], settings: Settings, customer: int
    ) -> None:
        _queue(sessions, customer)
        with fake_provider(TELEGRAM_OK) as api:
            deliver_due(sessions, settings, _senders(api.url), now=NOW)
        assert api.calls[0].body["text"] == ARMENIAN
        row = _row(sessions)
        assert (row.status, row.provider_message_id) == ("sent", "77")
        (event,) = _receipts(sessions)
        assert event["event"] == "Message Sent"
        assert event["userId"] == "nino-1"
        assert event["messageId"] == "receipt-501-message-sent"
        properties = event["properties"]
        assert {k: properties[k] for k in META} == META
        assert (properties["channel"], properties["outbox_id"]) == ("telegram", row.id)
        with transaction(sessions) as session:  # the same receipt again: not doubled
            again = record_receipt(session, "Message Sent", META, customer, "telegram")
        assert again is False
        assert len(_receipts(sessions)) == 1

    def test_a_blocked_bot_fails_the_message_with_a_failed_receipt_and_its_reason(
        self, sessions: sessionmaker[Session], settings: Settings, customer: int
    ) -> None:
        _queue(sessions, customer)
        with fake_provider(TELEGRAM_BLOCKED) as api:
            deliver_due(sessions, settings, _senders(api.url), now=NOW)
        assert _row(sessions).status == "failed"
        (event,) = _receipts(sessions)
        assert (event["event"], event["properties"]["reason"]) == (
            "Failed",
            "Telegram error 403: blocked",
        )

    def test_rows_without_meta_write_no_receipt(
        self, sessions: sessionmaker[Session], settings: Settings, customer: int
    ) -> None:
        with transaction(sessions) as session:
            enqueue(
                session,
                Outgoing("c-1", customer, "telegram", "telegram_id", "1", "service", "ka", "ok"),
            )
        with fake_provider(TELEGRAM_OK) as api:
            deliver_due(sessions, settings, _senders(api.url), now=NOW)
        assert _row(sessions).status == "sent"
        assert _receipts(sessions) == []
