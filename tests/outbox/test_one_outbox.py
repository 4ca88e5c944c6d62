"""One outbox for every channel: consent-change webhooks are the `webhook` channel of the
same table and the same delivery round as email and messenger messages, each channel under
its own retry policy."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from tests.smtp import free_port
from unison.channels.senders import configured_senders
from unison.cli import app
from unison.consent.ledger import webhooks
from unison.kit.db import transaction
from unison.kit.settings import Settings, get_settings
from unison.models import OutboundMessage
from unison.outbox.delivery import deliver_due
from unison.outbox.queue import Outgoing, enqueue

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
runner = CliRunner()


@pytest.fixture
def unreachable(settings: Settings) -> Settings:
    """Email through a relay that refuses connections; webhooks retried faster than email."""
    return settings.model_copy(
        update={
            "secret_key": SecretStr("test-secret-key-0123456789abcdef"),
            "smtp_host": "127.0.0.1",
            "smtp_port": free_port(),
            "outbox_backoff_seconds": 600.0,
            "consent_webhook_backoff_seconds": 30.0,
        }
    )


def _queue_both(sessions: sessionmaker[Session], settings: Settings) -> None:
    with transaction(sessions) as session:
        enqueue(
            session,
            Outgoing("e-1", 7, "email", "email", "ana@example.ge", "service", "ka", "გამარჯობა"),
        )
        webhooks.create(session, settings, "http://127.0.0.1:9/hook", None)
        body = {"type": "consent.changed", "data": {"record_id": 1, "status": "granted"}}
        webhooks.queue(session, [webhooks.Change(1, 7, body)], NOW)


def _states(sessions: sessionmaker[Session]) -> dict[str, tuple[str, int, datetime | None]]:
    with sessions() as session:
        rows = session.execute(select(OutboundMessage)).scalars()
        return {m.channel: (m.status, m.attempts, m.next_attempt_at) for m in rows}


class TestOneDeliveryRound:
    def test_an_email_and_a_webhook_are_sent_in_one_round_each_under_its_own_retry_policy(
        self, sessions: sessionmaker[Session], unreachable: Settings
    ) -> None:
        _queue_both(sessions, unreachable)
        plugs = (configured_senders(unreachable), webhooks.webhook_channel(sessions, unreachable))
        assert deliver_due(sessions, unreachable, *plugs, now=NOW) == 2
        states = _states(sessions)
        status, attempts, due = states["email"]
        assert (status, attempts) == ("queued", 1)  # the outbox policy, with its jitter:
        assert due is not None
        assert NOW + timedelta(seconds=300) <= due < NOW + timedelta(seconds=900)
        assert states["webhook"] == ("queued", 1, NOW + timedelta(seconds=30))
        # Only the webhook is due again after 31 s: the email waits for its own backoff.
        later = NOW + timedelta(seconds=31)
        assert deliver_due(sessions, unreachable, *plugs, now=later) == 1
        assert _states(sessions)["webhook"][1] == 2

    def test_a_round_without_the_webhook_channel_leaves_webhook_rows_alone(
        self, sessions: sessionmaker[Session], unreachable: Settings
    ) -> None:
        _queue_both(sessions, unreachable)
        assert deliver_due(sessions, unreachable, configured_senders(unreachable), now=NOW) == 1
        assert _states(sessions)["webhook"][:2] == ("queued", 0)


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("UNISON_DATABASE_URL", database_url)
    monkeypatch.setenv("UNISON_SQLITE_SYNCHRONOUS", "NORMAL")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


class TestOutboxStatus:
    def test_status_counts_consent_webhook_deliveries_beside_messages(
        self, sessions: sessionmaker[Session], unreachable: Settings, cli_env: None
    ) -> None:
        _queue_both(sessions, unreachable)
        output = runner.invoke(app, ["outbox", "status"]).output
        cells = [[c.strip() for c in line.split("│")[1:-1]] for line in output.splitlines()]
        rows = {(row[0], row[1]) for row in cells if len(row) == 3 and row[1] == "queued"}
        assert rows == {("email", "queued"), ("webhook", "queued")}
