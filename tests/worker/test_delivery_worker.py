"""`unison worker --delivery`: a dispatcher process of its own beside `unison serve` (which
then runs with UNISON_OUTBOX_DELIVERY_ENABLED=false): it sends what is due, through the
send-time gate, and stops between rounds on a signal."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.providers import SMS_OK, fake_provider
from unison.channels.service import create_connector
from unison.kit.db import transaction
from unison.kit.settings import Settings
from unison.models import OutboundMessage
from unison.outbox.queue import Outgoing, enqueue_many

KEY = "delivery-worker-secret-key-0123456789ab"
ARMENIAN = "Ձեր պատվերը ճանապարհին է"


def _worker(
    settings: Settings, env: dict[str, str], log: Path, *flags: str
) -> "subprocess.Popen[bytes]":
    environment = {
        **os.environ,
        "UNISON_DATABASE_URL": settings.database_url,
        "UNISON_SECRET_KEY": KEY,
        "UNISON_LOG_JSON": "false",
        **env,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "unison", "worker", "--poll", "0.01", *flags],
        env=environment,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def test_a_delivery_worker_sends_what_is_due_once(
    sessions: sessionmaker[Session], settings: Settings, tmp_path: Path
) -> None:
    keyed = settings.model_copy(update={"secret_key": SecretStr(KEY)})
    rows = [
        Outgoing(
            f"worker-{n}",
            7,
            "sms",
            "phone",
            "+37491123456",
            "service",
            "hy",
            "",
            content={"text": f"{ARMENIAN} #{n}"},
        )
        for n in range(3)
    ]
    with fake_provider(SMS_OK) as gateway:
        with transaction(sessions) as session:
            secrets = {"account_sid": "AC1", "auth_token": "tok", "from": "+15005550006"}
            create_connector(session, keyed, "sms", "gateway", secrets)
            enqueue_many(session, rows)
        env = {"UNISON_SMS_API_URL": gateway.url, "UNISON_SMS_RATE_PER_SECOND": "0"}
        log = tmp_path / "worker.log"
        worker = _worker(keyed, env, log, "--no-processing", "--delivery")
        try:
            deadline = time.monotonic() + 60
            while len(gateway.accepted) < len(rows) and time.monotonic() < deadline:
                assert worker.poll() is None, log.read_text()
                time.sleep(0.05)
        finally:
            worker.send_signal(signal.SIGINT)
            assert worker.wait(timeout=30) == 0, log.read_text()
    assert sorted(call.body["Body"] for call in gateway.accepted) == sorted(
        f"{ARMENIAN} #{n}" for n in range(3)
    )
    with sessions() as session:
        statuses = session.execute(select(OutboundMessage.status)).scalars().all()
    assert statuses == ["sent"] * 3
    assert "outbox" in log.read_text()  # it said what it runs


def test_a_worker_with_nothing_to_run_says_so(settings: Settings, tmp_path: Path) -> None:
    log = tmp_path / "worker.log"
    worker = _worker(settings, {}, log, "--no-processing")
    assert worker.wait(timeout=60) == 2
    assert "nothing to run" in log.read_text()
