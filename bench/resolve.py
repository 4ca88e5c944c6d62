"""Identity-resolution benchmark: the profiles processor (resolution + projection) and lookups.

For each store (the embedded SQLite file, and PostgreSQL when it answers on 127.0.0.1:5432)
and each scenario, against a fresh database:

* ``throughput`` - the demo generator's events of N customers are stored in the log (not
  timed), then ``Runner.drain()`` of the profiles processor is timed in this process; the
  resulting live profiles, identifiers, merges, conflicts and identifier rejections are
  counted. A full ``rebuild()`` is then timed too, and must reproduce the same counts.
* ``visibility`` - ``unison serve`` (processor embedded, as deployed by default; or with
  ``--processor worker`` in a separate ``unison worker`` process) is driven at an offered rate
  of single-event /v1/track calls (open loop, ``bench/loadgen.py`` in its own process) while
  this process polls the processor's committed offset every ~2 ms on its own connection. An
  event is visible at the first poll that saw the offset at or past it; its latency is that
  time minus the received_at the server stamped on it (wall clock, this machine), and also
  minus the time loadgen was due to send it, which adds any queueing before the server read
  the request. On PostgreSQL the log is processed in (txid, id) order, so "at or past"
  compares (txid, id) pairs, not bare ids (a later transaction can commit a smaller id).
* ``lookup`` - P profiles and 3P identifiers (user_id, email, phone) are bulk-inserted
  straight into a fresh database (indexes dropped, rows loaded, the same indexes recreated),
  then ``profiles.service.lookup()`` is timed in-process on random identifiers (a third of
  each type; phones spelled "+995 555 12 34 56" so normalization is included), then lookup()
  plus the 360 view the HTTP endpoint answers with, then the endpoint itself: sequential
  keep-alive GET /api/profiles/lookup against ``unison serve``.

Results print as a table per store, then a summary across stores, and go to
bench/out/resolve-<store>.json. Exit status: 0 ok, 1 if a run went wrong (server died, wrong
lookup answers, rebuild differs, loadgen failed), 2 with ``--strict`` when a target is missed.

    .venv/bin/python bench/resolve.py                  # SQLite, and PostgreSQL if it answers
    .venv/bin/python bench/resolve.py --no-postgres --customers 1000 --profiles 100000
    .venv/bin/python bench/resolve.py --scenarios visibility --seconds 10
    .venv/bin/python bench/resolve.py --scenarios visibility --postgres-only --processor worker
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import http.client
import itertools
import os
import platform
import random
import resource
import secrets
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from array import array
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import ingest  # bench/ingest.py: this script runs as bench/resolve.py, beside it
import orjson
from loadgen import percentiles  # bench/loadgen.py, beside this script
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from unison import migrations
from unison.demo.generator import generate_events
from unison.events.repository import IngestBatch, store_batches
from unison.events.service import prepare_items
from unison.kit.db import create_db_engine, make_session_factory, transaction
from unison.kit.errors import UnisonError
from unison.kit.settings import Settings
from unison.profiles.processor import NAME as PROCESSOR
from unison.profiles.processor import profile_processor
from unison.profiles.service import lookup, lookup_view
from unison.sources.ref import SourceRef
from unison.sources.service import create_source
from unison.worker.rebuild import rebuild
from unison.worker.runner import Runner

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
LOADGEN = BENCH / "loadgen.py"
OUT = BENCH / "out"

TARGET_EVENTS_PER_S = 20_000
TARGET_VISIBLE_P99_MS = 200.0
TARGET_LOOKUP_P99_MS = 5.0
OPEN_MIN_ACHIEVED = ingest.OPEN_MIN_ACHIEVED  # of the offered rate, as bench/ingest.py asks
SCENARIOS = ("throughput", "visibility", "lookup")
INGEST_CHUNK = 2_000  # demo events per stored batch (one commit each) in the throughput setup
LOAD_CHUNK = 50_000  # profiles per transaction / COPY block in the lookup setup
LOOKUP_TYPES = ("user_id", "email", "phone")
FIRST_NAMES = ("nino", "giorgi", "tamar", "davit", "mariam", "levan", "ani", "luka", "armen")
DOMAINS = ("example.com", "mail.example.com", "example.org", "example.net")
PHONE_PREFIX = "+99555"  # Georgian mobile numbers: +995 5xx xxx xxx
NULL = "\\N"  # COPY text format
MAX_PROFILES = 10_000_000  # 7 free digits after PHONE_PREFIX
PROFILE_COLUMNS = (
    "id, canonical_id, created_at, updated_at, identifier_counts, traits, first_seen, "
    "last_seen, event_count, order_count, revenue, last_order_at, channels, search_name"
)
IDENTIFIER_COLUMNS = "id, type, value, profile_id, first_seen, event_id"
COUNTS = {
    "events": "SELECT count(*) FROM events",
    "profiles": "SELECT count(*) FROM profiles",
    "live_profiles": "SELECT count(*) FROM profiles WHERE canonical_id = id",
    "identifiers": "SELECT count(*) FROM identifiers",
    "merges": "SELECT count(*) FROM merges",
    "conflicts": "SELECT count(*) FROM identity_conflicts",
    "identifier_rejections": "SELECT count(*) FROM identifier_rejections",
    "event_profiles": "SELECT count(*) FROM event_profiles",
}

log = ingest.log


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def postgres_cpu_seconds() -> float:
    """CPU seconds used so far by every process named postgres (0 when there is none)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if stat[stat.index("(") + 1 : stat.rindex(")")] != "postgres":
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


class CpuMeter:
    """CPU of this process and of PostgreSQL over a timed section, in percent of one core."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.own = self._own()
        self.postgres = postgres_cpu_seconds()

    @staticmethod
    def _own() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    def read(self) -> dict[str, float]:
        seconds = time.perf_counter() - self.started
        return {
            "seconds": seconds,
            "bench_process_cpu_pct": 100 * (self._own() - self.own) / seconds,
            "postgres_cpu_pct": 100 * (postgres_cpu_seconds() - self.postgres) / seconds,
        }


def engine_for(store: ingest.Store, args: argparse.Namespace) -> Engine:
    return create_db_engine(store.url, sqlite_synchronous=args.sqlite_synchronous)


def settings_for(store: ingest.Store, args: argparse.Namespace) -> Settings:
    return Settings(
        database_url=store.url,
        sqlite_synchronous=args.sqlite_synchronous,
        processor_batch_size=args.batch_size,
    )


def count_rows(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            name: int(connection.execute(text(sql)).scalar_one()) for name, sql in COUNTS.items()
        }


def pg_conninfo(store: ingest.PostgresStore) -> str:
    return f"host={store.host} port={store.port} user={store.user} dbname={store.database}"


def database_bytes(store: ingest.Store) -> int:
    if isinstance(store, ingest.SqliteStore):
        return sum(
            Path(f"{store.path}{suffix}").stat().st_size
            for suffix in ("", "-wal")
            if Path(f"{store.path}{suffix}").exists()
        )
    assert isinstance(store, ingest.PostgresStore)
    return int(store.psql("SELECT pg_database_size(current_database())", store.database))


def get_json(port: int, path: str) -> Any:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as answer:
        return orjson.loads(answer.read())


def create_token(store: ingest.Store, args: argparse.Namespace, workdir: Path) -> str:
    out = subprocess.run(
        [*ingest.unison_command(), "tokens", "create", "bench-admin", "--role", "admin", "-q"],
        env={**ingest.server_env(store, args.sqlite_synchronous), "COLUMNS": "500"},
        cwd=workdir,
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip().splitlines()[-1].strip()


@contextlib.contextmanager
def serving(
    store: ingest.Store,
    args: argparse.Namespace,
    workdir: Path,
    label: str,
    *,
    embedded: bool = True,
) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """`unison serve`, by default with the profiles processor embedded (the default deployment).

    bench/ingest.py's server_env turns the embedded processor off unless the environment
    says otherwise (it measures collection alone), so the environment says so here.
    """
    saved = os.environ.get("UNISON_EMBEDDED_WORKER")
    os.environ["UNISON_EMBEDDED_WORKER"] = "true" if embedded else "false"
    try:
        with ingest.running_server(store, args.sqlite_synchronous, workdir, label) as running:
            yield running
    finally:
        if saved is None:
            os.environ.pop("UNISON_EMBEDDED_WORKER", None)
        else:
            os.environ["UNISON_EMBEDDED_WORKER"] = saved


@contextlib.contextmanager
def separate_worker(
    store: ingest.Store, args: argparse.Namespace, workdir: Path, label: str
) -> Iterator[subprocess.Popen[bytes] | None]:
    """With ``--processor worker``: the profiles processor in a `unison worker` process."""
    if args.processor != "worker":
        yield None
        return
    env = {**ingest.server_env(store, args.sqlite_synchronous), "UNISON_EMBEDDED_WORKER": "false"}
    command = [*ingest.unison_command(), "worker", "--batch-size", str(args.batch_size)]
    command += ["--poll", str(args.worker_poll)]
    with (workdir / f"worker-{label}.log").open("wb") as out:
        proc = subprocess.Popen(command, env=env, cwd=workdir, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


# --------------------------------------------------------------------------------------------
# Scenario 1: throughput of drain() and rebuild()
# --------------------------------------------------------------------------------------------


def store_demo_events(
    sessions: sessionmaker[Session], ref: SourceRef, customers: int, seed: int
) -> dict[str, Any]:
    """The demo history of `customers` customers into the log, as the API would store it."""
    max_bytes = Settings().max_event_bytes
    started = time.perf_counter()
    totals = {"generated": 0, "stored": 0, "rejected": 0, "duplicates": 0}

    def flush(items: list[dict[str, Any]]) -> None:
        now = datetime.now(UTC)
        prepared = prepare_items(items, source=ref, received_at=now, max_event_bytes=max_bytes)
        with sessions() as session:
            [outcome] = store_batches(
                session, [IngestBatch(prepared.rows, prepared.rejections, ref.id, "api", now)]
            )
            session.commit()
        totals["generated"] += len(items)
        totals["stored"] += outcome.accepted
        totals["duplicates"] += outcome.duplicates
        totals["rejected"] += outcome.rejected

    pending: list[dict[str, Any]] = []
    for event in generate_events(customers, seed):
        pending.append(event)
        if len(pending) == INGEST_CHUNK:
            flush(pending)
            pending = []
    if pending:
        flush(pending)
    totals["seconds"] = time.perf_counter() - started
    return totals


def scenario_throughput(store: ingest.Store, args: argparse.Namespace) -> dict[str, Any]:
    label = f"{store.name}-throughput"
    store.fresh(label)
    engine = engine_for(store, args)
    try:
        migrations.upgrade(engine)
        sessions = make_session_factory(engine)
        with transaction(sessions) as session:
            source, _key = create_source(session, "bench", "web")
            ref = SourceRef(source.id, source.name, source.channel)
        log(f"{store.name}/throughput: storing the demo events of {args.customers:,} customers")
        setup = store_demo_events(sessions, ref, args.customers, args.seed)
        log(
            f"{store.name}/throughput: {setup['stored']:,} events stored in "
            f"{setup['seconds']:.1f} s (not timed); draining the profiles processor"
        )
        background = ingest.wait_for_quiet(args.quiet_wait)
        settings = settings_for(store, args)
        runner = Runner(sessions, profile_processor(settings), batch_size=args.batch_size)
        meter = CpuMeter()
        started = time.perf_counter()
        processed = runner.drain()
        seconds = time.perf_counter() - started
        drain = {
            "events": processed,
            "seconds": seconds,
            "events_per_s": processed / seconds if seconds else 0.0,
            "cpu": meter.read(),
        }
        counts = count_rows(engine)
        log(
            f"{store.name}/throughput: drain {processed:,} events in {seconds:.2f} s = "
            f"{drain['events_per_s']:,.0f} events/s; {counts['live_profiles']:,} live profiles, "
            f"{counts['identifiers']:,} identifiers, {counts['merges']:,} merges"
        )
        ingest.wait_for_quiet(args.quiet_wait)
        meter = CpuMeter()
        started = time.perf_counter()
        replayed = rebuild(sessions, profile_processor(settings), batch_size=args.batch_size)
        seconds = time.perf_counter() - started
        rebuilt = {
            "events": replayed,
            "seconds": seconds,
            "events_per_s": replayed / seconds if seconds else 0.0,
            "cpu": meter.read(),
            "counts": count_rows(engine),
        }
        log(
            f"{store.name}/throughput: rebuild {replayed:,} events in {seconds:.2f} s = "
            f"{rebuilt['events_per_s']:,.0f} events/s"
        )
    finally:
        engine.dispose()
    return {
        "title": f"drain() of the demo events of {args.customers:,} customers",
        "customers": args.customers,
        "batch_size": args.batch_size,
        "background_cores_before": round(background, 2),
        "setup": setup,
        "drain": drain,
        "counts": counts,
        "rebuild": rebuilt,
        "rebuild_matches": rebuilt["counts"] == counts,
        "database_bytes": database_bytes(store),
    }


# --------------------------------------------------------------------------------------------
# Scenario 2: visibility latency under an offered load
# --------------------------------------------------------------------------------------------


LoggedEvent = tuple[tuple[int, int], float, int]  # (txid, id), received_at, loadgen number


class OffsetPoller:
    """Reads the processor's committed offset on a connection of its own."""

    def __init__(self, store: ingest.Store) -> None:
        self.sqlite = isinstance(store, ingest.SqliteStore)
        if isinstance(store, ingest.SqliteStore):
            self.db: Any = sqlite3.connect(store.path, isolation_level=None, timeout=30)
            self.sql = "SELECT position, txid FROM processor_offsets WHERE name = ?"
        else:
            import psycopg

            assert isinstance(store, ingest.PostgresStore)
            self.db = psycopg.connect(pg_conninfo(store), autocommit=True)
            self.sql = "SELECT position, txid FROM processor_offsets WHERE name = %s"

    def key(self) -> tuple[int, int]:
        """(txid, position): the log order the processor follows (txid is 0 on SQLite)."""
        row = self.db.execute(self.sql, (PROCESSOR,)).fetchone()
        return (0, 0) if row is None else (int(row[1] or 0), int(row[0]))

    def last_event(self) -> tuple[int, int]:
        if self.sqlite:
            row = self.db.execute("SELECT max(id) FROM events").fetchone()
            return (0, int(row[0] or 0))
        row = self.db.execute(
            "SELECT txid, id FROM events ORDER BY txid DESC, id DESC LIMIT 1"
        ).fetchone()
        return (0, 0) if row is None else (int(row[0]), int(row[1]))

    def events(self, tag: str) -> list[LoggedEvent]:
        """Every event in the log: its (txid, id), arrival time, and loadgen sequence number."""
        if self.sqlite:
            rows = self.db.execute(
                "SELECT 0, id, received_at, message_id FROM events ORDER BY id"
            ).fetchall()
        else:
            rows = self.db.execute(
                "SELECT txid, id, received_at, message_id FROM events"
            ).fetchall()
        prefix = f"{tag}-"
        out = []
        for txid, event_id, received, message_id in rows:
            if isinstance(received, str):  # SQLite: naive UTC text
                received = datetime.fromisoformat(received).replace(tzinfo=UTC)
            n = message_id[len(prefix) :] if message_id.startswith(prefix) else ""
            out.append(
                ((int(txid), int(event_id)), received.timestamp(), int(n) if n.isdigit() else -1)
            )
        return out

    def close(self) -> None:
        self.db.close()


class PollLog:
    def __init__(self) -> None:
        self.times = array("d")
        self.keys: list[tuple[int, int]] = []

    def sample(self, poller: OffsetPoller) -> tuple[int, int]:
        key = poller.key()
        self.times.append(time.time())  # after the answer: never earlier than the truth
        self.keys.append(key)
        return key


def scenario_visibility(
    store: ingest.Store,
    args: argparse.Namespace,
    pools: dict[str, Path],
    workdir: Path,
    run_id: str,
) -> dict[str, Any]:
    label = f"{store.name}-visibility"
    background = ingest.wait_for_quiet(args.quiet_wait)
    store.fresh(label)
    key = ingest.create_source(store, args.sqlite_synchronous, workdir)
    result_file = workdir / f"loadgen-{label}.json"
    tag = f"{run_id}-visibility"
    polls = PollLog()
    title = (
        f"/v1/track open loop at {args.rate:,.0f}/s, {args.connections} conn, "
        f"{args.warmup:g} s warm-up + {args.seconds:g} s, {args.processor} processor"
    )
    embedded = args.processor == "embedded"
    with (
        serving(store, args, workdir, label, embedded=embedded) as (proc, port),
        separate_worker(store, args, workdir, label) as worker,
    ):
        log(f"{store.name}/visibility: server pid {proc.pid} on :{port}; {title}")
        poller = OffsetPoller(store)
        try:
            options = {
                "port": port,
                "key": key,
                "pool": pools["track"],
                "path": "/v1/track",
                "batch": 0,
                "connections": args.connections,
                "rate": args.rate,
                "seconds": args.seconds,
                "warmup": args.warmup,
                "tag": tag,
                "server-pid": proc.pid,
                "drain-timeout": 15,
                "out": result_file,
            }
            command = [sys.executable, str(LOADGEN)]
            for option, value in options.items():
                command += [f"--{option}", str(value)]
            loadgen = subprocess.Popen(command, cwd=ROOT)
            try:
                while loadgen.poll() is None:
                    polls.sample(poller)
                    time.sleep(args.poll_interval)
            finally:
                if loadgen.poll() is None:
                    loadgen.kill()
                    loadgen.wait()
            if loadgen.returncode != 0:
                raise RuntimeError(f"loadgen exited with status {loadgen.returncode}")
            ingest_done = time.time()
            last = poller.last_event()
            deadline = time.monotonic() + args.catchup_timeout
            while polls.sample(poller) < last and time.monotonic() < deadline:
                time.sleep(args.poll_interval)
            caught_up = polls.keys[-1] >= last
            catchup_s = polls.times[-1] - ingest_done
            health = get_json(port, "/health")
            events = poller.events(tag)
        finally:
            poller.close()
        server_alive = proc.poll() is None and (worker is None or worker.poll() is None)
    load: dict[str, Any] = orjson.loads(result_file.read_bytes())
    result = visibility_figures(events, polls, args.warmup, args.rate)
    result.update(
        {
            "title": title,
            "processor": args.processor,
            "offered_rate": args.rate,
            "background_cores_before": round(background, 2),
            "caught_up": caught_up,
            "catchup_after_load_s": catchup_s,
            "health_at_end": health,
            "server_alive_at_end": server_alive,
            "loadgen": {
                "window": load["window"],
                "total": load["total"],
                "resources": load.get("resources", {}),
            },
        }
    )
    lat = result["latency_ms"]
    behind = health.get("processors", {}).get(PROCESSOR, {}).get("behind_events")
    log(
        f"{store.name}/visibility: {result['window_events']:,} events in the window, "
        f"{result['seen_fraction']:.2%} seen processed; latency p50 {ingest._ms(lat['p50'])} "
        f"p99 {ingest._ms(lat['p99'])} max {ingest._ms(lat['max'])} ms from received_at, p99 "
        f"{ingest._ms(result['latency_from_due_ms']['p99'])} ms from due; behind at end {behind}"
    )
    return result


def visibility_figures(
    events: list[LoggedEvent], polls: PollLog, warmup: float, rate: float
) -> dict[str, Any]:
    """Per event: visible_at = the first poll that saw the offset at or past it.

    Two latencies: from received_at (stamped by the server when it has read the request), and
    from the time loadgen was due to send it. loadgen sends event n of an open-loop run at
    start + n / rate whatever the server does (messageId "<tag>-<n>"), so the second one also
    counts time spent queued before the server read the request. start is estimated as the
    least received_at - n / rate (no event arrives before it is due). The window leaves out
    the events due in the warm-up.
    """
    keys, times = polls.keys, polls.times
    monotonic = all(a <= b for a, b in itertools.pairwise(keys))
    numbered = [e for e in events if e[2] >= 0]
    start = min((received - n / rate for _, received, n in numbered), default=0.0)
    from_received: list[float] = []
    from_due: list[float] = []
    unseen = 0
    per_second: dict[int, list[float]] = {}
    for key, received, n in numbered:
        due = start + n / rate
        if due < start + warmup:
            continue
        at = bisect.bisect_left(keys, key)  # first poll whose offset is at or past the event
        if at == len(keys):
            unseen += 1
            continue
        from_received.append((times[at] - received) * 1000.0)
        from_due.append((times[at] - due) * 1000.0)
        per_second.setdefault(int(due - start - warmup), []).append(from_due[-1])
    gaps = [(b - a) * 1000.0 for a, b in itertools.pairwise(times)]
    moved = [times[i] for i in range(1, len(keys)) if keys[i] != keys[i - 1]]
    advances = len(moved)
    window = len(from_received) + unseen
    seconds = [
        {"second": s, "events": len(v), "p99_ms": percentiles(v)["p99"], "max_ms": max(v)}
        for s, v in sorted(per_second.items())
    ]
    return {
        "events": len(events),
        "events_not_from_loadgen": len(events) - len(numbered),
        "window_events": window,
        "seen": len(from_received),
        "unseen": unseen,
        "seen_fraction": len(from_received) / window if window else 0.0,
        "latency_ms": percentiles(from_received),
        "latency_basis": "visible_at - received_at",
        "latency_from_due_ms": percentiles(from_due),
        "polls": len(keys),
        "poll_gap_ms": percentiles(gaps),
        "offset_advances": advances,
        "events_per_advance": len(events) / advances if advances else None,
        # how long the offset stood still between two moves: the processor's batch cycle
        "advance_interval_ms": percentiles(
            [(b - a) * 1000.0 for a, b in itertools.pairwise(moved)]
        ),
        "offset_monotonic": monotonic,
        "worst_seconds_from_due": sorted(seconds, key=lambda s: -(s["max_ms"] or 0))[:5],
        "per_second_from_due": seconds,
    }


# --------------------------------------------------------------------------------------------
# Scenario 3: lookups with P profiles and 3P identifiers
# --------------------------------------------------------------------------------------------


def user_id_of(i: int) -> str:
    return f"u_{(i * 0x9E3779B1) & 0xFFFFFFFFFFFF:012x}"  # odd multiplier: unique below 2**48


def email_of(i: int) -> str:
    return f"{FIRST_NAMES[i % len(FIRST_NAMES)]}{i}@{DOMAINS[(i // 7) % len(DOMAINS)]}"


def phone_of(i: int) -> str:
    return f"{PHONE_PREFIX}{(i * 7919 + 1_234_567) % MAX_PROFILES:07d}"  # unique below 10**7


def spelled_phone(e164: str) -> str:
    """+995555123456 -> "+995 555 12 34 56", as people type it."""
    national = e164[4:]
    return f"+995 {national[:3]} {national[3:5]} {national[5:7]} {national[7:]}"


def identifier_values(i: int) -> tuple[str, str, str]:
    return user_id_of(i), email_of(i), phone_of(i)


def profile_json() -> tuple[str, str]:
    counts = orjson.dumps({"email": 1, "phone": 1, "user_id": 1}).decode()
    return counts, "{}"


def load_sqlite(store: ingest.SqliteStore, profiles: int) -> dict[str, Any]:
    counts, empty = profile_json()
    db = sqlite3.connect(store.path, isolation_level=None)
    try:
        db.execute("PRAGMA synchronous=OFF")  # the load only; the server uses its own setting
        db.execute("PRAGMA cache_size=-524288")
        indexes = db.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            "AND tbl_name IN ('profiles', 'identifiers')"
        ).fetchall()
        for name, _ in indexes:
            db.execute(f'DROP INDEX "{name}"')
        started = time.perf_counter()
        base = datetime(2026, 1, 1)
        insert_profile = (
            f"INSERT INTO profiles ({PROFILE_COLUMNS}) "  # noqa: S608
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, 0, ?, NULL, ?, NULL)"
        )
        insert_identifier = (
            f"INSERT INTO identifiers ({IDENTIFIER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)"  # noqa: S608
        )
        for start in range(1, profiles + 1, LOAD_CHUNK):
            end = min(profiles + 1, start + LOAD_CHUNK)
            stamp = (base + timedelta(seconds=start)).isoformat(" ", timespec="microseconds")
            db.execute("BEGIN")
            db.executemany(
                insert_profile,
                (
                    (i, i, stamp, stamp, counts, empty, stamp, stamp, empty, empty)
                    for i in range(start, end)
                ),
            )
            db.executemany(
                insert_identifier,
                (
                    (3 * (i - 1) + n + 1, kind, value, i, stamp, i)
                    for i in range(start, end)
                    for n, (kind, value) in enumerate(
                        zip(LOOKUP_TYPES, identifier_values(i), strict=True)
                    )
                ),
            )
            db.execute("COMMIT")
        rows_s = time.perf_counter() - started
        for _, sql in indexes:
            db.execute(sql)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        index_s = time.perf_counter() - started - rows_s
    finally:
        db.close()
    return {
        "method": "sqlite3 executemany, 50k profiles per transaction, indexes rebuilt after",
        "rows_seconds": rows_s,
        "index_seconds": index_s,
        "indexes_rebuilt": [name for name, _ in indexes],
        "analyze": False,
    }


def load_postgres(store: ingest.PostgresStore, profiles: int) -> dict[str, Any]:
    import psycopg

    counts, empty = profile_json()
    with psycopg.connect(pg_conninfo(store), autocommit=True) as db:
        indexes = db.execute(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid IN ('profiles'::regclass, 'identifiers'::regclass) "
            "AND NOT i.indisprimary"
        ).fetchall()
        for name, _ in indexes:
            db.execute(f'DROP INDEX "{name}"')
        started = time.perf_counter()
        base = datetime(2026, 1, 1, tzinfo=UTC)
        with db.cursor() as cur:
            for start in range(1, profiles + 1, LOAD_CHUNK):
                end = min(profiles + 1, start + LOAD_CHUNK)
                stamp = (base + timedelta(seconds=start)).isoformat(" ")
                tail = "\t".join(
                    (
                        "",
                        stamp,
                        stamp,
                        counts,
                        empty,
                        stamp,
                        stamp,
                        "1",
                        "0",
                        empty,
                        NULL,
                        empty,
                        NULL,
                    )
                )
                with db.transaction():
                    with cur.copy(f"COPY profiles ({PROFILE_COLUMNS}) FROM STDIN") as copy:
                        copy.write("".join(f"{i}\t{i}{tail}\n" for i in range(start, end)))
                    with cur.copy(f"COPY identifiers ({IDENTIFIER_COLUMNS}) FROM STDIN") as copy:
                        copy.write(
                            "".join(
                                f"{3 * (i - 1) + n + 1}\t{kind}\t{value}\t{i}\t{stamp}\t{i}\n"
                                for i in range(start, end)
                                for n, (kind, value) in enumerate(
                                    zip(LOOKUP_TYPES, identifier_values(i), strict=True)
                                )
                            )
                        )
            db.execute(
                "SELECT setval(pg_get_serial_sequence('identifiers', 'id'), %s)", (3 * profiles,)
            )
        rows_s = time.perf_counter() - started
        db.execute("SET maintenance_work_mem = '512MB'")
        for _, sql in indexes:
            db.execute(sql)
        index_s = time.perf_counter() - started - rows_s
        # autovacuum would do this shortly after such a load; doing it now keeps it out of
        # the measurement (and gives index-only scans an up-to-date visibility map).
        db.execute("VACUUM ANALYZE profiles")
        db.execute("VACUUM ANALYZE identifiers")
        analyze_s = time.perf_counter() - started - rows_s - index_s
    return {
        "method": "psycopg COPY, 50k profiles per transaction, indexes rebuilt after",
        "rows_seconds": rows_s,
        "index_seconds": index_s,
        "indexes_rebuilt": [name for name, _ in indexes],
        "analyze": True,
        "vacuum_analyze_seconds": analyze_s,
    }


def lookup_sample(profiles: int, count: int, rng: random.Random) -> list[tuple[str, str, int]]:
    """(type, value as a caller would write it, the profile that holds it)."""
    sample = []
    for k in range(count):
        i = rng.randint(1, profiles)
        kind = LOOKUP_TYPES[k % len(LOOKUP_TYPES)]
        value = identifier_values(i)[k % len(LOOKUP_TYPES)]
        sample.append((kind, spelled_phone(value) if kind == "phone" else value, i))
    rng.shuffle(sample)
    return sample


def lookups_in_process(
    store: ingest.Store,
    args: argparse.Namespace,
    warm: list[Any],
    sample: list[Any],
    *,
    view: bool = False,
) -> dict[str, Any]:
    """`lookup()` in a session of its own per call; with `view`, also the 360 view that
    GET /api/profiles/lookup answers with (`lookup_view`), to split the HTTP figure."""
    engine = engine_for(store, args)
    sessions = make_session_factory(engine)
    latencies: dict[str, list[float]] = {kind: [] for kind in LOOKUP_TYPES}
    wrong = errors = 0
    samples: list[str] = []
    meter = CpuMeter()
    try:
        for measured, items in ((False, warm), (True, sample)):
            if measured:
                meter = CpuMeter()
            for kind, value, expected in items:
                started = time.perf_counter()
                try:
                    with sessions() as session:
                        found: int | None = (
                            lookup_view(session, kind, value).id
                            if view
                            else lookup(session, kind, value).id
                        )
                except UnisonError as exc:
                    found = None
                    errors += 1
                    if len(samples) < 5:
                        samples.append(f"{kind} {value!r}: {exc.detail}")
                elapsed = (time.perf_counter() - started) * 1000.0
                if not measured:
                    continue
                latencies[kind].append(elapsed)
                if found is not None and found != expected:
                    wrong += 1
                    if len(samples) < 5:
                        samples.append(f"{kind} {value!r}: profile {found}, expected {expected}")
    finally:
        engine.dispose()
    every = [ms for values in latencies.values() for ms in values]
    return {
        "lookups": len(every),
        "warmup_lookups": len(warm),
        "latency_ms": percentiles(every),
        "latency_ms_by_type": {kind: percentiles(v) for kind, v in latencies.items()},
        "errors": errors,
        "wrong_profile": wrong,
        "error_samples": samples,
        "cpu": meter.read(),
        "session_per_lookup": True,
        "with_profile_view": view,
    }


def lookups_over_http(
    port: int, token: str, warm: list[Any], sample: list[Any], server_pid: int
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies: dict[str, list[float]] = {kind: [] for kind in LOOKUP_TYPES}
    wrong = errors = 0
    samples: list[str] = []
    cpu_before = _process_cpu(server_pid)
    meter = CpuMeter()
    try:
        for measured, items in ((False, warm), (True, sample)):
            if measured:
                meter = CpuMeter()
                cpu_before = _process_cpu(server_pid)
            for kind, value, expected in items:
                path = "/api/profiles/lookup?" + urllib.parse.urlencode(
                    {"type": kind, "value": value}
                )
                started = time.perf_counter()
                connection.request("GET", path, headers=headers)
                answer = connection.getresponse()
                body = answer.read()
                elapsed = (time.perf_counter() - started) * 1000.0
                if not measured:
                    continue
                latencies[kind].append(elapsed)
                if answer.status != 200:
                    errors += 1
                    if len(samples) < 5:
                        samples.append(f"{kind} {value!r}: {answer.status} {body[:200]!r}")
                elif orjson.loads(body)["id"] != expected:
                    wrong += 1
                    if len(samples) < 5:
                        samples.append(f"{kind} {value!r}: {body[:200]!r}, expected {expected}")
    finally:
        connection.close()
    every = [ms for values in latencies.values() for ms in values]
    cpu = meter.read()
    cpu["server_cpu_pct"] = 100 * (_process_cpu(server_pid) - cpu_before) / cpu["seconds"]
    return {
        "requests": len(every),
        "warmup_requests": len(warm),
        "latency_ms": percentiles(every),
        "latency_ms_by_type": {kind: percentiles(v) for kind, v in latencies.items()},
        "requests_per_s": len(every) / cpu["seconds"] if cpu["seconds"] else 0.0,
        "errors": errors,
        "wrong_profile": wrong,
        "error_samples": samples,
        "cpu": cpu,
        "client": "http.client, one keep-alive connection, sequential",
    }


def _process_cpu(pid: int) -> float:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def scenario_lookup(store: ingest.Store, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    label = f"{store.name}-lookup"
    store.fresh(label)
    engine = engine_for(store, args)
    try:
        migrations.upgrade(engine)
    finally:
        engine.dispose()
    log(
        f"{store.name}/lookup: bulk-loading {args.profiles:,} profiles and "
        f"{3 * args.profiles:,} identifiers"
    )
    started = time.perf_counter()
    if isinstance(store, ingest.SqliteStore):
        load = load_sqlite(store, args.profiles)
    else:
        assert isinstance(store, ingest.PostgresStore)
        load = load_postgres(store, args.profiles)
    load["seconds"] = time.perf_counter() - started
    load["database_bytes"] = database_bytes(store)
    engine = engine_for(store, args)
    try:
        load["counts"] = {
            name: count_rows_one(engine, name) for name in ("live_profiles", "identifiers")
        }
    finally:
        engine.dispose()
    log(
        f"{store.name}/lookup: loaded in {load['seconds']:.1f} s "
        f"({load['database_bytes'] / 1e6:,.0f} MB); {args.lookups:,} in-process lookups"
    )
    rng = random.Random(args.seed)
    warm = lookup_sample(args.profiles, args.lookup_warmup, rng)
    sample = lookup_sample(args.profiles, args.lookups, rng)
    background = ingest.wait_for_quiet(args.quiet_wait)
    in_process = lookups_in_process(store, args, warm, sample)
    lat = in_process["latency_ms"]
    log(
        f"{store.name}/lookup: in-process p50 {ingest._ms(lat['p50'])} p99 "
        f"{ingest._ms(lat['p99'])} ms; {args.http_lookups:,} lookups over HTTP"
    )
    view_sample = lookup_sample(args.profiles, args.http_lookups, rng)
    with_view = lookups_in_process(store, args, warm, view_sample, view=True)
    lat = with_view["latency_ms"]
    log(
        f"{store.name}/lookup: in-process lookup + profile_view p50 {ingest._ms(lat['p50'])} "
        f"p99 {ingest._ms(lat['p99'])} ms"
    )
    token = create_token(store, args, workdir)
    http_warm = lookup_sample(args.profiles, args.lookup_warmup, rng)
    http_sample = lookup_sample(args.profiles, args.http_lookups, rng)
    with serving(store, args, workdir, label) as (proc, port):
        ingest.wait_for_quiet(args.quiet_wait)
        over_http = lookups_over_http(port, token, http_warm, http_sample, proc.pid)
        server_alive = proc.poll() is None
    lat = over_http["latency_ms"]
    log(
        f"{store.name}/lookup: HTTP p50 {ingest._ms(lat['p50'])} p99 {ingest._ms(lat['p99'])} ms, "
        f"{over_http['errors']} errors, {over_http['wrong_profile']} wrong answers"
    )
    return {
        "title": f"{args.profiles:,} profiles, {3 * args.profiles:,} identifiers",
        "profiles": args.profiles,
        "identifiers": 3 * args.profiles,
        "background_cores_before": round(background, 2),
        "load": load,
        "in_process": in_process,
        "in_process_with_view": with_view,
        "http": over_http,
        "server_alive_at_end": server_alive,
    }


def count_rows_one(engine: Engine, name: str) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text(COUNTS[name])).scalar_one())


# --------------------------------------------------------------------------------------------
# Targets and report
# --------------------------------------------------------------------------------------------


def evaluate(report: dict[str, Any]) -> list[dict[str, Any]]:
    s = report["scenarios"]
    targets: list[dict[str, Any]] = []

    def add(key: str, name: str, value: float | None, target: str, passed: bool | None) -> None:
        targets.append({"key": key, "name": name, "value": value, "target": target, "pass": passed})

    if "throughput" in s:
        v = s["throughput"]["drain"]["events_per_s"]
        add("drain", "drain() events/s", v, f">= {TARGET_EVENTS_PER_S:,}", v >= TARGET_EVENTS_PER_S)
        v = s["throughput"]["rebuild"]["events_per_s"]
        add("rebuild", "rebuild() events/s", v, "(info)", None)
    if "visibility" in s:
        v = s["visibility"]
        p99 = v["latency_ms"]["p99"]
        add(
            "visible_p99",
            f"visible p99 ms at {v['offered_rate']:,.0f}/s offered",
            p99,
            f"< {TARGET_VISIBLE_P99_MS:g}",
            p99 is not None and p99 < TARGET_VISIBLE_P99_MS,
        )
        add("visible_p50", "visible p50 ms", v["latency_ms"]["p50"], "(info)", None)
        add("visible_max", "visible max ms", v["latency_ms"]["max"], "(info)", None)
        due = v["latency_from_due_ms"]["p99"]
        add(
            "visible_due_p99",
            "visible p99 ms from due (incl. queueing)",
            due,
            f"< {TARGET_VISIBLE_P99_MS:g}",
            due is not None and due < TARGET_VISIBLE_P99_MS,
        )
        add(
            "visible_seen",
            "events seen processed",
            v["seen_fraction"],
            "100%",
            v["window_events"] > 0 and v["unseen"] == 0,
        )
        behind = v["health_at_end"].get("processors", {}).get(PROCESSOR, {}).get("behind_events")
        add("behind", "/health behind_events at end", behind, "0", behind == 0)
        achieved = v["loadgen"]["window"]["requests_per_s"] / v["offered_rate"]
        add(
            "achieved",
            "ingest achieved / offered",
            achieved,
            f">= {OPEN_MIN_ACHIEVED:.0%}",
            achieved >= OPEN_MIN_ACHIEVED,
        )
    if "lookup" in s:
        lk = s["lookup"]
        for key, name, part in (
            ("lookup_inproc", "lookup() in-process p99 ms", lk["in_process"]),
            ("lookup_http", "GET lookup over HTTP p99 ms", lk["http"]),
        ):
            p99 = part["latency_ms"]["p99"]
            add(
                key,
                name,
                p99,
                f"< {TARGET_LOOKUP_P99_MS:g}",
                p99 is not None and p99 < TARGET_LOOKUP_P99_MS,
            )
            add(f"{key}_p50", name.replace("p99", "p50"), part["latency_ms"]["p50"], "(info)", None)
        view = lk["in_process_with_view"]["latency_ms"]
        add("lookup_view", "lookup()+profile_view() p99 ms", view["p99"], "(info)", None)
    return targets


def problems_of(report: dict[str, Any]) -> list[str]:
    s = report["scenarios"]
    problems = []
    if "throughput" in s:
        t = s["throughput"]
        if t["setup"]["rejected"] or t["setup"]["duplicates"]:
            problems.append(
                f"throughput: {t['setup']['rejected']} rejected and {t['setup']['duplicates']} "
                "duplicate demo events while storing the log"
            )
        if t["drain"]["events"] != t["setup"]["stored"]:
            problems.append(
                f"throughput: drain processed {t['drain']['events']:,} of "
                f"{t['setup']['stored']:,} events"
            )
        if not t["rebuild_matches"]:
            problems.append(
                f"throughput: rebuild gave {t['rebuild']['counts']} where drain gave {t['counts']}"
            )
    if "visibility" in s:
        v = s["visibility"]
        total = v["loadgen"]["total"]
        if total["errors"]:
            problems.append(f"visibility: {total['errors']} ingest requests failed")
        if v["events"] != total["events_acked"]:
            problems.append(
                f"visibility: {v['events']:,} events stored, {total['events_acked']:,} acked"
            )
        if not v["offset_monotonic"]:
            problems.append("visibility: the processor offset went backwards")
        if not v["server_alive_at_end"]:
            problems.append("visibility: the server died during the run")
        embedded = v["health_at_end"].get("processors", {}).get(PROCESSOR, {}).get("embedded")
        if embedded != (v["processor"] == "embedded"):
            problems.append(
                f"visibility: asked for the {v['processor']} processor, /health says {embedded=}"
            )
    if "lookup" in s:
        lk = s["lookup"]
        for part in ("in_process", "in_process_with_view", "http"):
            if lk[part]["errors"] or lk[part]["wrong_profile"]:
                problems.append(
                    f"lookup/{part}: {lk[part]['errors']} errors, {lk[part]['wrong_profile']} "
                    f"wrong answers: {lk[part]['error_samples']}"
                )
        if lk["load"]["counts"]["identifiers"] != lk["identifiers"]:
            problems.append(f"lookup: loaded {lk['load']['counts']} rows")
        if not lk["server_alive_at_end"]:
            problems.append("lookup: the server died during the run")
    return problems


def _ms(value: float | None) -> str:
    return ingest._ms(value)


def _pct(p: dict[str, Any], keys: tuple[str, ...] = ("p50", "p95", "p99", "max")) -> str:
    return " / ".join(_ms(p[k]) for k in keys)


def render(report: dict[str, Any]) -> str:
    db = report["database"]
    if report["store"] == "sqlite":
        where = f"SQLite {db['sqlite_version']}, WAL, synchronous={db['synchronous']}"
    else:
        where = (
            f"PostgreSQL {db['server_version']}, synchronous_commit={db['synchronous_commit']}, "
            f"shared_buffers={db['shared_buffers']}"
        )
    lines = [
        "",
        f"Unison identity-resolution benchmark - {where}",
        f"{report['machine']['cpus']} CPUs, Python {report['machine']['python']}; "
        f"processor batch {report['config']['batch_size']:,}",
        "",
    ]
    header = f"{'scenario':<44} {'figure':<30} {'value':>24}"
    lines += [header, "-" * len(header)]

    def row(scenario: str, figure: str, value: str) -> None:
        lines.append(f"{scenario:<44} {figure:<30} {value:>24}")

    s = report["scenarios"]
    if "throughput" in s:
        t = s["throughput"]
        c = t["counts"]
        row(f"throughput: {t['title']}"[:44], "events", f"{t['drain']['events']:,}")
        row("", "drain() events/s", f"{t['drain']['events_per_s']:,.0f}")
        row(
            "",
            "  CPU% bench / postgres",
            f"{t['drain']['cpu']['bench_process_cpu_pct']:.0f} / "
            f"{t['drain']['cpu']['postgres_cpu_pct']:.0f}",
        )
        row("", "rebuild() events/s", f"{t['rebuild']['events_per_s']:,.0f}")
        row("", "live profiles / all profiles", f"{c['live_profiles']:,} / {c['profiles']:,}")
        row("", "identifiers", f"{c['identifiers']:,}")
        row("", "merges / conflicts", f"{c['merges']:,} / {c['conflicts']:,}")
        row("", "identifier rejections", f"{c['identifier_rejections']:,}")
        row("", "rebuild reproduces counts", "yes" if t["rebuild_matches"] else "NO")
    if "visibility" in s:
        v = s["visibility"]
        lg = v["loadgen"]
        row(f"visibility: {v['title']}"[:44], "events in window", f"{v['window_events']:,}")
        row("", "visible ms p50/p95/p99/max", _pct(v["latency_ms"]))
        row("", "  from due: p50/p95/p99/max", _pct(v["latency_from_due_ms"]))
        row("", "seen processed", f"{v['seen_fraction']:.2%}")
        row(
            "",
            "ingest req/s; ack ms p50/p99",
            f"{lg['window']['requests_per_s']:,.0f}; "
            f"{_pct(lg['window']['latency_ms'], ('p50', 'p99'))}",
        )
        if v.get("events_per_advance"):
            row(
                "",
                "offset advances; events each",
                f"{v['offset_advances']:,}; {v['events_per_advance']:.1f}",
            )
        row(
            "",
            "offset still ms p50/p99/max",
            _pct(v["advance_interval_ms"], ("p50", "p99", "max")),
        )
        row("", "poll gap ms p50/p99/max", _pct(v["poll_gap_ms"], ("p50", "p99", "max")))
        res = lg.get("resources", {})
        if res:
            row(
                "",
                "CPU% server/loadgen/pg",
                f"{res['server_cpu_pct']:.0f} / {res['loadgen_cpu_pct']:.0f} / "
                f"{res['postgres_cpu_pct']:.0f}",
            )
            threads = res["server_threads"]
            main = sum(t["cpu_pct"] for t in threads if t["main_thread"])
            others = " + ".join(f"{t['cpu_pct']:.0f}" for t in threads if not t["main_thread"])
            row("", "CPU% main thread / others", f"{main:.0f} / {others or 0}"[:24])
        lag = v["health_at_end"].get("processors", {}).get(PROCESSOR, {})
        row(
            "",
            "/health at end: behind, lag s",
            f"{lag.get('behind_events')}, {lag.get('lag_seconds')}",
        )
    if "lookup" in s:
        lk = s["lookup"]
        row(
            f"lookup: {lk['title']}"[:44], "load s (rows + indexes)", f"{lk['load']['seconds']:.1f}"
        )
        row("", "database MB", f"{lk['load']['database_bytes'] / 1e6:,.0f}")
        row("", "in-process ms p50/p95/p99/max", _pct(lk["in_process"]["latency_ms"]))
        for kind in LOOKUP_TYPES:
            row(
                "",
                f"  {kind} p50/p99",
                _pct(lk["in_process"]["latency_ms_by_type"][kind], ("p50", "p99")),
            )
        row(
            "",
            "+ profile_view ms p50/p95/p99/max",
            _pct(lk["in_process_with_view"]["latency_ms"]),
        )
        row("", "HTTP ms p50/p95/p99/max", _pct(lk["http"]["latency_ms"]))
        for kind in LOOKUP_TYPES:
            row(
                "",
                f"  {kind} p50/p99",
                _pct(lk["http"]["latency_ms_by_type"][kind], ("p50", "p99")),
            )
        row(
            "",
            "HTTP req/s; CPU% server/client",
            f"{lk['http']['requests_per_s']:,.0f}; {lk['http']['cpu']['server_cpu_pct']:.0f} / "
            f"{lk['http']['cpu']['bench_process_cpu_pct']:.0f}",
        )
    lines += ["", f"{'target':<44} {'required':<30} {'measured':>24}  result"]
    for t in report["targets"]:
        if t["pass"] is None:
            continue
        lines.append(
            f"{t['name']:<44} {t['target']:<30} {_value(t):>24}  {'PASS' if t['pass'] else 'MISS'}"
        )
    if report["problems"]:
        bar = "!" * 78
        lines += ["", bar, *[f"!!! {p}" for p in report["problems"]], bar]
    return "\n".join(lines)


def _value(t: dict[str, Any]) -> str:
    value = t["value"]
    if value is None:
        return "-"
    if t["key"] in ("visible_seen", "achieved"):
        return f"{value:.2%}"
    if "ms" in t["name"]:
        return _ms(value)
    return f"{value:,.0f}"


def render_summary(reports: dict[str, dict[str, Any]]) -> str:
    stores = list(reports)
    names = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
    order: list[str] = []
    rows: dict[str, dict[str, Any]] = {}
    for store in stores:
        for t in reports[store]["targets"]:
            if t["key"] not in rows:
                order.append(t["key"])
                rows[t["key"]] = {"name": t["name"], "target": t["target"], "by_store": {}}
            rows[t["key"]]["by_store"][store] = t
    header = (
        f"{'figure':<44} "
        + " ".join(f"{names.get(s, s):>12}" for s in stores)
        + f"  {'target':<12} result"
    )
    lines = ["", "Summary", header, "-" * len(header)]
    for key in order:
        r = rows[key]
        values = " ".join(
            f"{(_value(r['by_store'][s]) if s in r['by_store'] else '-'):>12}" for s in stores
        )
        results = " / ".join(
            "-"
            if s not in r["by_store"] or r["by_store"][s]["pass"] is None
            else ("PASS" if r["by_store"][s]["pass"] else "MISS")
            for s in stores
        )
        if all(s not in r["by_store"] or r["by_store"][s]["pass"] is None for s in stores):
            results = ""
        lines.append(f"{r['name']:<44} {values}  {r['target']:<12} {results}")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------


def run_store(
    store: ingest.Store,
    args: argparse.Namespace,
    pools: dict[str, Path],
    workdir: Path,
    run_id: str,
) -> dict[str, Any]:
    report: dict[str, Any] = {
        "store": store.name,
        "run_id": run_id,
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": store.describe(),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "config": {
            "customers": args.customers,
            "seed": args.seed,
            "batch_size": args.batch_size,
            "rate": args.rate,
            "seconds": args.seconds,
            "warmup": args.warmup,
            "connections": args.connections,
            "poll_interval_s": args.poll_interval,
            "processor": args.processor,
            "pool_customers": args.pool_customers,
            "profiles": args.profiles,
            "lookups": args.lookups,
            "http_lookups": args.http_lookups,
            "lookup_warmup": args.lookup_warmup,
        },
        "scenarios": {},
    }
    for name in args.scenarios:
        if name == "throughput":
            result = scenario_throughput(store, args)
        elif name == "visibility":
            result = scenario_visibility(store, args, pools, workdir, run_id)
        else:
            result = scenario_lookup(store, args, workdir)
        report["scenarios"][name] = result
        if isinstance(store, ingest.SqliteStore) and not args.keep:
            for suffix in ("", "-wal", "-shm"):  # the lookup file is large; free the disk
                Path(f"{store.path}{suffix}").unlink(missing_ok=True)
    if not args.keep:
        store.cleanup()
    report["targets"] = evaluate(report)
    report["problems"] = problems_of(report)
    report["ok"] = not report["problems"]
    return report


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "--scenarios",
        default=",".join(SCENARIOS),
        type=lambda v: [s.strip() for s in v.split(",") if s.strip()],
        help="comma-separated subset of throughput,visibility,lookup",
    )
    p.add_argument("--customers", type=int, default=6_000, help="throughput: demo customers")
    p.add_argument("--seed", type=int, default=20261122)
    p.add_argument(
        "--batch-size",
        type=int,
        default=Settings().processor_batch_size,
        help="processor batch size (drain, rebuild)",
    )
    p.add_argument("--rate", type=float, default=2000.0, help="visibility: offered events/s")
    p.add_argument("--seconds", type=float, default=20.0, help="visibility: measured window")
    p.add_argument("--warmup", type=float, default=2.0, help="visibility: warm-up, ignored")
    p.add_argument("--connections", type=int, default=64, help="visibility: loadgen connections")
    p.add_argument("--poll-interval", type=float, default=0.002, help="visibility: offset poll")
    p.add_argument(
        "--processor",
        choices=["embedded", "worker"],
        default="embedded",
        help="visibility: the processor embedded in `unison serve` (the default deployment), "
        "or in a separate `unison worker` process (the server's embedded one off)",
    )
    p.add_argument(
        "--worker-poll", type=float, default=0.05, help="--processor worker: its idle poll (s)"
    )
    p.add_argument(
        "--catchup-timeout",
        type=float,
        default=60.0,
        help="visibility: how long to keep polling after the load for the processor to finish",
    )
    p.add_argument(
        "--pool-customers", type=int, default=600, help="visibility: demo customers in the pool"
    )
    p.add_argument("--profiles", type=int, default=1_000_000, help="lookup: live profiles")
    p.add_argument("--lookups", type=int, default=20_000, help="lookup: in-process lookups")
    p.add_argument("--http-lookups", type=int, default=10_000, help="lookup: HTTP lookups")
    p.add_argument("--lookup-warmup", type=int, default=500, help="lookup: unmeasured first")
    ingest.add_store_options(
        p,
        database="unison_bench_resolve",
        synchronous_help="UNISON_SQLITE_SYNCHRONOUS for the server and the in-process engine",
    )
    p.add_argument(
        "--quiet-wait",
        type=float,
        default=20.0,
        help="max seconds to wait for other load to stop before each timed part",
    )
    p.add_argument("--out-dir", type=Path, default=OUT)
    p.add_argument(
        "--keep", action="store_true", help="keep the temporary files, logs and databases"
    )
    p.add_argument("--strict", action="store_true", help="exit 2 when a target is missed")
    args = p.parse_args(argv)
    unknown = set(args.scenarios) - set(SCENARIOS)
    if unknown:
        p.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    if not 1 <= args.profiles <= MAX_PROFILES:
        p.error(f"--profiles must be 1 .. {MAX_PROFILES:,}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    run_id = f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"
    stores: list[str] = [] if args.postgres_only else ["sqlite"]
    if args.postgres or args.postgres_only:
        if not ingest.postgres_answers(args.pg_host, args.pg_port):
            raise SystemExit(f"PostgreSQL does not answer on {args.pg_host}:{args.pg_port}")
        stores.append("postgres")
    elif not args.no_postgres and ingest.postgres_answers(args.pg_host, args.pg_port):
        stores.append("postgres")
    workdir = Path(tempfile.mkdtemp(prefix="unison-resolve-"))
    args.out_dir.mkdir(parents=True, exist_ok=True)
    status = 0
    reports: dict[str, dict[str, Any]] = {}
    try:
        pools = (
            ingest.write_pools(workdir, args.pool_customers, args.seed)
            if "visibility" in args.scenarios
            else {}
        )
        for name in stores:
            store: ingest.Store = (
                ingest.SqliteStore(workdir, args.sqlite_synchronous)
                if name == "sqlite"
                else ingest.PostgresStore(
                    args.pg_host, args.pg_port, args.pg_user, args.pg_database
                )
            )
            report = run_store(store, args, pools, workdir, run_id)
            reports[name] = report
            out = args.out_dir / f"resolve-{name}.json"
            out.write_bytes(orjson.dumps(report, option=orjson.OPT_INDENT_2))
            print(render(report), flush=True)
            print(f"\n(written to {out})", flush=True)
            if not report["ok"]:
                status = 1
            elif (
                args.strict
                and not all(t["pass"] for t in report["targets"] if t["pass"] is not None)
                and status == 0
            ):
                status = 2
        print(render_summary(reports), flush=True)
    finally:
        if args.keep:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
