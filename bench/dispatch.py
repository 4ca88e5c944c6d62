"""Dispatch benchmark (issue 17): the outbox's side of the whole path alone, repeatable.

A broadcast's fan-out (bench/messaging.py's build: bench/consent.py's profiles, one segment of
everyone, an SMS template) is run once to completion into a pristine store; each run then
starts from a copy of it (SQLite: the file; PostgreSQL: a database created from it as a
template) and drains the queued messages with `deliver_due` as `unison serve`'s outbox loop
does: leases of `--lease`, in-flight batches of `--inflight`, through the real
Twilio-compatible SMS adapter to a local HTTP gateway in another process (its CPU is not
counted), recording each message's row, its `messages` status and its `Message Sent`
receipt. `--check` plugs in the send-time gate (`GateCheck`) as the outbox loop does.

Reported: messages dispatched per second (wall) and per CPU-second of this process
(`time.process_time`, every thread), with `uptime`.

    .venv/bin/python bench/dispatch.py --profiles 20000 --runs 2
    .venv/bin/python bench/dispatch.py --check --database-url postgresql+psycopg://.../h_x
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.gateway import cpu_seconds, serve
from bench.messaging import broadcast, build, segment_of_all
from unison.channels.outbound.sms import SmsSender
from unison.channels.senders import ConfiguredSenders, Route, Suppressions
from unison.kit.db import create_db_engine, make_session_factory
from unison.kit.heap import freeze_startup_heap
from unison.kit.settings import Settings
from unison.messaging.broadcasts.tasks import FanOut
from unison.messaging.send_time import GateCheck
from unison.outbox.delivery import deliver_due


def settings_for(url: str, inflight: int = 50) -> Settings:
    # As bench/messaging.py: no quiet hours, no frequency caps, no send-rate pacing.
    return Settings(
        database_url=url,
        messaging_quiet_start="00:00",
        messaging_quiet_end="00:00",
        messaging_frequency_caps={},
        sms_rate_per_second=0,
        outbox_inflight_batch=inflight,
    )


def prepare(pristine: str, profiles: int) -> None:
    """The pristine store: profiles loaded, the broadcast fanned out, its messages queued."""
    build(pristine, profiles)
    engine = create_db_engine(pristine, sqlite_synchronous="NORMAL")
    sessions = make_session_factory(engine)
    settings = settings_for(pristine)
    broadcast(sessions, settings, segment_of_all(sessions, profiles), "bench dispatch")
    fan_out = FanOut(sessions, settings)
    while fan_out():
        pass
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()


def _admin(url: str) -> Any:
    return create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")


def copy_store(pristine: str, run: str) -> None:
    if pristine.startswith("sqlite"):
        shutil.copyfile(pristine.removeprefix("sqlite:///"), run.removeprefix("sqlite:///"))
        return
    admin = _admin(run)
    with admin.connect() as conn:
        name, source = make_url(run).database, make_url(pristine).database
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{source}"'))
    admin.dispose()


def pristine_of(url: str, profiles: int) -> str:
    if url.startswith("sqlite"):
        return url.replace(".db", f".{profiles}.pristine.db")
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_pristine").render_as_string(False)


def exists(pristine: str) -> bool:
    if pristine.startswith("sqlite"):
        return Path(pristine.removeprefix("sqlite:///")).exists()
    admin = _admin(pristine)
    with admin.connect() as conn:
        query = text("SELECT 1 FROM pg_database WHERE datname = :name")
        found = conn.execute(query, {"name": make_url(pristine).database}).first()
    admin.dispose()
    return found is not None


def dispatch(
    url: str, lease: int, inflight: int, check: bool, profile: str | None, kind: str = "lean"
) -> dict:
    ports: Any = multiprocessing.Queue()
    gateway = multiprocessing.Process(target=serve, args=(ports, kind), daemon=True)
    gateway.start()
    api = f"http://127.0.0.1:{ports.get(timeout=30)}"
    gateway_cpu = cpu_seconds(gateway.pid)
    engine = create_db_engine(url, sqlite_synchronous="NORMAL")
    sessions = make_session_factory(engine)
    settings = settings_for(url, inflight)
    senders = ConfiguredSenders(None, [Route(1, "sms", SmsSender("AC1", "t", "+1500", api=api))])
    gate = GateCheck(settings) if check else None
    freeze_startup_heap()  # as `unison serve` does once started (unison/kit/heap.py)
    spy = None
    if profile:
        spy = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "py-spy"),
                "record",
                "--pid",
                str(os.getpid()),
                "--rate",
                "250",
                "--format",
                "raw",
                "--output",
                profile,
                "--nonblocking",
                "--gil",  # the thread holding the GIL: where Python spends CPU
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(1.0)
    start, cpu, sent = time.perf_counter(), time.process_time(), 0
    own = time.thread_time()  # this thread: lease, check, claim, record (not the sends)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    while batch := deliver_due(
        sessions, settings, senders, limit=lease, check=gate, unreachable=Suppressions()
    ):
        sent += batch
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    own = time.thread_time() - own
    after = resource.getrusage(resource.RUSAGE_SELF)
    if spy is not None:
        spy.send_signal(2)
        spy.wait(30)
    gateway_cpu = cpu_seconds(gateway.pid) - gateway_cpu
    gateway.terminate()
    engine.dispose()
    return {
        "dispatched": sent,
        "seconds": round(elapsed, 2),
        "cpu_seconds": round(cpu, 2),
        "round_thread_cpu_seconds": round(own, 2),
        "system_cpu_seconds": round(after.ru_stime - usage.ru_stime, 2),  # the kernel's part
        "per_second": round(sent / elapsed),
        "per_cpu_second": round(sent / max(cpu, 1e-9)),
        "gateway": kind,
        "gateway_cpu_ms_per_request": round(1000 * gateway_cpu / max(sent, 1), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--profiles", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--lease", type=int, default=500, help="rows leased per round")
    parser.add_argument("--inflight", type=int, default=50, help="UNISON_OUTBOX_INFLIGHT_BATCH")
    parser.add_argument("--check", action="store_true", help="the send-time gate plugged in")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--rebuild", action="store_true", help="build the pristine store again")
    parser.add_argument("--profile", default=None, help="py-spy raw output of the last run")
    parser.add_argument(
        "--gateway", choices=("lean", "stdlib"), default="lean", help="bench/gateway.py"
    )
    args = parser.parse_args()
    folder = Path(tempfile.gettempdir()) / "unison-bench-dispatch"
    folder.mkdir(exist_ok=True)
    url = args.database_url or f"sqlite:///{folder / 'dispatch.db'}"
    pristine = pristine_of(url, args.profiles)
    if args.rebuild or not exists(pristine):
        if not pristine.startswith("sqlite"):
            admin = _admin(url)
            with admin.connect() as conn:
                name = make_url(pristine).database
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            admin.dispose()
        print(f"building {args.profiles:,} profiles into {pristine}", flush=True)
        worker = multiprocessing.Process(target=prepare, args=(pristine, args.profiles))
        worker.start()
        worker.join()
    for run in range(args.runs):
        copy_store(pristine, url)
        last = run == args.runs - 1
        spy = args.profile if last else None
        found = dispatch(url, args.lease, args.inflight, args.check, spy, args.gateway)
        uptime = subprocess.run(["/usr/bin/uptime"], capture_output=True, text=True, check=False)
        print(
            {
                "store": make_url(url).get_backend_name(),
                "check": args.check,
                **found,
                "uptime": uptime.stdout.strip(),
            },
            flush=True,
        )


if __name__ == "__main__":
    main()
