"""Segments benchmark: a full recompute at scale on SQLite, PostgreSQL and DuckDB, and the
real-time re-evaluation cost per event with 50 active segments.

Rows shaped like the demo generator's (event mix, two years of history, cities of the six
markets) are generated once into CSV files, then bulk-loaded straight into the tables the
segment engine reads (`profiles`, `event_profiles`; indexes dropped, rows inserted - COPY on
PostgreSQL - indexes recreated), and into DuckDB from the same files.

Timed:
* full recompute of `performed("Order Completed", within="90d") >= 2 and
  trait("city") == "Tbilisi"`: the compiled SQL statement (the member ids fetched), on each
  store, and the same predicate hand-written for DuckDB over the same rows;
* real-time: for random (profile, event) pairs, one evaluation round as the processor runs
  it for an event (load the profile's facts once, evaluate the affected segments, write the
  changes) with 50 active segments; p50/p99 per event, commit excluded and included.

    .venv/bin/python bench/segments.py                                # 1M profiles, 20M events
    .venv/bin/python bench/segments.py --profiles 100000 --events 2000000
    .venv/bin/python bench/segments.py --reuse                        # skip generation/loading
"""

# ruff: noqa: S608, E501 - SQL from this file's own names; statements and definitions on one line

from __future__ import annotations

import argparse
import csv
import gc
import json
import random
import sqlite3
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.loadgen import percentiles
from unison import migrations
from unison.kit.db import create_db_engine, make_session_factory
from unison.kit.settings import Settings
from unison.models import Segment
from unison.segments import repository as rows
from unison.segments import service
from unison.segments.language import parse_text
from unison.segments.language.nodes import dump
from unison.segments.realtime import catalog as catalogs
from unison.segments.realtime import rounds
from unison.segments.realtime.rounds import Work

OUT = Path(__file__).resolve().parent / "out" / "segments"
NOW = datetime(2026, 12, 1, tzinfo=UTC)
SPAN_DAYS = 730
PREDICATE = 'performed("Order Completed", within="90d") >= 2 and trait("city") == "Tbilisi"'
EVENTS = (  # name, weight: the demo generator's mix
    ("Page Viewed", 34),
    ("Product Viewed", 24),
    ("Product Added", 8),
    ("Products Searched", 6),
    ("Order Completed", 5),
    ("Email Opened", 8),
    ("Message Sent", 6),
    ("Message Received", 4),
    ("Log In", 3),
    ("Signed Up", 1),
    ("Ticket Created", 1),
)
CHANNELS = ("web", "mobile", "email", "viber", "telegram", "whatsapp", "pos")
CITIES = (  # city, weight
    ("Tbilisi", 15),
    ("Batumi", 5),
    ("Kutaisi", 3),
    ("Yerevan", 12),
    ("Gyumri", 2),
    ("Tel Aviv", 10),
    ("Jerusalem", 6),
    ("Kyiv", 12),
    ("Lviv", 5),
    ("Moscow", 10),
    ("London", 12),
    ("Manchester", 8),
)
DUCKDB_SQL = """
SELECT p.id FROM profiles p
WHERE p.city = 'Tbilisi' AND p.id IN (
    SELECT ep.profile_id FROM event_profiles ep
    WHERE ep.event = 'Order Completed' AND ep.timestamp > TIMESTAMPTZ '{since}'
    GROUP BY ep.profile_id HAVING count(*) >= 2)
"""


def generate(profiles: int, events: int, seed: int) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    names, weights = zip(*EVENTS, strict=True)
    cities, city_weights = zip(*CITIES, strict=True)
    started = time.perf_counter()
    with (OUT / "profiles.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        for pid, city in enumerate(rng.choices(cities, city_weights, k=profiles), start=1):
            writer.writerow((pid, city))
    with (OUT / "event_profiles.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        chunk = 1_000_000
        for start in range(0, events, chunk):
            size = min(chunk, events - start)
            picked = rng.choices(names, weights, k=size)
            for offset in range(size):
                at = NOW - timedelta(seconds=rng.random() * SPAN_DAYS * 86400)
                writer.writerow(
                    (
                        start + offset + 1,
                        rng.randint(1, profiles),
                        at.strftime("%Y-%m-%d %H:%M:%S.%f"),
                        rng.choice(CHANNELS),
                        picked[offset],
                    )
                )
    print(
        f"generated {profiles:,} profiles, {events:,} events in {time.perf_counter() - started:.0f} s"
    )


def _profile_rows() -> Any:
    with (OUT / "profiles.csv").open() as handle:
        for pid, city in csv.reader(handle):
            traits = {
                "city": {
                    "value": city,
                    "at": "2025-01-01T00:00:00.000Z",
                    "event_id": int(pid),
                    "source": "bench",
                    "channel": "web",
                }
            }
            yield int(pid), json.dumps(traits, ensure_ascii=False)


PROFILE_COLUMNS = (
    "id, canonical_id, created_at, updated_at, identifier_counts, traits, first_seen, "
    "last_seen, event_count, order_count, revenue, channels"
)
EP_INDEXES = {
    "ix_event_profiles_profile_id_timestamp": "event_profiles (profile_id, timestamp)",
    "ix_event_profiles_event_timestamp_profile_id": "event_profiles (event, timestamp, profile_id)",
}


def load_sqlite(path: Path) -> float:
    if path.exists():
        path.unlink()
    engine = create_db_engine(f"sqlite:///{path}", sqlite_synchronous="OFF")
    migrations.upgrade(engine)
    engine.dispose()
    started = time.perf_counter()
    db = sqlite3.connect(path)
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA journal_mode=WAL")
    for name in EP_INDEXES:
        db.execute(f"DROP INDEX {name}")
    stamp = "2025-01-01 00:00:00.000000"
    db.executemany(
        f"INSERT INTO profiles ({PROFILE_COLUMNS}) VALUES (?, ?, ?, ?, '{{}}', ?, ?, ?, 0, 0, '{{}}', '{{}}')",
        ((pid, pid, stamp, stamp, traits, stamp, stamp) for pid, traits in _profile_rows()),
    )
    with (OUT / "event_profiles.csv").open() as handle:
        db.executemany(
            "INSERT INTO event_profiles (event_id, profile_id, timestamp, channel, event) VALUES (?, ?, ?, ?, ?)",
            ((int(e), int(p), t, c, n) for e, p, t, c, n in csv.reader(handle)),
        )
    for name, on in EP_INDEXES.items():
        db.execute(f"CREATE INDEX {name} ON {on}")
    db.execute("ANALYZE")
    db.commit()
    db.close()
    return time.perf_counter() - started


def load_postgres(url: str) -> float:
    import psycopg

    engine = create_db_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP SCHEMA public CASCADE")
        connection.exec_driver_sql("CREATE SCHEMA public")
    migrations.upgrade(engine)
    engine.dispose()
    started = time.perf_counter()
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as db:
        for name in EP_INDEXES:
            db.execute(f"DROP INDEX {name}")
        with db.cursor().copy(f"COPY profiles ({PROFILE_COLUMNS}) FROM STDIN") as copy:
            for pid, traits in _profile_rows():
                stamp = "2025-01-01 00:00:00+00"
                copy.write_row(
                    (pid, pid, stamp, stamp, "{}", traits, stamp, stamp, 0, 0, "{}", "{}")
                )
        with (
            (OUT / "event_profiles.csv").open() as handle,
            db.cursor().copy(
                "COPY event_profiles (event_id, profile_id, timestamp, channel, event) FROM STDIN WITH (FORMAT csv)"
            ) as copy,
        ):
            while block := handle.read(1 << 20):
                copy.write(block)
        for name, on in EP_INDEXES.items():
            db.execute(f"CREATE INDEX {name} ON {on}")
        db.execute("VACUUM ANALYZE profiles")
        db.execute("VACUUM ANALYZE event_profiles")
    return time.perf_counter() - started


def recompute(url: str, runs: int) -> dict[str, Any]:
    engine = create_db_engine(url)
    sessions = make_session_factory(engine)
    settings = Settings(database_url=url)
    condition = parse_text(PREDICATE)
    times, members = [], 0
    with sessions() as session:
        query = service.compiled(session, settings, condition, NOW)
        for _ in range(runs):
            started = time.perf_counter()
            found = rows.matching_ids(session, query)
            times.append(time.perf_counter() - started)
            members = len(found)
    engine.dispose()
    return {"seconds": min(times), "runs": [round(t, 3) for t in times], "members": members}


def duckdb_recompute(runs: int) -> dict[str, Any]:
    import duckdb

    db = duckdb.connect()
    started = time.perf_counter()
    db.execute(
        f"CREATE TABLE profiles AS SELECT column0 AS id, column1 AS city FROM read_csv('{OUT / 'profiles.csv'}', header=false)"
    )
    db.execute(
        "CREATE TABLE event_profiles AS SELECT column0 AS event_id, column1 AS profile_id, "
        "CAST(column2 AS TIMESTAMPTZ) AS timestamp, column3 AS channel, column4 AS event "
        f"FROM read_csv('{OUT / 'event_profiles.csv'}', header=false)"
    )
    loaded = time.perf_counter() - started
    since = (NOW - timedelta(days=90)).strftime("%Y-%m-%d %H:%M:%S+00")
    times, members = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        members = len(db.execute(DUCKDB_SQL.format(since=since)).fetchall())
        times.append(time.perf_counter() - started)
    return {
        "seconds": min(times),
        "runs": [round(t, 3) for t in times],
        "members": members,
        "load_seconds": round(loaded, 1),
    }


def fifty_segments() -> list[str]:
    """50 active segments of the kinds marketers write."""
    found = [PREDICATE]
    for i, (name, _) in enumerate(EVENTS):
        for days in (7, 30, 90):
            found.append(f'performed("{name}", within="{days}d") >= {1 + i % 3}')
    for city, _ in CITIES[:8]:
        found.append(f'trait("city") == "{city}" and performed("Order Completed", within="365d")')
    found += [
        'never("Email Opened", within="30d") and performed("Order Completed", within="180d")',
        'last("Order Completed") more_than_days_ago 60',
        'stat("order_count") >= 3',
        'bucket("holdout") < 10 and performed("Page Viewed", within="7d") >= 3',
        'trait("city") in ["Kyiv", "Lviv"]',
        'first("Signed Up") less_than_days_ago 30',
        'performed("Message Received", within="14d") >= 1 and not performed("Message Sent", within="14d")',
        'exists(trait("city")) and performed("Product Added", within="3d") and never("Order Completed", within="3d")',
    ]
    return found[:50]


def realtime(url: str, samples: int, profiles: int, seed: int) -> dict[str, Any]:
    engine = create_db_engine(url, sqlite_synchronous="NORMAL")
    sessions = make_session_factory(engine)
    settings = Settings(database_url=url)
    with sessions() as session:
        session.execute(text("DELETE FROM segments"))
        session.execute(text("DELETE FROM segment_members"))
        session.execute(text("DELETE FROM segment_timers"))
        session.execute(text("DELETE FROM segment_history"))
        for i, definition in enumerate(fifty_segments()):
            # Saved without the initial recompute: membership fills as events are evaluated.
            session.add(
                Segment(
                    name=f"bench-{i}",
                    description="",
                    definition=dump(parse_text(definition)),
                    text=definition,
                    active=True,
                    version=1,
                    member_count=0,
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
        session.commit()
        catalog = catalogs.load(session)
    rng = random.Random(seed)
    names, weights = zip(*EVENTS, strict=True)
    decide, total, affected, changed = [], [], [], 0
    moved: list[float] = []  # events that moved the profile in or out of a segment
    still: list[float] = []  # events that changed no membership
    mark = "%s" if engine.dialect.name == "postgresql" else "?"
    with sessions() as session:
        next_id = session.execute(text("SELECT max(event_id) FROM event_profiles")).scalar_one() + 1
    for _ in range(samples):
        pid, name = rng.randint(1, profiles), rng.choices(names, weights)[0]
        work = {pid: Work(segments=set(catalog.segments), event_id=0)}
        with sessions() as session:  # untimed: the profile's state is current before the event
            rounds.write(session, rounds.decide(session, catalog, work, NOW, settings))
            at = NOW - timedelta(seconds=rng.randint(1, 3600))
            stamp = at.strftime("%Y-%m-%d %H:%M:%S.%f") if mark == "?" else at
            session.connection().exec_driver_sql(
                f"INSERT INTO event_profiles (event_id, profile_id, timestamp, channel, event) VALUES ({mark}, {mark}, {mark}, 'web', {mark})",
                (next_id, pid, stamp, name),
            )
            session.commit()
        next_id += 1
        gc.disable()  # as the processor runs a batch (Runner.run_once)
        started = time.perf_counter()  # timed: the event arrives, as the processor handles it
        with sessions() as session:
            work = {pid: Work(segments=catalog.affected(name, False), event_id=next_id)}
            plan = rounds.decide(session, catalog, work, NOW, settings)
            rounds.write(session, plan)
            decided = time.perf_counter()
            session.commit()
        done = time.perf_counter()
        gc.enable()
        changed += len(plan.enter) + len(plan.leave)
        (moved if plan.enter or plan.leave else still).append((done - started) * 1000)
        decide.append((decided - started) * 1000)
        total.append((done - started) * 1000)
        affected.append(len(work[pid].segments))
    engine.dispose()
    return {
        "segments": len(catalog.segments),
        "mean_affected": round(sum(affected) / len(affected), 1),
        "membership_changes": changed,
        "evaluate_ms": {k: round(v, 3) for k, v in percentiles(decide).items() if v is not None},
        "with_commit_ms": {k: round(v, 3) for k, v in percentiles(total).items() if v is not None},
        "no_change_ms": {k: round(v, 3) for k, v in percentiles(still).items() if v is not None},
        "with_change_ms": {k: round(v, 3) for k, v in percentiles(moved).items() if v is not None},
    }


def realtime_batched(url: str, batches: int, size: int, profiles: int, seed: int) -> dict[str, Any]:
    """Per-event cost when the processor takes events in batches (one round per batch)."""
    engine = create_db_engine(url, sqlite_synchronous="NORMAL")
    sessions = make_session_factory(engine)
    settings = Settings(database_url=url)
    with sessions() as session:
        catalog = catalogs.load(session)
        next_id = session.execute(text("SELECT max(event_id) FROM event_profiles")).scalar_one() + 1
    rng = random.Random(seed + 1)
    names, weights = zip(*EVENTS, strict=True)
    mark = "%s" if engine.dialect.name == "postgresql" else "?"
    per_event = []
    for _ in range(batches):
        picked = [(rng.randint(1, profiles), rng.choices(names, weights)[0]) for _ in range(size)]
        with sessions() as session:  # untimed: profiles current, then the events arrive
            warm = {pid: Work(segments=set(catalog.segments)) for pid, _ in picked}
            rounds.write(session, rounds.decide(session, catalog, warm, NOW, settings))
            rows_in = []
            for pid, name in picked:
                at = NOW - timedelta(seconds=rng.randint(1, 3600))
                rows_in.append(
                    (next_id, pid, at.strftime("%Y-%m-%d %H:%M:%S.%f") if mark == "?" else at, name)
                )
                next_id += 1
            session.connection().exec_driver_sql(
                f"INSERT INTO event_profiles (event_id, profile_id, timestamp, channel, event) VALUES ({mark}, {mark}, {mark}, 'web', {mark})",
                rows_in,
            )
            session.commit()
        gc.disable()
        started = time.perf_counter()
        with sessions() as session:
            work: dict[int, Work] = {}
            for pid, name in picked:
                work.setdefault(pid, Work()).segments |= catalog.affected(name, False)
            rounds.write(session, rounds.decide(session, catalog, work, NOW, settings))
            session.commit()
        per_event.append((time.perf_counter() - started) * 1000 / size)
        gc.enable()
    engine.dispose()
    return {"batch": size, "batches": batches, "ms_per_event": [round(v, 3) for v in per_event]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--profiles", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=20_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--reuse", action="store_true", help="use the loaded stores as they are")
    parser.add_argument("--sqlite", default=str(OUT / "segments.db"))
    parser.add_argument(
        "--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/unison_segments"
    )
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-duckdb", action="store_true")
    args = parser.parse_args()
    results: dict[str, Any] = {
        "profiles": args.profiles,
        "events": args.events,
        "predicate": PREDICATE,
    }
    if not args.reuse:
        generate(args.profiles, args.events, args.seed)
        results["sqlite_load_seconds"] = round(load_sqlite(Path(args.sqlite)), 1)
        print(f"sqlite loaded in {results['sqlite_load_seconds']} s")
        if not args.no_postgres:
            results["postgres_load_seconds"] = round(load_postgres(args.postgres), 1)
            print(f"postgres loaded in {results['postgres_load_seconds']} s")
    sqlite_url = f"sqlite:///{args.sqlite}"
    results["sqlite_recompute"] = recompute(sqlite_url, args.runs)
    print("sqlite recompute", results["sqlite_recompute"])
    if not args.no_postgres:
        results["postgres_recompute"] = recompute(args.postgres, args.runs)
        print("postgres recompute", results["postgres_recompute"])
    if not args.no_duckdb:
        results["duckdb_recompute"] = duckdb_recompute(args.runs)
        print("duckdb recompute", results["duckdb_recompute"])
    results["sqlite_realtime"] = realtime(sqlite_url, args.samples, args.profiles, args.seed)
    print("sqlite real-time", results["sqlite_realtime"])
    if not args.no_postgres:
        results["postgres_realtime"] = realtime(
            args.postgres, args.samples, args.profiles, args.seed
        )
        print("postgres real-time", results["postgres_realtime"])
    results["sqlite_batched"] = realtime_batched(sqlite_url, 5, 500, args.profiles, args.seed)
    print("sqlite batched", results["sqlite_batched"])
    if not args.no_postgres:
        results["postgres_batched"] = realtime_batched(
            args.postgres, 5, 500, args.profiles, args.seed
        )
        print("postgres batched", results["postgres_batched"])
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
