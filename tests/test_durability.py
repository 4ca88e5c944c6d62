"""Acknowledged means durable: SIGKILL a real `unison serve` mid-stream, restart it, and
every acknowledged messageId is stored exactly once (also after clients retry)."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from unison.models import Event
from unison.sources.ref import SourceRef

BATCH = 20


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Server:
    def __init__(self, database_url: str, log: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "UNISON_DATABASE_URL": database_url, "UNISON_LOG_JSON": "false"}
        env.pop("UNISON_SQLITE_SYNCHRONOUS", None)  # the production default: FULL
        self.process = subprocess.Popen(
            [sys.executable, "-m", "unison", "serve", "--port", str(self.port)],
            env=env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("unison serve exited during start-up")
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.05)
        raise RuntimeError("unison serve did not become healthy within 60 s")

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


@pytest.fixture
def server_log(tmp_path: Path) -> Iterator[Path]:
    log = tmp_path / "serve.log"
    yield log
    # The log must never carry event contents (PII); identifiers below are unique markers.
    assert "durability-secret-marker" not in log.read_text(errors="replace")


def _sender(
    url: str, key: str, worker: int, acked: list[str], sent: list[list[str]], stop: threading.Event
) -> None:
    with httpx.Client(base_url=url, auth=(key, ""), timeout=10) as client:
        for n in range(100_000):
            if stop.is_set():
                return
            ids = [f"w{worker}-b{n}-e{i}" for i in range(BATCH)]
            batch = [
                {
                    "type": "track",
                    "userId": f"user-{worker}",
                    "event": "Durable",
                    "messageId": m,
                    "properties": {"note": "durability-secret-marker"},
                }
                for m in ids
            ]
            sent.append(ids)
            try:
                response = client.post("/v1/batch", json={"batch": batch})
            except httpx.TransportError:
                return  # the server died under us: these ids were never acknowledged
            if response.status_code == 200:
                acked.extend(ids)


class TestCrashDurability:
    def test_every_acknowledged_event_survives_sigkill_exactly_once(
        self,
        database_url: str,
        sessions: sessionmaker[Session],
        source: tuple[SourceRef, str],
        server_log: Path,
    ) -> None:
        key = source[1]
        server = Server(database_url, server_log)
        acked: list[str] = []
        sent: list[list[str]] = []
        stop = threading.Event()
        workers = [
            threading.Thread(target=_sender, args=(server.url, key, w, acked, sent, stop))
            for w in range(4)
        ]
        try:
            for worker in workers:
                worker.start()
            deadline = time.monotonic() + 60
            while len(acked) < 2_000 and time.monotonic() < deadline:
                time.sleep(0.01)
            server.kill()  # mid-stream: senders are still posting
            stop.set()
            for worker in workers:
                worker.join(timeout=30)
            acknowledged = set(acked)
            assert len(acknowledged) >= 2_000

            server = Server(database_url, server_log)
            # Clients retry everything they sent, acknowledged or not: no doubles.
            with httpx.Client(base_url=server.url, auth=(key, ""), timeout=10) as client:
                for ids in sent[:50]:
                    batch = [
                        {"type": "track", "userId": "retry", "event": "Durable", "messageId": m}
                        for m in ids
                    ]
                    assert client.post("/v1/batch", json={"batch": batch}).status_code == 200
        finally:
            stop.set()
            server.stop()

        with sessions() as session:
            counts = dict(
                session.execute(
                    select(Event.message_id, func.count()).group_by(Event.message_id)
                ).all()
            )
        missing = [m for m in acknowledged if m not in counts]
        assert missing == []
        assert max(counts.values()) == 1
        retried = {m for ids in sent[:50] for m in ids}
        assert retried <= counts.keys()
