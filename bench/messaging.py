"""Messaging benchmark (issue 17): (a) the whole path — a broadcast's fan-out through the
send pipeline (render, channel choice, gate, `messages` + outbox rows) then dispatch by
`deliver_due` through the real Twilio-compatible SMS adapter to a local HTTP gateway —
messages/s; (b) a broadcast to a P-profile segment gated, rendered and queued: seconds,
peak RSS, and pause latency (the pause request's commit, and no message decided after it).

Profiles, phones/emails and the consent ledger are bench/consent.py's bulk load (so the
gate suppresses some: withdrawn, suppressed); the segment's members are inserted directly.
The broadcast is fanned out by as many processes as `unison serve` runs here (`--fanouts`,
one per core up to 4), each deciding its share of the recipients, as the server's processes
do by default (app/serving.py `fan_out_shares`).

    .venv/bin/python bench/messaging.py --profiles 20000 --deliver 5000
    .venv/bin/python bench/messaging.py --profiles 1000000 --deliver 0
    .venv/bin/python bench/messaging.py --profiles 20000 \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/h_broadcasts_bench
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import consent
from bench.gateway import cpu_seconds, serve
from unison import migrations
from unison.channels.outbound.sms import SmsSender
from unison.channels.senders import ConfiguredSenders, Route
from unison.kit.background import PollingLoop, lower_thread_priority
from unison.kit.db import create_db_engine, make_session_factory, transaction
from unison.kit.heap import freeze_startup_heap
from unison.kit.settings import Settings
from unison.messaging.broadcasts import service as broadcasts
from unison.messaging.broadcasts.schemas import BroadcastCreate
from unison.messaging.broadcasts.tasks import NICE as FAN_OUT_NICE
from unison.messaging.broadcasts.tasks import FanOut
from unison.messaging.send_time import GateCheck
from unison.messaging.templates import schemas as template_schemas
from unison.messaging.templates import service as templates
from unison.models import Message, Segment, SegmentMember
from unison.outbox.delivery import deliver_due

NOW = datetime.now(UTC)
# The platform's default (UNISON_SQLITE_SYNCHRONOUS=FULL: every commit fsynced).
SYNCHRONOUS = Settings().sqlite_synchronous
SMS = {"ka": {"text": "ზამთრის ფასდაკლება! {{ traits.first_name | default('') }}"}}


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(url: str, profiles: int) -> None:
    engine = create_db_engine(url)
    migrations.upgrade(engine)
    engine.dispose()
    if url.startswith("sqlite"):
        consent.load_sqlite(Path(url.removeprefix("sqlite:///")), profiles, 10)
    else:
        from bench import ingest

        store = ingest.PostgresStore("127.0.0.1", 5432, "postgres", url.rsplit("/", 1)[1])
        consent.load_postgres(store, profiles, 10)


def segment_of_all(sessions: Any, profiles: int) -> int:
    with transaction(sessions) as session:
        row = Segment(
            name="bench: everyone",
            description="",
            definition={"kind": "all"},
            text="all",
            active=True,
            version=1,
            member_count=profiles,
            created_at=NOW,
            updated_at=NOW,
        )
        session.add(row)
        session.flush()
        segment_id = row.id
    for start in range(1, profiles + 1, 50_000):
        stop = min(profiles + 1, start + 50_000)
        members = [
            {"segment_id": segment_id, "profile_id": i, "entered_at": NOW}
            for i in range(start, stop)
        ]
        with transaction(sessions) as session:
            session.execute(insert(SegmentMember), members)
    return segment_id


def broadcast(sessions: Any, settings: Settings, segment_id: int, name: str) -> int:
    with transaction(sessions) as session:
        body = template_schemas.TemplateCreate(name=name, channel="sms", variants=SMS)
        template = templates.create(session, settings, body, "bench")
        made = broadcasts.create(
            session,
            BroadcastCreate(name=name, segment_id=segment_id, template_id=template.id),
            "bench",
        )
    return made.id


def settled(sessions: Any, broadcast_id: int) -> int:
    """Recipients the fan-out has put through the pipeline (their rows are settled in the
    transaction that decides their messages): the progress poll, an index range of
    broadcast_recipients. Counting `messages` by broadcast would scan that whole table
    (1.5M earlier messages in bench/gate.py's file) ten times a second, a core's worth of
    the benchmark's own work beside the fan-out it measures."""
    with sessions() as session:
        query = text(
            "SELECT count(*) FROM broadcast_recipients WHERE broadcast_id = :b "
            "AND state IN ('sent', 'failed')"
        )
        return int(session.execute(query, {"b": broadcast_id}).scalar() or 0)


def decided(sessions: Any, broadcast_id: int) -> int:
    with sessions() as session:
        query = select(func.count()).select_from(Message)
        return int(session.execute(query.where(Message.broadcast_id == broadcast_id)).scalar())


def _share_of_fan_out(url: str, settings: Settings, stop: Any, cpu: Any) -> None:
    """Another fan-out process with its own share of the recipients (as `unison serve`'s
    other processes, or a worker with UNISON_BROADCASTS_SHARE=k/n): chunk after chunk until
    stopped."""
    engine = create_db_engine(url, sqlite_synchronous=SYNCHRONOUS)
    fan_out = FanOut(make_session_factory(engine), settings)
    lower_thread_priority(FAN_OUT_NICE)  # as the server's fan-out loop (app/loops.py)
    started = time.process_time()
    while not stop.is_set():
        if not fan_out():
            time.sleep(0.05)
    cpu.put(time.process_time() - started)


class Shares:
    """The fan-out as `fanouts` processes split it: this process's loop with share 0/n and
    n - 1 more processes with theirs."""

    def __init__(self, sessions: Any, settings: Settings, url: str, fanouts: int) -> None:
        share = {"broadcasts_share": f"0/{fanouts}"}
        self.fan_out = FanOut(sessions, settings.model_copy(update=share))
        self.loop = PollingLoop("bench-broadcasts", self.fan_out, 0.05, nice=FAN_OUT_NICE)
        self.stop, self.cpus = multiprocessing.Event(), multiprocessing.Queue()
        self.others = [
            multiprocessing.Process(
                target=_share_of_fan_out,
                args=(
                    url,
                    settings.model_copy(update={"broadcasts_share": f"{k}/{fanouts}"}),
                    self.stop,
                    self.cpus,
                ),
            )
            for k in range(1, fanouts)
        ]

    def start(self) -> None:
        for other in self.others:
            other.start()
        self.loop.start()

    def wait(self) -> None:
        while self.fan_out.unfinished():
            time.sleep(0.05)

    def end(self) -> float:
        """Stopped; the other processes' CPU seconds."""
        self.loop.stop()
        self.stop.set()
        cpu = sum(self.cpus.get(timeout=120) for _ in self.others)
        for other in self.others:
            other.join()
        return float(cpu)


def fan_out_with_pause(
    sessions: Any, settings: Settings, broadcast_id: int, url: str = "", fanouts: int = 1
) -> dict[str, Any]:
    """The fan-out in `fanouts` processes (`Shares`); paused once a tenth is decided,
    resumed at once."""
    shares = Shares(sessions, settings, url, fanouts)
    started, cpu_started = time.perf_counter(), time.process_time()
    shares.start()
    target = max(1, decided_target(sessions, broadcast_id) // 10)
    while settled(sessions, broadcast_id) < target:
        time.sleep(0.1)
    asked, cpu_asked, own_asked = time.perf_counter(), time.process_time(), time.thread_time()
    with transaction(sessions) as session:  # as the API's pause: the change committed,
        changed = broadcasts.change(session, broadcast_id, "paused")
    latency = time.perf_counter() - asked
    pause_cpu = time.thread_time() - own_asked  # the request's own CPU, not its waiting
    with sessions() as session:  # then the counts it answers with
        held = broadcasts.view(session, changed).counts
    answered = time.perf_counter() - asked
    at_pause = decided(sessions, broadcast_id)
    time.sleep(1.0)  # a second later: nothing more decided
    after = decided(sessions, broadcast_id)
    paused_for = time.perf_counter() - asked
    paused_cpu = time.process_time() - cpu_asked
    with transaction(sessions) as session:
        broadcasts.change(session, broadcast_id, "running")
    shares.wait()
    elapsed = time.perf_counter() - started - paused_for
    others_cpu = shares.end()
    # The process's CPU while the fan-out ran (this thread's polling of the counts is in it),
    # less the pause request and its counts: what the fan-out would take on a quiet core.
    cpu = time.process_time() - cpu_started - paused_cpu + others_cpu
    return {
        "fan_out_processes": fanouts,
        "fan_out_seconds": round(elapsed, 2),
        "fan_out_cpu_seconds": round(cpu, 2),
        "pause_latency_seconds": round(latency, 3),
        "pause_answered_with_counts_seconds": round(answered, 3),
        "pause_request_cpu_seconds": round(pause_cpu, 3),
        "held_at_pause": held.held if held else None,
        "decided_at_pause": at_pause,
        "decided_one_second_later": after,
    }


def decided_target(sessions: Any, broadcast_id: int) -> int:
    with sessions() as session:
        query = text("SELECT count(*) FROM segment_members")
        return int(session.execute(query).scalar() or 0)


def start_gateway(kind: str) -> tuple[Any, str]:
    """A local SMS gateway in a process of its own (bench/gateway.py): its CPU is not the
    dispatcher's."""
    ports: Any = multiprocessing.Queue()
    gateway = multiprocessing.Process(target=serve, args=(ports, kind), daemon=True)
    gateway.start()
    return gateway, f"http://127.0.0.1:{ports.get(timeout=30)}"


def deliver(sessions: Any, url: str, limit: int, inflight: int, kind: str) -> dict[str, Any]:
    """Dispatch through the real SMS adapter to a local gateway in another process (its
    CPU is not counted as the dispatcher's)."""
    gateway, api = start_gateway(kind)
    gateway_cpu = cpu_seconds(gateway.pid)
    settings = Settings(database_url=url, sms_rate_per_second=0, outbox_inflight_batch=inflight)
    senders = ConfiguredSenders(None, [Route(1, "sms", SmsSender("AC1", "t", "+1500", api=api))])
    start, cpu, sent = time.perf_counter(), time.process_time(), 0
    while sent < limit and (batch := deliver_due(sessions, settings, senders, limit=500)):
        sent += batch
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    gateway_cpu = cpu_seconds(gateway.pid) - gateway_cpu
    gateway.terminate()
    return {
        "gateway": kind,
        "gateway_cpu_ms_per_request": round(1000 * gateway_cpu / max(sent, 1), 3),
        "dispatched": sent,
        "dispatch_seconds": round(elapsed, 2),
        "dispatch_cpu_seconds": round(cpu, 2),
        "dispatched_per_second": round(sent / elapsed),
        "dispatched_per_cpu_second": round(sent / max(cpu, 1e-9)),
    }


def _dispatcher(url: str, api: str, inflight: int, finished: Any, results: Any) -> None:
    """A dispatcher process of its own (as `unison worker --no-processing --delivery` runs
    one beside `unison serve`'s fan-out), with the send-time gate plugged in as it does: it
    delivers whatever is due until the fan-out has finished and nothing is left."""
    engine = create_db_engine(url, sqlite_synchronous=SYNCHRONOUS)
    sessions = make_session_factory(engine)
    settings = Settings(
        database_url=url,
        sms_rate_per_second=0,
        outbox_inflight_batch=inflight,
        messaging_quiet_start="00:00",
        messaging_quiet_end="00:00",
        messaging_frequency_caps={},
    )
    senders = ConfiguredSenders(None, [Route(1, "sms", SmsSender("AC1", "t", "+1500", api=api))])
    gate = GateCheck(settings)
    sent, cpu, last = 0, time.process_time(), time.perf_counter()
    while True:
        ended = finished.is_set()  # read before the round: a round after it drains the rest
        batch = deliver_due(sessions, settings, senders, limit=500, check=gate)
        sent += batch
        if batch:
            last = time.perf_counter()
        elif ended:
            break
        else:
            time.sleep(0.01)
    results.put((sent, time.process_time() - cpu, last))


def concurrent(
    sessions: Any,
    settings: Settings,
    url: str,
    segment_id: int,
    inflight: int,
    kind: str,
    dispatchers: int = 1,
    fanouts: int = 1,
) -> Any:
    """The whole path as a running platform does it: a second broadcast to the same segment
    fanned out by `fanouts` processes (`Shares`: as `unison serve`'s processes split it)
    while `dispatchers` dispatcher processes deliver its messages as they are queued (the
    first broadcast's are delivered first, not counted). Messages per second from the
    broadcast's start to its last delivery."""
    gateway, api = start_gateway(kind)
    drain = Settings(database_url=url, sms_rate_per_second=0, outbox_inflight_batch=inflight)
    senders = ConfiguredSenders(None, [Route(1, "sms", SmsSender("AC1", "t", "+1500", api=api))])
    while deliver_due(sessions, drain, senders, limit=500):
        pass
    broadcast_id = broadcast(sessions, settings, segment_id, "bench, concurrent")
    gateway_cpu = cpu_seconds(gateway.pid)
    finished: Any = multiprocessing.Event()
    results: Any = multiprocessing.Queue()
    workers = [
        multiprocessing.Process(target=_dispatcher, args=(url, api, inflight, finished, results))
        for _ in range(dispatchers)
    ]
    for worker in workers:
        worker.start()
    shares = Shares(sessions, settings, url, fanouts)
    started, cpu = time.perf_counter(), time.process_time()
    shares.start()
    shares.wait()
    fanned = time.perf_counter() - started
    fan_out_cpu = shares.end()
    finished.set()
    sent, dispatch_cpu, last = 0, 0.0, started
    for _ in workers:
        own_sent, own_cpu, own_last = results.get(timeout=600)
        sent, dispatch_cpu, last = sent + own_sent, dispatch_cpu + own_cpu, max(last, own_last)
    for worker in workers:
        worker.join()
    gateway_cpu = cpu_seconds(gateway.pid) - gateway_cpu
    gateway.terminate()
    elapsed = last - started
    decided_ = decided(sessions, broadcast_id)
    return {
        "concurrent_dispatchers": dispatchers,
        "concurrent_decided": decided_,
        "concurrent_delivered": sent,
        "concurrent_fan_out_seconds": round(fanned, 2),
        "concurrent_seconds_to_last_delivery": round(elapsed, 2),
        "concurrent_decided_per_second": round(decided_ / elapsed),
        "concurrent_delivered_per_second": round(sent / elapsed),
        "concurrent_fan_out_processes": fanouts,
        "concurrent_cpu_seconds": round(time.process_time() - cpu + fan_out_cpu + dispatch_cpu, 2),
        "concurrent_gateway_cpu_seconds": round(gateway_cpu, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--profiles", type=int, default=20_000)
    parser.add_argument("--deliver", type=int, default=5_000, help="messages to dispatch")
    parser.add_argument("--chunk", type=int, default=1000, help="UNISON_BROADCASTS_CHUNK_SIZE")
    parser.add_argument("--chunk-seconds", type=float, default=0.3)
    parser.add_argument("--inflight", type=int, default=50, help="UNISON_OUTBOX_INFLIGHT_BATCH")
    parser.add_argument("--database-url", default=None)
    parser.add_argument(
        "--loaded",
        action="store_true",
        help="the database already holds the profiles (e.g. bench/gate.py's file): no build",
    )
    parser.add_argument(
        "--concurrent",
        action="store_true",
        help="then a second broadcast, fanned out while another process dispatches",
    )
    parser.add_argument(
        "--gateway", choices=("lean", "stdlib"), default="lean", help="bench/gateway.py"
    )
    parser.add_argument(
        "--dispatchers", type=int, default=1, help="with --concurrent: dispatcher processes"
    )
    parser.add_argument(
        "--fanouts",
        type=int,
        # app/serving.py's process_count for the default settings, not imported from there:
        # the app's modules would add some 70 MB to the fan-out's peak RSS measured here.
        default=max(1, min(os.cpu_count() or 1, 4)),
        help="fan-out processes, each with its share (default: as many as `unison serve` "
        "runs here, one per core up to 4, which split each broadcast by default)",
    )
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'messaging.db'}"
    if not args.loaded:
        print(f"load average {os.getloadavg()}, building {args.profiles:,} profiles", flush=True)
        # In a child process: the bulk load's memory is not counted as the fan-out's peak.
        builder = multiprocessing.Process(target=build, args=(url, args.profiles))
        builder.start()
        builder.join()
    engine = create_db_engine(url, sqlite_synchronous=SYNCHRONOUS)
    sessions = make_session_factory(engine)
    settings = Settings(
        database_url=url,
        broadcasts_chunk_size=args.chunk,
        broadcasts_chunk_seconds=args.chunk_seconds,
        messaging_quiet_start="00:00",
        messaging_quiet_end="00:00",
        messaging_frequency_caps={},
    )
    segment_id = segment_of_all(sessions, args.profiles)
    freeze_startup_heap()  # as `unison serve` does once started (unison/kit/heap.py)
    rss_before = rss_mb()
    broadcast_id = broadcast(sessions, settings, segment_id, "bench")
    report: dict[str, Any] = {"store": engine.dialect.name, "profiles": args.profiles}
    report |= fan_out_with_pause(sessions, settings, broadcast_id, url, args.fanouts)
    with sessions() as session:
        report["counts"] = broadcasts.counts(session, broadcast_id).model_dump(
            include={"targeted", "queued", "suppressed", "suppressed_by_reason"}
        )
    report["decided_per_second"] = round(args.profiles / report["fan_out_seconds"])
    report["decided_per_cpu_second"] = round(args.profiles / report["fan_out_cpu_seconds"])
    report["peak_rss_mb"] = round(rss_mb())
    report["rss_before_fan_out_mb"] = round(rss_before)
    if args.deliver:
        report |= deliver(sessions, url, args.deliver, args.inflight, args.gateway)
        queued = report["counts"]["queued"]
        # The whole path per message: its share of the fan-out plus its dispatch.
        per_message = report["fan_out_seconds"] / args.profiles
        per_message += report["dispatch_seconds"] / max(1, report["dispatched"])
        report["whole_path_per_second"] = round(1 / per_message)
        per_cpu = report["fan_out_cpu_seconds"] / args.profiles
        per_cpu += report["dispatch_cpu_seconds"] / max(1, report["dispatched"])
        report["whole_path_per_cpu_second"] = round(1 / per_cpu)
        report["queued_before_dispatch"] = queued
    if args.concurrent:
        report |= concurrent(
            sessions,
            settings,
            url,
            segment_id,
            args.inflight,
            args.gateway,
            args.dispatchers,
            args.fanouts,
        )
    report["load_average"] = os.getloadavg()
    uptime = ["/usr/bin/uptime"]
    report["uptime"] = subprocess.run(
        uptime, capture_output=True, text=True, check=False
    ).stdout.strip()
    print(report, flush=True)


if __name__ == "__main__":
    main()
