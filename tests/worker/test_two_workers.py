"""Two `unison worker` processes on one log: every event processed exactly once, and the
result equals a rebuild from the log."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.profiles.test_rebuild import _snapshot
from unison.demo.generator import generate_events
from unison.events import log as offsets
from unison.events.repository import IngestBatch, store_batches
from unison.events.service import prepare_items
from unison.kit.clock import utcnow
from unison.kit.settings import Settings
from unison.models import Event, EventProfile, Profile
from unison.profiles.processor import NAME, profile_processor
from unison.sources.ref import SourceRef
from unison.worker.rebuild import rebuild


def _start_worker(database_url: str, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "UNISON_DATABASE_URL": database_url, "UNISON_LOG_JSON": "false"}
    return subprocess.Popen(
        [sys.executable, "-m", "unison", "worker", "--batch-size", "50", "--poll", "0.01"],
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


class TestTwoWorkers:
    def test_two_workers_share_the_log_without_double_effects(
        self,
        database_url: str,
        sessions: sessionmaker[Session],
        source: tuple[SourceRef, str],
        tmp_path: Path,
    ) -> None:
        stream = list(generate_events(60, seed=11))
        workers = [_start_worker(database_url, tmp_path / f"w{n}.log") for n in range(2)]
        try:
            for start in range(0, len(stream), 100):  # arrives while the workers run
                now = utcnow()
                prepared = prepare_items(
                    stream[start : start + 100],
                    source=source[0],
                    received_at=now,
                    max_event_bytes=32768,
                )
                with sessions() as session:
                    store_batches(
                        session, [IngestBatch(prepared.rows, [], source[0].id, "api", now)]
                    )
                    session.commit()
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                with sessions() as session:
                    if offsets.lag(session, NAME)["behind_events"] == 0:
                        break
                time.sleep(0.05)
            assert all(w.poll() is None for w in workers), "a worker died"
        finally:
            for w in workers:
                w.send_signal(signal.SIGINT)
                w.wait(timeout=30)
        with sessions() as session:
            total = session.execute(select(func.count()).select_from(Event)).scalar_one()
            attributed = session.execute(
                select(func.count()).select_from(EventProfile)
            ).scalar_one()
            counted = session.execute(
                select(func.sum(Profile.event_count)).where(Profile.canonical_id == Profile.id)
            ).scalar_one()
            by_workers = _snapshot(session)
        assert total == len(stream)
        assert attributed == total  # each event attributed once (primary key)...
        assert counted == total  # ...and counted once in the profiles' stats
        logs = "".join((tmp_path / f"w{n}.log").read_text() for n in range(2))
        assert "Traceback" not in logs, logs[-4000:]
        rebuild(sessions, profile_processor(Settings(database_url=database_url)), batch_size=500)
        with sessions() as session:
            assert _snapshot(session) == by_workers
