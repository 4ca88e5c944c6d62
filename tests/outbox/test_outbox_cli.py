"""`unison outbox deliver` and `unison outbox status` against the test database."""

from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from tests.smtp import smtp_server
from unison.cli import app
from unison.kit.db import transaction
from unison.kit.settings import get_settings
from unison.models import OutboundMessage
from unison.outbox.queue import Outgoing, enqueue

runner = CliRunner()


@pytest.fixture(autouse=True)
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("UNISON_DATABASE_URL", database_url)
    monkeypatch.setenv("UNISON_SQLITE_SYNCHRONOUS", "NORMAL")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _queue(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        message = Outgoing("cli-1", 1, "email", "email", "a@example.com", "service", "uk", "Привіт")
        enqueue(session, message)


class TestOutboxCommands:
    def test_deliver_without_a_configured_channel_says_what_to_set(
        self, sessions: sessionmaker[Session]
    ) -> None:
        result = runner.invoke(app, ["outbox", "deliver"])
        assert result.exit_code == 1
        assert "UNISON_SMTP_HOST" in result.output

    def test_deliver_sends_and_status_counts(
        self, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        _queue(sessions)
        assert "queued" in runner.invoke(app, ["outbox", "status"]).output
        with smtp_server() as (mailbox, port):
            monkeypatch.setenv("UNISON_SMTP_HOST", "127.0.0.1")
            monkeypatch.setenv("UNISON_SMTP_PORT", str(port))
            get_settings.cache_clear()
            result = runner.invoke(app, ["outbox", "deliver"])
        assert result.exit_code == 0, result.output
        assert "attempted 1 messages on email" in result.output
        assert len(mailbox.messages) == 1
        status = runner.invoke(app, ["outbox", "status"]).output
        assert "sent" in status
        assert "queued" not in status


class TestDeadLetters:
    def test_dead_lists_a_message_out_of_attempts_and_retry_queues_it_again(
        self, sessions: sessionmaker[Session]
    ) -> None:
        _queue(sessions)
        with transaction(sessions) as session:
            row = session.execute(select(OutboundMessage)).scalar_one()
            row.status, row.attempts, row.last_error = "dead", 8, "SMTP 451"
            row_id = row.id
        listed = runner.invoke(app, ["outbox", "dead"])
        assert listed.exit_code == 0
        assert "SMTP 451" in listed.output
        assert str(row_id) in listed.output
        retried = runner.invoke(app, ["outbox", "retry", str(row_id)])
        assert retried.exit_code == 0, retried.output
        with sessions() as session:
            again = session.execute(select(OutboundMessage)).scalar_one()
        assert (again.status, again.attempts, again.last_error) == ("queued", 0, None)
        missing = runner.invoke(app, ["outbox", "retry", str(row_id)])  # no longer dead
        assert missing.exit_code == 1
        assert "no dead or failed outbox message" in missing.output
