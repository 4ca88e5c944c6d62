"""A real `unison broadcasts run --wait` process is SIGKILLed mid-way through a throttled
broadcast; a restarted fan-out finishes it with exactly one message per profile."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from tests.consent.conftest import Api
from tests.messaging.broadcasts.conftest import Store, audience, create, run, segment, template
from tests.messaging.conftest import SECRET
from unison.kit.clock import utcnow
from unison.kit.settings import Settings
from unison.messaging.broadcasts.tasks import FanOut

PROFILES = 8


@pytest.fixture
def killed() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:  # only what this test started, by its own handle
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)


def _fan_out_process(settings: Settings, log: Path) -> subprocess.Popen[bytes]:
    environment = {
        **os.environ,
        "UNISON_DATABASE_URL": settings.database_url,
        "UNISON_SECRET_KEY": SECRET,
        "UNISON_LOG_JSON": "false",
        "UNISON_BROADCASTS_CHUNK_SIZE": "2",
        "UNISON_BROADCASTS_POLL_SECONDS": "0.1",
        "UNISON_MESSAGING_QUIET_START": "00:00",
        "UNISON_MESSAGING_QUIET_END": "00:00",
        "UNISON_PUBLIC_URL": "https://unison.example",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "unison", "broadcasts", "run", "--wait"],
        env=environment,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def test_a_killed_fan_out_restarted_sends_exactly_one_message_per_profile(
    api: Api,
    process: Callable[[], int],
    settings: Settings,
    fan_out: FanOut,
    store: Store,
    tmp_path: Path,
    killed: list[subprocess.Popen[bytes]],
) -> None:
    ids = audience(api, process, "Rustavi", PROFILES)
    made = create(
        api,
        name="restart",
        segment_id=segment(api, "Rustavi"),
        template_id=template(api),
        rate_per_second=2,  # 2 a second: the process is mid-way for a few seconds
    )
    bid = made["id"]
    child = _fan_out_process(settings, tmp_path / "fan-out.log")
    killed.append(child)
    deadline = time.monotonic() + 60
    # Polling the store for the child's progress (another process: nothing to wait on).
    while len(store.messages(bid)) < 2:
        assert child.poll() is None, (tmp_path / "fan-out.log").read_text()
        assert time.monotonic() < deadline, (tmp_path / "fan-out.log").read_text()
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    halfway = len(store.messages(bid))
    assert 2 <= halfway < PROFILES
    run(fan_out, bid, utcnow() + timedelta(seconds=2))  # past the throttle's second
    messages = store.messages(bid)
    assert sorted(m.profile_id for m in messages) == sorted(ids)
    outbox = [row for row in store.outbox() if row.meta and row.meta["broadcast_id"] == bid]
    assert sorted(row.profile_id for row in outbox) == sorted(ids)
    assert api.get(f"/api/broadcasts/{bid}").json()["status"] == "done"
