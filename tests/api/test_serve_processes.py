"""`unison serve --processes 2`: a real server of two processes on one address.

The first process starts a collector process (multiprocessing spawn) listening on the same
port; both answer requests, only the first runs the log processors, and /metrics sums both.
Processes are found through /proc (Linux), as an operator would find them.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import _empty_tables
from unison.kit.db import make_session_factory, transaction
from unison.models import Event
from unison.sources.service import create_source

SOURCE_NAME = "multi-process-site"
START_PATIENCE = 120.0  # seconds: two interpreters import the whole app on a slow machine
STOP_PATIENCE = 30.0


# --- processes, as /proc shows them -----------------------------------------------------------


def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return text.rsplit(")", 1)[1].split()  # after "pid (comm)": state, ppid, ...


def running(pid: int) -> bool:
    fields = _stat_fields(pid)
    return fields is not None and fields[0] not in {"Z", "X"}  # a zombie has exited


def collectors_of(pid: int) -> list[int]:
    """The live children of `pid` started by multiprocessing spawn (not its resource
    tracker, which multiprocessing also starts)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        fields = _stat_fields(int(entry.name))
        if fields is None or fields[1] != str(pid) or fields[0] in {"Z", "X"}:
            continue
        try:
            command = (entry / "cmdline").read_bytes()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if b"spawn_main" in command:
            found.append(int(entry.name))
    return found


def environment_of(pid: int) -> dict[str, str]:
    pairs = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(p.decode(errors="replace").split("=", 1) for p in pairs if b"=" in p)


def listening_sockets(port: int) -> set[str]:
    """Inodes of the TCP sockets listening on `port` (IPv4, any process)."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].split(":")[1], 16) == port and fields[3] == "0A":  # 0A: LISTEN
            inodes.add(fields[9])
    return inodes


def sockets_of(pid: int) -> set[str]:
    held = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = str(fd.readlink())
        except FileNotFoundError:
            continue
        if target.startswith("socket:["):
            held.add(target[len("socket:[") : -1])
    return held


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT is no owner
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def eventually(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


# --- the server -------------------------------------------------------------------------------


class Server:
    """`unison serve --processes 2` in a subprocess, with its collector found through /proc."""

    def __init__(self, database_url: str, log: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "UNISON_DATABASE_URL": database_url, "UNISON_LOG_JSON": "false"}
        for name in ("PROMETHEUS_MULTIPROC_DIR", "UNISON_WEB_PROCESSES"):
            env.pop(name, None)
        command = [sys.executable, "-m", "unison", "serve", "--processes", "2"]
        self.process = subprocess.Popen(
            [*command, "--port", str(self.port)],
            env=env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        try:
            self._wait_ready()
            [self.collector] = collectors_of(self.process.pid)
            self.metrics_dir = Path(environment_of(self.collector)["PROMETHEUS_MULTIPROC_DIR"])
        except BaseException:
            self.process.kill()
            self.process.wait(STOP_PATIENCE)
            raise

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_PATIENCE
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("unison serve exited during start-up")
            try:
                if httpx.get(f"{self.url}/health", timeout=5).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError(f"unison serve did not become healthy in {START_PATIENCE} s")

    def accepted_by(self, pid: int, source: str = SOURCE_NAME) -> float:
        """Events one process has counted as accepted, from its own metrics file."""
        path = self.metrics_dir / f"counter_{pid}.db"
        if not path.exists():
            return 0.0
        return sum(
            sample.value
            for metric in MultiProcessCollector.merge([str(path)])
            for sample in metric.samples
            if sample.name == "unison_events_accepted_total" and sample.labels["source"] == source
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(STOP_PATIENCE)
        if running(self.collector):
            os.kill(self.collector, signal.SIGKILL)
        shutil.rmtree(self.metrics_dir, ignore_errors=True)


@dataclass
class Running:
    server: Server
    key: str
    sessions: sessionmaker[Session]


@pytest.fixture(scope="class")
def served(
    engine: Engine, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Running]:
    """One server for the class (starting one takes seconds); each test measures only its own
    traffic, and the last one stops it."""
    sessions = make_session_factory(engine)
    with transaction(sessions) as session:
        _row, key = create_source(session, SOURCE_NAME, "web")
    server = None
    try:
        server = Server(database_url, tmp_path_factory.mktemp("serve") / "serve.log")
        yield Running(server, key, sessions)
    finally:
        if server is not None:
            server.stop()
        _empty_tables(engine)


def _batch(ids: list[str]) -> dict[str, object]:
    return {
        "batch": [
            {"type": "track", "userId": f"u-{m}", "event": "Multi", "messageId": m} for m in ids
        ]
    }


def _post_fresh(served: Running, ids: list[str]) -> int:
    """One batch on a new connection; the number accepted."""
    response = httpx.post(
        f"{served.server.url}/v1/batch", json=_batch(ids), auth=(served.key, ""), timeout=30
    )
    assert response.status_code == 200, response.text
    accepted: int = response.json()["accepted"]
    return accepted


def _until_both_took_some(served: Running, prefix: str) -> int:
    """Batches on new connections (the kernel picks a process for each) until both processes
    have stored some of them; the number accepted."""
    server = served.server
    pids = (server.process.pid, server.collector)
    before = [server.accepted_by(pid) for pid in pids]
    accepted = 0
    for n in range(200):
        accepted += _post_fresh(served, [f"{prefix}-{n}-{i}" for i in range(5)])
        if all(server.accepted_by(pid) > b for pid, b in zip(pids, before, strict=True)):
            return accepted
    raise AssertionError("200 new connections and one process answered none of them")


def _scraped_accepted(url: str) -> float:
    text = httpx.get(f"{url}/metrics", timeout=30).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "unison_events_accepted_total" and sample.labels == {
                "source": SOURCE_NAME
            }:
                return sample.value
    return 0.0


def _sender(
    served: Running, worker: int, acked: list[str], failures: list[str], batches: int
) -> None:
    with httpx.Client(base_url=served.server.url, auth=(served.key, ""), timeout=30) as client:
        for n in range(batches):
            ids = [f"conc-{worker}-{n}-{i}" for i in range(25)]
            try:
                response = client.post("/v1/batch", json=_batch(ids))
            except httpx.TransportError as exc:
                failures.append(repr(exc))
                return
            if response.status_code != 200 or response.json()["accepted"] != len(ids):
                failures.append(response.text)
                return
            acked.extend(ids)


class TestTwoProcessesServeOneAddress:
    def test_the_first_process_runs_one_collector_listening_on_the_same_port(
        self, served: Running
    ) -> None:
        server = served.server
        assert collectors_of(server.process.pid) == [server.collector]
        listening = listening_sockets(server.port)
        assert len(listening) == 2
        assert len(sockets_of(server.process.pid) & listening) == 1
        assert len(sockets_of(server.collector) & listening) == 1

    def test_every_event_acknowledged_to_concurrent_clients_is_stored_once(
        self, served: Running
    ) -> None:
        acked: list[str] = []
        failures: list[str] = []
        senders = [
            threading.Thread(target=_sender, args=(served, w, acked, failures, 8)) for w in range(6)
        ]
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join(120)

        assert failures == []
        assert len(acked) == 6 * 8 * 25
        with served.sessions() as session:
            counts = dict(
                session.execute(
                    select(Event.message_id, func.count())
                    .where(Event.message_id.like("conc-%"))
                    .group_by(Event.message_id)
                ).all()
            )
        assert set(counts) == set(acked)
        assert set(counts.values()) == {1}

    def test_metrics_count_the_events_both_processes_accepted_whichever_answers(
        self, served: Running
    ) -> None:
        server = served.server
        before = _scraped_accepted(server.url)

        accepted = _until_both_took_some(served, "metrics")

        # each scrape on a new connection: whichever process answers, it counts them all
        for _ in range(6):
            assert _scraped_accepted(server.url) - before == accepted

    def test_log_processors_catch_up_with_events_the_collector_stored(
        self, served: Running
    ) -> None:
        _until_both_took_some(served, "lag")

        def caught_up() -> bool:
            health = httpx.get(f"{served.server.url}/health", timeout=30).json()
            return all(p["behind_events"] == 0 for p in health["processors"].values())

        assert eventually(caught_up, 30)

    def test_a_collector_that_dies_is_replaced_and_its_counts_are_kept(
        self, served: Running
    ) -> None:
        server = served.server
        counted = _scraped_accepted(server.url)
        dead = server.collector

        os.kill(dead, signal.SIGKILL)

        assert eventually(lambda: collectors_of(server.process.pid) not in ([], [dead]), 90)
        [server.collector] = collectors_of(server.process.pid)
        assert eventually(lambda: len(listening_sockets(server.port)) == 2, 90)
        assert len(sockets_of(server.collector) & listening_sockets(server.port)) == 1
        assert _scraped_accepted(server.url) == counted  # the dead process's counts remain
        _until_both_took_some(served, "after-restart")

    def test_sigterm_stops_the_first_process_and_its_collector_and_frees_the_port(
        self, served: Running
    ) -> None:
        # Last in the class on purpose (pytest keeps definition order): it ends the server.
        server = served.server
        server.process.send_signal(signal.SIGTERM)
        code = server.process.wait(STOP_PATIENCE)
        assert eventually(lambda: not running(server.collector), STOP_PATIENCE)
        assert eventually(lambda: port_is_free(server.port), STOP_PATIENCE)
        assert code == 0  # a graceful stop, after the first process's own cleanup
        assert not server.metrics_dir.exists()


class TestFirstProcessKilled:
    def test_sigkill_of_the_first_process_stops_the_collector_and_frees_the_port(
        self, database_url: str, sessions: sessionmaker[Session], tmp_path: Path
    ) -> None:
        # (`sessions` empties the tables afterwards: the server may have written rows)
        server = Server(database_url, tmp_path / "serve.log")
        try:
            server.process.send_signal(signal.SIGKILL)
            assert server.process.wait(STOP_PATIENCE) == -signal.SIGKILL
            assert eventually(lambda: not running(server.collector), 10)
            assert eventually(lambda: port_is_free(server.port), 10)
        finally:
            server.stop()
