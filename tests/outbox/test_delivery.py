"""Outbox delivery through a real local SMTP server: sent once, retried with backoff on
temporary refusals, failed for good on permanent ones, never sent twice."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.smtp import Mailbox, free_port, smtp_server
from unison.channels.senders import configured_senders
from unison.kit.db import transaction
from unison.kit.settings import Settings
from unison.models import OutboundMessage
from unison.outbox.delivery import deliver_due, envelope_of
from unison.outbox.queue import Outgoing, enqueue

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
GEORGIAN = "გამარჯობა! თქვენი გამოწერა დადასტურებულია."


@pytest.fixture
def mailbox(settings: Settings) -> Iterator[tuple[Mailbox, Settings]]:
    with smtp_server() as (box, port):
        yield box, settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port})


def _queue(sessions: sessionmaker[Session], key: str = "k1", channel: str = "email") -> None:
    with transaction(sessions) as session:
        enqueue(
            session,
            Outgoing(
                idempotency_key=key,
                profile_id=7,
                channel=channel,
                recipient_type="email",
                recipient="nino@example.ge",
                purpose="service",
                language="ka",
                body=GEORGIAN,
                subject="დაადასტურეთ გამოწერა",
            ),
        )


def _message(sessions: sessionmaker[Session]) -> OutboundMessage:
    with sessions() as session:
        return session.execute(select(OutboundMessage)).scalar_one()


class TestEmailDelivery:
    def test_a_queued_email_reaches_the_smtp_server_once_in_utf8(
        self, sessions: sessionmaker[Session], mailbox: tuple[Mailbox, Settings]
    ) -> None:
        box, settings = mailbox
        _queue(sessions)
        senders = configured_senders(settings)
        assert deliver_due(sessions, settings, senders, now=NOW) == 1
        assert deliver_due(sessions, settings, senders, now=NOW + timedelta(hours=1)) == 0
        assert len(box.messages) == 1
        received = box.messages[0]
        assert received["To"] == "nino@example.ge"
        assert received["Subject"] == "დაადასტურეთ გამოწერა"
        assert received["Content-Language"] == "ka"
        assert received.get_content().strip() == GEORGIAN
        row = _message(sessions)
        assert (row.status, row.attempts, row.sent_at) == ("sent", 1, NOW)

    def test_the_same_message_always_carries_the_same_message_id(
        self, sessions: sessionmaker[Session], mailbox: tuple[Mailbox, Settings]
    ) -> None:
        box, settings = mailbox
        sender = configured_senders(settings).email
        assert sender is not None
        _queue(sessions)
        row = _message(sessions)
        sender.send(envelope_of(row))
        sender.send(envelope_of(row))  # what a crash between send and record would repeat
        assert box.messages[0]["Message-ID"] == box.messages[1]["Message-ID"]

    def test_a_temporary_refusal_is_retried_after_a_backoff(
        self, sessions: sessionmaker[Session], mailbox: tuple[Mailbox, Settings]
    ) -> None:
        box, settings = mailbox
        senders = configured_senders(settings)
        box.refuse_data = "451 4.3.0 Mailbox busy, try later"
        _queue(sessions)
        assert deliver_due(sessions, settings, senders, now=NOW) == 1
        row = _message(sessions)
        assert (row.status, row.attempts, row.last_error) == ("queued", 1, "SMTP 451")
        # the base backoff with jitter: somewhere in [0.5, 1.5) x base
        base = timedelta(seconds=settings.outbox_backoff_seconds)
        assert row.next_attempt_at is not None
        assert NOW + base / 2 <= row.next_attempt_at < NOW + base * 1.5
        box.refuse_data = None
        assert deliver_due(sessions, settings, senders, now=NOW + timedelta(seconds=1)) == 0
        later = NOW + base * 1.5
        assert deliver_due(sessions, settings, senders, now=later) == 1
        assert _message(sessions).status == "sent"
        assert len(box.messages) == 1

    def test_a_permanent_refusal_fails_at_once_and_is_not_retried(
        self, sessions: sessionmaker[Session], mailbox: tuple[Mailbox, Settings]
    ) -> None:
        box, settings = mailbox
        senders = configured_senders(settings)
        box.refuse_recipient = "550 5.1.1 No such user"
        _queue(sessions)
        deliver_due(sessions, settings, senders, now=NOW)
        row = _message(sessions)
        assert (row.status, row.last_error) == ("failed", "SMTP 550: recipient refused")
        assert "nino" not in (row.last_error or "")  # no PII in the stored reason
        assert deliver_due(sessions, settings, senders, now=NOW + timedelta(days=1)) == 0
        assert box.messages == []

    def test_an_unreachable_server_is_retried_until_the_last_attempt_then_dead(
        self, sessions: sessionmaker[Session], settings: Settings
    ) -> None:
        settings = settings.model_copy(
            update={"smtp_host": "127.0.0.1", "smtp_port": free_port(), "outbox_max_attempts": 2}
        )
        senders = configured_senders(settings)
        _queue(sessions)
        deliver_due(sessions, settings, senders, now=NOW)
        assert _message(sessions).status == "queued"
        deliver_due(sessions, settings, senders, now=NOW + timedelta(days=1))
        row = _message(sessions)
        assert (row.status, row.attempts) == ("dead", 2)
        assert row.last_error == "SMTP connection failed: ConnectionRefusedError"


class TestChannelsWithoutAnAdapter:
    def test_messages_wait_in_the_outbox_until_their_channel_is_configured(
        self, sessions: sessionmaker[Session], mailbox: tuple[Mailbox, Settings]
    ) -> None:
        _box, settings = mailbox
        _queue(sessions, "t1", channel="telegram")
        assert not configured_senders(settings.model_copy(update={"smtp_host": None}))
        assert deliver_due(sessions, settings, configured_senders(settings), now=NOW) == 0
        assert _message(sessions).status == "queued"
