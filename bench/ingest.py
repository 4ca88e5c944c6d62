"""Ingestion benchmark: `unison serve` driven over loopback HTTP by a separate process.

For each store (the embedded SQLite file, and PostgreSQL when it answers on 127.0.0.1:5432)
and each scenario, against a fresh database: create a source, start ``unison serve``, run
``bench/loadgen.py`` in its own process for a warm-up plus a fixed window, stop the server,
and check through the database that every acknowledged event is stored. Scenarios:

* ``batch`` - closed loop, N keep-alive connections each sending /v1/batch of 100 events;
* ``track`` - closed loop, single-event /v1/track;
* ``open``  - open loop, /v1/track at a fixed offered rate, latency from each request's
  scheduled time (so a server falling behind cannot hide it);
* ``raw``   - the rows the batch run stored, inserted again straight into a fresh SQLite file
  (same table and indexes, WAL, synchronous=FULL, 100 rows per transaction) with the
  ``sqlite3`` module - or with psycopg on PostgreSQL - for the HTTP/raw ratio.

Events are the demo generator's Segment-shaped events, each sent with a fresh messageId.
Results print as a table and go to bench/out/ingest-<store>.json. Exit status: 0 ok, 1 if any
request failed or the stored count differs from the acknowledged count, 2 with ``--strict``
when a target is missed.

    .venv/bin/python bench/ingest.py                  # SQLite, and PostgreSQL if it answers
    .venv/bin/python bench/ingest.py --no-postgres --seconds 5
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
LOADGEN = BENCH / "loadgen.py"
OUT = BENCH / "out"

TARGET_BATCH_EVENTS_PER_S = 20_000
TARGET_TRACK_REQUESTS_PER_S = 3_000
TARGET_OPEN_P99_MS = 50.0
OPEN_MIN_ACHIEVED = 0.99  # of the offered rate
RAW_GROUP = 100
PROTECTED_DATABASES = {"test", "postgres", "template0", "template1"}

EVENTS_DDL = (
    """CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        source_id INTEGER NOT NULL,
        message_id VARCHAR(255) NOT NULL,
        type VARCHAR(16) NOT NULL,
        event VARCHAR(255),
        user_id VARCHAR(255),
        anonymous_id VARCHAR(255),
        channel VARCHAR(20) NOT NULL,
        timestamp DATETIME NOT NULL,
        received_at DATETIME NOT NULL,
        payload JSON NOT NULL
    )""",
    # The log's only index since migration 0008 (lookups moved to event_lookup).
    "CREATE UNIQUE INDEX uq_events_source_id_message_id ON events (source_id, message_id)",
)
EVENT_COLUMNS = (
    "source_id, message_id, type, event, user_id, anonymous_id, channel, timestamp, "
    "received_at, payload"
)


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise SystemExit(f"{name} is not on PATH; the benchmark verifies counts with it")
    return path


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# Events
# --------------------------------------------------------------------------------------------


def write_pools(directory: Path, customers: int, seed: int) -> dict[str, Path]:
    """Demo events serialized once, without messageId and opening brace, one per line."""
    from unison.demo.generator import generate_events

    every = directory / "events.lines"
    track = directory / "track.lines"
    counts = {"all": 0, "track": 0}
    with every.open("wb") as all_out, track.open("wb") as track_out:
        for event in generate_events(customers, seed):
            event.pop("messageId", None)
            line = orjson.dumps(event)[1:] + b"\n"
            all_out.write(line)
            counts["all"] += 1
            if event.get("type") == "track":
                track_out.write(line)
                counts["track"] += 1
    log(f"event pool: {counts['all']:,} demo events ({counts['track']:,} track)")
    return {"all": every, "track": track}


# --------------------------------------------------------------------------------------------
# Stores
# --------------------------------------------------------------------------------------------


class Store:
    name: str
    url: str

    def fresh(self, label: str) -> None:
        raise NotImplementedError

    def stored(self) -> dict[str, int]:
        raise NotImplementedError

    def describe(self) -> dict[str, Any]:
        raise NotImplementedError

    def raw_reference(self, workdir: Path, limit: int) -> dict[str, Any]:
        raise NotImplementedError

    def cleanup(self) -> None:
        pass


class SqliteStore(Store):
    name = "sqlite"

    def __init__(self, workdir: Path, synchronous: str) -> None:
        self.workdir = workdir
        self.synchronous = synchronous
        self.path = workdir / "unset.db"
        self.url = ""

    def fresh(self, label: str) -> None:
        self.path = self.workdir / f"{label}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        self.url = f"sqlite:///{self.path}"

    def stored(self) -> dict[str, int]:
        out = subprocess.run(
            [
                tool("sqlite3"),
                str(self.path),
                "SELECT count(*) FROM events; SELECT count(*) FROM rejected_events;",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        return {"events": int(out[0]), "rejected_events": int(out[1])}

    def describe(self) -> dict[str, Any]:
        return {
            "store": "sqlite",
            "sqlite_version": sqlite3.sqlite_version,
            "synchronous": self.synchronous,
            "journal_mode": "WAL",
            "database_dir": str(self.workdir),
        }

    def raw_reference(self, workdir: Path, limit: int) -> dict[str, Any]:
        """The batch run's rows again, straight into a fresh file with the same schema."""
        with contextlib.closing(sqlite3.connect(self.path)) as src:
            rows = src.execute(
                f"SELECT {EVENT_COLUMNS} FROM events ORDER BY id LIMIT ?",  # noqa: S608
                (limit,),
            ).fetchall()
        target = workdir / "raw-reference.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        db = sqlite3.connect(target, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(f"PRAGMA synchronous={self.synchronous}")
            for ddl in EVENTS_DDL:
                db.execute(ddl)
            insert = (
                f"INSERT INTO events ({EVENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "  # noqa: S608
                "ON CONFLICT (source_id, message_id) DO NOTHING"
            )
            started = time.perf_counter()
            for i in range(0, len(rows), RAW_GROUP):
                db.execute("BEGIN")
                db.executemany(insert, rows[i : i + RAW_GROUP])
                db.execute("COMMIT")
            elapsed = time.perf_counter() - started
            (count,) = db.execute("SELECT count(*) FROM events").fetchone()
        finally:
            db.close()
        return _raw_result("python sqlite3 executemany", rows, count, elapsed, self.synchronous)


class PostgresStore(Store):
    name = "postgres"

    def __init__(self, host: str, port: int, user: str, database: str) -> None:
        for name in (database, f"{database}_raw"):
            if name in PROTECTED_DATABASES:
                raise SystemExit(f"refusing to drop and recreate the database {name!r}")
        self.host, self.port, self.user, self.database = host, port, user, database
        self.url = f"postgresql+psycopg://{user}@{host}:{port}/{database}"

    def psql(self, sql: str, database: str = "postgres") -> str:
        where = ["-h", self.host, "-p", str(self.port), "-U", self.user, "-d", database]
        return subprocess.run(
            [tool("psql"), *where, "-v", "ON_ERROR_STOP=1", "-X", "-q", "-At", "-c", sql],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()

    def recreate(self, database: str) -> None:
        self.psql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        self.psql(f'CREATE DATABASE "{database}"')

    def fresh(self, label: str) -> None:
        self.recreate(self.database)

    def stored(self) -> dict[str, int]:
        # xmin is the id of the transaction that inserted each row: distinct xmins = commits.
        out = self.psql(
            "SELECT count(*), count(DISTINCT xmin::text), "
            "(SELECT count(*) FROM rejected_events) FROM events",
            self.database,
        ).split("|")
        return {"events": int(out[0]), "commits": int(out[1]), "rejected_events": int(out[2])}

    def describe(self) -> dict[str, Any]:
        settings = self.psql(
            "SELECT current_setting('server_version'), current_setting('synchronous_commit'), "
            "current_setting('fsync'), current_setting('wal_sync_method'), "
            "current_setting('shared_buffers')"
        ).split("|")
        return {
            "store": "postgres",
            "server_version": settings[0],
            "synchronous_commit": settings[1],
            "fsync": settings[2],
            "wal_sync_method": settings[3],
            "shared_buffers": settings[4],
            "database": self.database,
        }

    def raw_reference(self, workdir: Path, limit: int) -> dict[str, Any]:
        import psycopg

        raw_db = f"{self.database}_raw"
        self.recreate(raw_db)
        conninfo = f"host={self.host} port={self.port} user={self.user}"
        with psycopg.connect(f"{conninfo} dbname={self.database}") as src:
            rows = src.execute(
                f"SELECT {EVENT_COLUMNS.replace('payload', 'payload::text')} "  # noqa: S608
                "FROM events ORDER BY id LIMIT %s",
                (limit,),
            ).fetchall()
        with psycopg.connect(f"{conninfo} dbname={raw_db}", autocommit=True) as db:
            db.execute(
                """CREATE TABLE events (
                    id BIGSERIAL PRIMARY KEY,
                    source_id INTEGER NOT NULL,
                    message_id VARCHAR(255) NOT NULL,
                    type VARCHAR(16) NOT NULL,
                    event VARCHAR(255),
                    user_id VARCHAR(255),
                    anonymous_id VARCHAR(255),
                    channel VARCHAR(20) NOT NULL,
                    timestamp TIMESTAMPTZ NOT NULL,
                    received_at TIMESTAMPTZ NOT NULL,
                    payload JSONB NOT NULL
                )"""
            )
            for ddl in EVENTS_DDL[1:]:
                db.execute(ddl)
            insert = (
                f"INSERT INTO events ({EVENT_COLUMNS}) "  # noqa: S608
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb) "
                "ON CONFLICT (source_id, message_id) DO NOTHING"
            )
            started = time.perf_counter()
            with db.cursor() as cur:
                for i in range(0, len(rows), RAW_GROUP):
                    with db.transaction():
                        cur.executemany(insert, rows[i : i + RAW_GROUP])
            elapsed = time.perf_counter() - started
            (count,) = db.execute("SELECT count(*) FROM events").fetchone() or (0,)
        self.psql(f'DROP DATABASE IF EXISTS "{raw_db}" WITH (FORCE)')
        return _raw_result("psycopg executemany (pipeline)", rows, count, elapsed, "on")

    def cleanup(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.psql(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')


def _raw_result(
    method: str, rows: list[Any], stored: int, elapsed: float, durability: str
) -> dict[str, Any]:
    commits = (len(rows) + RAW_GROUP - 1) // RAW_GROUP
    return {
        "method": method,
        "rows": len(rows),
        "rows_stored": stored,
        "rows_per_transaction": RAW_GROUP,
        "durability": durability,
        "seconds": elapsed,
        "rows_per_s": len(rows) / elapsed if elapsed else 0.0,
        "commits_per_s": commits / elapsed if elapsed else 0.0,
    }


def postgres_answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


# --------------------------------------------------------------------------------------------
# Server
# --------------------------------------------------------------------------------------------


def unison_command() -> list[str]:
    script = Path(sys.executable).with_name("unison")
    return [str(script)] if script.exists() else [sys.executable, "-m", "unison"]


def add_store_options(p: argparse.ArgumentParser, *, database: str, synchronous_help: str) -> None:
    """Which stores a benchmark runs on; shared with bench/resolve.py."""
    pg = p.add_mutually_exclusive_group()
    pg.add_argument("--postgres", action="store_true", help="require PostgreSQL too")
    pg.add_argument("--no-postgres", action="store_true", help="SQLite only")
    p.add_argument("--postgres-only", action="store_true", help="skip SQLite")
    p.add_argument("--pg-host", default="127.0.0.1")
    p.add_argument("--pg-port", type=int, default=5432)
    p.add_argument("--pg-user", default="postgres")
    p.add_argument("--pg-database", default=database, help="dropped and recreated")
    p.add_argument(
        "--sqlite-synchronous",
        default="FULL",
        choices=["OFF", "NORMAL", "FULL", "EXTRA"],
        help=synchronous_help,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(store: Store, synchronous: str) -> dict[str, str]:
    env = dict(os.environ)
    env["UNISON_DATABASE_URL"] = store.url
    env["UNISON_SQLITE_SYNCHRONOUS"] = synchronous
    # Collection alone is measured here (bench/resolve.py measures processing); set
    # UNISON_EMBEDDED_WORKER=true in the environment to measure both in one process.
    env.setdefault("UNISON_EMBEDDED_WORKER", "false")
    return env


@contextlib.contextmanager
def running_server(
    store: Store, synchronous: str, workdir: Path, label: str
) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    port = free_port()
    logfile = workdir / f"server-{label}.log"
    with logfile.open("wb") as out:
        proc = subprocess.Popen(
            [*unison_command(), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=server_env(store, synchronous),
            cwd=workdir,  # no stray .env from the caller's directory
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_healthy(proc, port, logfile)
        yield proc, port
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def wait_healthy(proc: subprocess.Popen[bytes], port: int, logfile: Path) -> None:
    deadline = time.monotonic() + 60
    url = f"http://127.0.0.1:{port}/health"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited ({proc.returncode}):\n{_tail(logfile)}")
        with (
            contextlib.suppress(urllib.error.URLError, OSError),
            urllib.request.urlopen(url, timeout=2) as answer,
        ):
            if answer.status == 200:
                return
        time.sleep(0.05)
    raise RuntimeError(f"server did not become healthy within 60 s:\n{_tail(logfile)}")


def _tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def create_source(store: Store, synchronous: str, workdir: Path) -> str:
    out = subprocess.run(
        [*unison_command(), "sources", "create", "bench", "--channel", "web", "-q"],
        env={**server_env(store, synchronous), "COLUMNS": "500"},  # rich must not wrap the key
        cwd=workdir,
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip().splitlines()[-1].strip()


def busy_cores(sample: float = 0.5) -> float:
    """Machine CPU in use over `sample` seconds, in cores."""

    def read() -> list[int]:
        with Path("/proc/stat").open() as f:
            return [int(x) for x in f.readline().split()[1:9]]

    a = read()
    time.sleep(sample)
    b = read()
    delta = [y - x for x, y in zip(a, b, strict=True)]
    idle = delta[3] + delta[4]
    return (os.cpu_count() or 1) * (1 - idle / (sum(delta) or 1))


def wait_for_quiet(max_wait: float) -> float:
    """Wait (up to `max_wait` s) until other processes leave the machine mostly idle."""
    deadline = time.monotonic() + max_wait
    load = busy_cores()
    if load > 0.3:
        log(
            f"machine busy ({load:.2f} cores in use by other processes); waiting up to "
            f"{max_wait:.0f} s for it to quiet down"
        )
    while load > 0.3 and time.monotonic() < deadline:
        load = busy_cores(1.0)
    return load


# --------------------------------------------------------------------------------------------
# Scenarios
# --------------------------------------------------------------------------------------------


def scenario_specs(args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    return {
        "batch": {
            "title": f"/v1/batch x{args.batch_size}, closed loop, {args.connections} conn",
            "path": "/v1/batch",
            "pool": "all",
            "batch": args.batch_size,
            "connections": args.connections,
            "rate": 0,
            # Pre-build bodies for up to 40k events/s; beyond that they are spliced late.
            "max_rps": max(50, 40_000 // max(1, args.batch_size)),
        },
        "track": {
            "title": f"/v1/track, closed loop, {args.track_connections} conn",
            "path": "/v1/track",
            "pool": "track",
            "batch": 0,
            "connections": args.track_connections,
            "rate": 0,
            "max_rps": 8_000,
        },
        "open": {
            "title": f"/v1/track, open loop at {args.rate:,.0f}/s, {args.open_connections} conn",
            "path": "/v1/track",
            "pool": "track",
            "batch": 0,
            "connections": args.open_connections,
            "rate": args.rate,
            "max_rps": args.rate,
        },
    }


def run_scenario(
    store: Store,
    name: str,
    spec: dict[str, Any],
    args: argparse.Namespace,
    pools: dict[str, Path],
    workdir: Path,
    run_id: str,
) -> dict[str, Any]:
    label = f"{store.name}-{name}"
    background = wait_for_quiet(args.quiet_wait)
    store.fresh(label)
    key = create_source(store, args.sqlite_synchronous, workdir)
    result_file = workdir / f"loadgen-{label}.json"
    with running_server(store, args.sqlite_synchronous, workdir, label) as (proc, port):
        log(
            f"{store.name}/{name}: server pid {proc.pid} on :{port}; {spec['title']}, "
            f"{args.warmup:g} s warm-up + {args.seconds:g} s"
        )
        options = {
            "port": port,
            "key": key,
            "pool": pools[spec["pool"]],
            "path": spec["path"],
            "batch": spec["batch"],
            "connections": spec["connections"],
            "rate": spec["rate"],
            "seconds": args.seconds,
            "warmup": args.warmup,
            "max-rps": spec["max_rps"],
            "tag": f"{run_id}-{name}",
            "server-pid": proc.pid,
            "drain-timeout": args.drain_timeout,
            "out": result_file,
        }
        command = [sys.executable, str(LOADGEN)]
        for option, value in options.items():
            command += [f"--{option}", str(value)]
        subprocess.run(command, check=True, cwd=ROOT)
        server_alive = proc.poll() is None
    result: dict[str, Any] = orjson.loads(result_file.read_bytes())
    result["title"] = spec["title"]
    result["background_cores_before"] = round(background, 2)
    result["server_alive_at_end"] = server_alive
    stored = store.stored()
    acked = result["total"]["events_acked"]
    result["verify"] = {
        **stored,
        "events_acked": acked,
        "match": stored["events"] == acked,
    }
    if stored.get("commits"):
        result["verify"]["events_per_commit"] = stored["events"] / stored["commits"]
        result["verify"]["requests_per_commit"] = result["total"]["requests_ok"] / stored["commits"]
    w = result["window"]
    lat = w["latency_ms"]
    log(
        f"{store.name}/{name}: {w['events_per_s']:,.0f} events/s, {w['requests_per_s']:,.0f} "
        f"req/s, p50 {_ms(lat['p50'])} p99 {_ms(lat['p99'])} ms, errors {result['total']['errors']}"
        f", stored {stored['events']:,} / acked {acked:,}"
    )
    return result


def run_store(
    store: Store,
    args: argparse.Namespace,
    pools: dict[str, Path],
    workdir: Path,
    run_id: str,
) -> dict[str, Any]:
    specs = scenario_specs(args)
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
            "seconds": args.seconds,
            "warmup": args.warmup,
            "batch_size": args.batch_size,
            "connections": args.connections,
            "track_connections": args.track_connections,
            "open_connections": args.open_connections,
            "open_rate": args.rate,
            "customers": args.customers,
            "seed": args.seed,
        },
        "scenarios": {},
    }
    for name in args.scenarios:
        report["scenarios"][name] = run_scenario(
            store, name, specs[name], args, pools, workdir, run_id
        )
        if name == "batch" and not args.no_raw:
            log(f"{store.name}/raw: inserting the batch run's rows straight into the store")
            raw = store.raw_reference(workdir, args.raw_rows)
            report["raw"] = raw
            log(
                f"{store.name}/raw: {raw['rows']:,} rows in {raw['seconds']:.2f} s = "
                f"{raw['rows_per_s']:,.0f} rows/s"
            )
    store.cleanup()
    scenarios = report["scenarios"]
    if "raw" in report and "batch" in scenarios and report["raw"]["rows_per_s"]:
        report["ratio_http_batch_to_raw"] = (
            scenarios["batch"]["window"]["events_per_s"] / report["raw"]["rows_per_s"]
        )
    report["targets"] = evaluate(report)
    report["errors"] = sum(s["total"]["errors"] for s in scenarios.values())
    report["verify_mismatches"] = [n for n, s in scenarios.items() if not s["verify"]["match"]]
    problems = []
    for name, s in scenarios.items():
        if s["total"]["duplicates"] or s["total"]["rejected"]:
            problems.append(
                f"{name}: {s['total']['duplicates']} duplicates and {s['total']['rejected']} "
                "rejections reported for unique, valid events"
            )
        if not s["server_alive_at_end"]:
            problems.append(f"{name}: the server died during the run")
    reference = report.get("raw")
    if reference and reference["rows_stored"] != reference["rows"]:
        problems.append(
            f"raw reference stored {reference['rows_stored']} of {reference['rows']} rows"
        )
    report["problems"] = problems
    report["ok"] = not report["errors"] and not report["verify_mismatches"] and not problems
    return report


def evaluate(report: dict[str, Any]) -> list[dict[str, Any]]:
    s = report["scenarios"]
    targets: list[dict[str, Any]] = []

    def add(name: str, value: float | None, target: str, passed: bool) -> None:
        targets.append({"name": name, "value": value, "target": target, "pass": passed})

    if "batch" in s:
        v = s["batch"]["window"]["events_per_s"]
        add(
            "batch events/s", v, f">= {TARGET_BATCH_EVENTS_PER_S:,}", v >= TARGET_BATCH_EVENTS_PER_S
        )
    if "track" in s:
        v = s["track"]["window"]["requests_per_s"]
        add(
            "track requests/s",
            v,
            f">= {TARGET_TRACK_REQUESTS_PER_S:,}",
            v >= TARGET_TRACK_REQUESTS_PER_S,
        )
    if "open" in s:
        o = s["open"]
        p99 = o["window"]["latency_ms"]["p99"]
        add(
            f"open-loop p99 ms at {o['offered_rate']:,.0f}/s",
            p99,
            f"< {TARGET_OPEN_P99_MS:g}",
            p99 is not None and p99 < TARGET_OPEN_P99_MS,
        )
        achieved = o["window"]["requests_per_s"]
        add(
            "open-loop achieved/offered",
            achieved / o["offered_rate"],
            f">= {OPEN_MIN_ACHIEVED:.0%}",
            achieved >= OPEN_MIN_ACHIEVED * o["offered_rate"],
        )
    return targets


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


def _ms(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def _n(value: float) -> str:
    return f"{value:,.0f}"


def render(report: dict[str, Any]) -> str:
    db = report["database"]
    if report["store"] == "sqlite":
        durability = f"SQLite {db['sqlite_version']}, WAL, synchronous={db['synchronous']}"
    else:
        durability = (
            f"PostgreSQL {db['server_version']}, synchronous_commit={db['synchronous_commit']}, "
            f"fsync={db['fsync']}"
        )
    cfg = report["config"]
    lines = [
        "",
        f"Unison ingest benchmark - {durability}",
        f"{report['machine']['cpus']} CPUs, Python {report['machine']['python']}; "
        f"{cfg['warmup']:g} s warm-up + {cfg['seconds']:g} s per scenario, fresh database each, "
        "dedupe on",
        "",
    ]
    header = f"{'scenario':<44} {'figure':<26} {'value':>14}"
    lines += [header, "-" * len(header)]

    def row(scenario: str, figure: str, value: str) -> None:
        lines.append(f"{scenario:<44} {figure:<26} {value:>14}")

    for name, s in report["scenarios"].items():
        w, lat, tot = s["window"], s["window"]["latency_ms"], s["total"]
        res = s.get("resources", {})
        title = f"{name}: {s['title']}"
        if name == "batch":
            row(title, "events/s", _n(w["events_per_s"]))
            row("", "requests/s", f"{w['requests_per_s']:,.1f}")
            row(
                "",
                "ack ms p50 / p95 / p99",
                f"{_ms(lat['p50'])} / {_ms(lat['p95'])} / {_ms(lat['p99'])}",
            )
        elif name == "track":
            row(title, "requests/s", _n(w["requests_per_s"]))
            row("", "ack ms p50 / p99", f"{_ms(lat['p50'])} / {_ms(lat['p99'])}")
        else:
            row(title, "achieved req/s (1 event)", _n(w["requests_per_s"]))
            row(
                "",
                "ms from due p50/p99/max",
                f"{_ms(lat['p50'])} / {_ms(lat['p99'])} / {_ms(lat['max'])}",
            )
        row("", "errors (all phases)", str(tot["errors"]))
        if tot.get("never_sent"):
            row("", "due but never sent", f"{tot['never_sent']:,}")
        v = s["verify"]
        check = "ok" if v["match"] else "MISMATCH"
        row("", "stored / acked", f"{v['events']:,} / {v['events_acked']:,} {check}")
        if "events_per_commit" in v:
            row("", "events / commit", f"{v['events_per_commit']:,.1f}")
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
            row("", "CPU% main thread / others", f"{main:.0f} / {others or 0}")
            row(
                "",
                "other load / iowait CPU%",
                f"{res['other_cpu_pct']:.0f} / {res['machine_pct_of_one_core']['iowait']:.0f}",
            )
            row("", "disk flushes/s", _n(res["disk_flushes_per_s"]))
    raw = report.get("raw")
    if raw:
        row(
            f"raw: {raw['method']}, {raw['rows_per_transaction']}/txn",
            "rows/s",
            _n(raw["rows_per_s"]),
        )
        row("", "rows", f"{raw['rows']:,}")
        if "ratio_http_batch_to_raw" in report:
            row("ratio", "HTTP batch ev/s / raw rows/s", f"{report['ratio_http_batch_to_raw']:.2f}")
    lines += ["", f"{'target':<44} {'required':<26} {'measured':>14}  result"]
    for t in report["targets"]:
        value = t["value"]
        shown = (
            "-"
            if value is None
            else (
                f"{value:.0%}"
                if "/offered" in t["name"]
                else (_ms(value) if "ms" in t["name"] else _n(value))
            )
        )
        lines.append(
            f"{t['name']:<44} {t['target']:<26} {shown:>14}  {'PASS' if t['pass'] else 'MISS'}"
        )
    lines.append("")
    if report["ok"]:
        lines.append("all requests answered 200; stored events equal acknowledged events")
    else:
        bar = "!" * 78
        lines += [
            bar,
            f"!!! THIS RUN HAD ERRORS: {report['errors']} failed requests; "
            f"stored != acked in: {', '.join(report['verify_mismatches']) or 'none'}",
        ]
        lines += [f"!!! {problem}" for problem in report["problems"]]
        for name, s in report["scenarios"].items():
            for sample in s["total"]["error_samples"]:
                lines.append(f"!!! {name}: {sample}")
        lines.append(bar)
    noisy = [
        n
        for n, s in report["scenarios"].items()
        if s.get("resources", {}).get("other_cpu_pct", 0) > 25
    ]
    if noisy:
        lines.append(
            f"note: other processes used >25% of a core during: {', '.join(noisy)}; "
            "figures may be low"
        )
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--seconds", type=float, default=10.0, help="measured window per scenario")
    p.add_argument("--warmup", type=float, default=2.0, help="warm-up before the window")
    p.add_argument("--connections", type=int, default=16, help="batch scenario connections")
    p.add_argument("--batch-size", type=int, default=100, help="events per /v1/batch request")
    p.add_argument("--track-connections", type=int, default=32)
    p.add_argument("--open-connections", type=int, default=64)
    p.add_argument("--rate", type=float, default=2000.0, help="open-loop offered requests/s")
    p.add_argument(
        "--scenarios",
        default="batch,track,open",
        type=lambda v: [s.strip() for s in v.split(",") if s.strip()],
        help="comma-separated subset of batch,track,open",
    )
    add_store_options(
        p,
        database="unison_bench",
        synchronous_help="UNISON_SQLITE_SYNCHRONOUS for the server and the raw reference "
        "(headline: FULL)",
    )
    p.add_argument("--no-raw", action="store_true", help="skip the raw-insert reference")
    p.add_argument("--raw-rows", type=int, default=300_000, help="cap on raw reference rows")
    p.add_argument("--customers", type=int, default=600, help="demo customers in the pool")
    p.add_argument("--seed", type=int, default=20261122)
    p.add_argument(
        "--quiet-wait",
        type=float,
        default=20.0,
        help="max seconds to wait for other load to stop before each scenario",
    )
    p.add_argument(
        "--drain-timeout",
        type=float,
        default=15.0,
        help="after the window, how long to wait for answers (and, open loop, for the backlog)",
    )
    p.add_argument("--out-dir", type=Path, default=OUT)
    p.add_argument("--keep", action="store_true", help="keep the temporary databases and logs")
    p.add_argument("--strict", action="store_true", help="exit 2 when a target is missed")
    args = p.parse_args(argv)
    unknown = set(args.scenarios) - {"batch", "track", "open"}
    if unknown:
        p.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    run_id = f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"
    stores: list[str] = [] if args.postgres_only else ["sqlite"]
    if args.postgres or args.postgres_only:
        if not postgres_answers(args.pg_host, args.pg_port):
            raise SystemExit(f"PostgreSQL does not answer on {args.pg_host}:{args.pg_port}")
        stores.append("postgres")
    elif not args.no_postgres and postgres_answers(args.pg_host, args.pg_port):
        stores.append("postgres")
    workdir = Path(tempfile.mkdtemp(prefix="unison-bench-"))
    args.out_dir.mkdir(parents=True, exist_ok=True)
    status = 0
    try:
        pools = write_pools(workdir, args.customers, args.seed)
        for name in stores:
            store: Store = (
                SqliteStore(workdir, args.sqlite_synchronous)
                if name == "sqlite"
                else PostgresStore(args.pg_host, args.pg_port, args.pg_user, args.pg_database)
            )
            report = run_store(store, args, pools, workdir, run_id)
            out = args.out_dir / f"ingest-{name}.json"
            out.write_bytes(orjson.dumps(report, option=orjson.OPT_INDENT_2))
            print(render(report), flush=True)
            print(f"\n(written to {out})", flush=True)
            if not report["ok"]:
                status = 1
            elif args.strict and not all(t["pass"] for t in report["targets"]) and status == 0:
                status = 2
    finally:
        if args.keep:
            log(f"kept {workdir}")
        else:
            for path in sorted(workdir.iterdir()):
                path.unlink()
            workdir.rmdir()
    return status


if __name__ == "__main__":
    sys.exit(main())
