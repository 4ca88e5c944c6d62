"""Exactly once across a crash: a real `unison outbox deliver` process is SIGKILLed while the
local provider holds its first request (that message was sent but not recorded; the next
one was claimed but not sent), then delivery restarts. Every message reaches the provider
exactly once:
- SMS through a gateway that drops a repeated Idempotency-Key: the in-flight message is
  sent again with the same key and dropped by the gateway; the claimed one is sent once;
- Telegram, which has no idempotency key: the in-flight message is not sent again (it
  becomes a dead letter saying why); the claimed one is sent once.
"""

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.providers import SMS_OK, TELEGRAM_OK, FakeProvider, fake_provider
from unison.channels.senders import load_senders
from unison.channels.service import create_connector
from unison.kit.clock import utcnow
from unison.kit.db import transaction
from unison.kit.settings import Settings
from unison.models import OutboundMessage
from unison.outbox.delivery import INTERRUPTED, deliver_due
from unison.outbox.queue import Outgoing, enqueue_many

KEY = "crash-test-secret-key-0123456789abcdef"
UKRAINIAN = "Ваше замовлення вже в дорозі"


@pytest.fixture
def keyed(settings: Settings) -> Settings:
    return settings.model_copy(update={"secret_key": SecretStr(KEY)})


def _queue(sessions: sessionmaker[Session], channel: str, kind: str, to: str) -> None:
    rows = [
        Outgoing(
            f"crash-{channel}-{n}",
            7,
            channel,
            kind,
            to,
            "service",
            "uk",
            "",
            content={"text": f"{UKRAINIAN} #{n}"},
        )
        for n in (1, 2)
    ]
    with transaction(sessions) as session:
        enqueue_many(session, rows)


def _dispatcher(settings: Settings, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    environment = {
        **os.environ,
        "UNISON_DATABASE_URL": settings.database_url,
        "UNISON_SECRET_KEY": KEY,
        "UNISON_LOG_JSON": "false",
        **env,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "unison", "outbox", "deliver"],
        env=environment,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


@pytest.fixture
def killed(tmp_path: Path) -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:  # only what this test started, by its own handle
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)


def _crash_mid_send(
    provider: FakeProvider,
    settings: Settings,
    env: dict[str, str],
    tmp_path: Path,
    started: list[subprocess.Popen[bytes]],
) -> None:
    process = _dispatcher(settings, env, tmp_path / "dispatcher.log")
    started.append(process)
    assert provider.arrived.wait(60), (tmp_path / "dispatcher.log").read_text()
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    provider.release.set()


def _rows(sessions: sessionmaker[Session]) -> dict[str, OutboundMessage]:
    with sessions() as session:
        rows = session.execute(select(OutboundMessage)).scalars()
        return {r.idempotency_key: r for r in rows}


def _restart(sessions: sessionmaker[Session], settings: Settings) -> None:
    """A new dispatcher after the dead one's lease ran out."""
    later = utcnow() + timedelta(seconds=3 * settings.outbox_http_timeout_seconds + 1)
    senders = load_senders(sessions, settings)
    while deliver_due(sessions, settings, senders, now=later):
        pass


class TestCrashBetweenSendingAndRecording:
    def test_sms_through_a_deduplicating_gateway_reaches_it_exactly_once(
        self,
        sessions: sessionmaker[Session],
        keyed: Settings,
        tmp_path: Path,
        killed: list[subprocess.Popen[bytes]],
    ) -> None:
        with fake_provider(SMS_OK, dedupe_header="idempotency-key", hold_first=True) as gateway:
            settings = keyed.model_copy(
                update={"sms_api_url": gateway.url, "sms_gateway_dedupes": True}
            )
            with transaction(sessions) as session:
                secrets = {"account_sid": "AC1", "auth_token": "tok", "from": "+15005550006"}
                create_connector(session, settings, "sms", "gateway", secrets)
            _queue(sessions, "sms", "phone", "+380501234567")
            env = {"UNISON_SMS_API_URL": gateway.url, "UNISON_SMS_GATEWAY_DEDUPES": "true"}
            _crash_mid_send(gateway, settings, env, tmp_path, killed)
            rows = _rows(sessions)
            first, second = rows["crash-sms-1"], rows["crash-sms-2"]
            assert first.status == "queued"
            assert first.claimed_at is not None  # it was in flight
            assert (second.status, second.claimed_at) == ("queued", None)  # claimed, not sent
            _restart(sessions, settings)
        keys = [c.headers["idempotency-key"] for c in gateway.calls]
        assert keys == ["crash-sms-1", "crash-sms-1", "crash-sms-2"]
        assert [c.duplicate for c in gateway.calls] == [False, True, False]
        accepted = [c.body["Body"] for c in gateway.accepted]
        assert accepted == [f"{UKRAINIAN} #1", f"{UKRAINIAN} #2"]
        assert {k: r.status for k, r in _rows(sessions).items()} == {
            "crash-sms-1": "sent",
            "crash-sms-2": "sent",
        }

    def test_telegram_without_an_idempotency_key_is_never_sent_twice(
        self,
        sessions: sessionmaker[Session],
        keyed: Settings,
        tmp_path: Path,
        killed: list[subprocess.Popen[bytes]],
    ) -> None:
        with fake_provider(TELEGRAM_OK, hold_first=True) as api:
            settings = keyed.model_copy(update={"telegram_api_url": api.url})
            with transaction(sessions) as session:
                create_connector(session, settings, "telegram", "bot", {"token": "42:SECRET"})
            _queue(sessions, "telegram", "telegram_id", "445566")
            _crash_mid_send(api, settings, {"UNISON_TELEGRAM_API_URL": api.url}, tmp_path, killed)
            _restart(sessions, settings)
        texts = [c.body["text"] for c in api.calls]
        assert texts == [f"{UKRAINIAN} #1", f"{UKRAINIAN} #2"]  # each once
        rows = _rows(sessions)
        assert (rows["crash-telegram-2"].status, rows["crash-telegram-2"].attempts) == ("sent", 1)
        held = rows["crash-telegram-1"]
        assert (held.status, held.last_error) == ("dead", INTERRUPTED)
