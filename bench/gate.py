"""Send-gate benchmark: one gate decision at scale (issue 17: p99 < 1 ms with 1M profiles,
10M consent records and a 30-day send history).

For each store (the embedded SQLite file, and PostgreSQL when it answers) a fresh database is
built by the real migrations and bulk-loaded: the profiles, identifiers and consent ledger of
bench/consent.py (P profiles, an email and a phone each, R records per profile), then a
30-day send history in `messages` (0-3 marketing messages per profile, released), quiet-hour
preferences for every tenth profile, and one switched-off channel.

Timed in this process, on one session, for random profiles, purposes and channels:
* `gate`: the decision alone: the profile's facts, its cap history, the purpose's kind and
  `judge` (consent for the channel, kill switch, caps, quiet hours in the customer's zone);
* `decide_and_queue`: the whole decision with its writes (the `messages` row, the outbox row
  or the Suppressed receipt), committed every 200 decisions;
* `send_time_check`: the gate again for a queued message (GateCheck.check);
* `batch_decide_per_message` / `batch_chunk_of_100`: the same decisions through the batch
  path (`decide_many`, what broadcasts use) in chunks of 100 with their writes, one commit
  per chunk: the chunk's time per message, and per chunk.
* reference: a primary-key read through the driver (one round trip's floor).
Each of `gate` and the reference is also timed on the thread's CPU clock (`*_cpu`): the
difference from the wall time is waiting (the disk, or a core the machine's other processes
hold), and the load average before and after says how busy the machine was.

    .venv/bin/python bench/gate.py                        # 1M profiles, 10M records
    .venv/bin/python bench/gate.py --profiles 20000 --no-postgres
"""

# ruff: noqa: S608 - the SQL is built from this file's own table and column names only

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import sqlite3
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import consent, ingest
from bench.loadgen import percentiles
from unison import migrations
from unison.kit.db import create_db_engine, make_session_factory
from unison.kit.settings import Settings
from unison.messaging.batch import decide_many
from unison.messaging.enqueue import Candidate, Draft, decide_and_queue
from unison.messaging.gate.decide import gather, judge
from unison.messaging.send_time import GateCheck
from unison.outbox.envelope import Envelope

OUT = Path(__file__).resolve().parent / "out"
NOW = datetime.now(UTC).replace(microsecond=0)
CHUNK = 20_000
PURPOSES = ("newsletter", "promotions", "marketing", "service")
CHANNELS = ("email", "sms")
CONTENT = {
    "email": {"subject": "Ფასდაკლება", "html": None, "text": "ზამთრის ფასდაკლება"},
    "sms": {"text": "Зимняя распродажа"},
}
MESSAGE_COLUMNS = (
    "idempotency_key, profile_id, purpose, transactional, channel, channel_reason, recipient, "
    "decision, reasons, detail, outbox_key, created_at, send_decision, released_at, choice"
)


def history_rows(i: int) -> list[tuple[Any, ...]]:
    """0-3 marketing messages in the last 30 days, released a minute after deciding."""
    found = []
    for n in range(i % 4):
        channel = CHANNELS[(i + n) % 2]
        at = NOW - timedelta(days=(i * 7 + n * 11) % 30, seconds=i % 3600)
        recipient = consent.email(i) if channel == "email" else consent.phone(i)
        found.append(
            (
                f"hist-{i}-{n}",
                i,
                "promotions",
                False,
                channel,
                "email: first of the configured order",
                recipient,
                "queued",
                '["consent"]',
                "granted",
                f"message:hist-{i}-{n}",
                at,
                "send",
                at + timedelta(minutes=1),
                "{}",
            )
        )
    return found


def preference_rows(i: int) -> list[tuple[Any, ...]]:
    if i % 10:
        return []
    return [(i, "sms" if i % 20 else None, "ka", "22:00", "08:00", "Asia/Tbilisi", "api", NOW)]


PREF_COLUMNS = (
    "profile_id, preferred_channel, preferred_language, quiet_start, quiet_end, time_zone, "
    "source, updated_at"
)


def load_sqlite_extra(path: Path, profiles: int) -> None:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA synchronous=OFF")
    for start in range(1, profiles + 1, CHUNK):
        batch = range(start, min(profiles + 1, start + CHUNK))
        db.execute("BEGIN")
        db.executemany(
            f"INSERT INTO messages ({MESSAGE_COLUMNS}) VALUES ({', '.join('?' * 15)})",
            ([consent.sqlite_value(v) for v in r] for i in batch for r in history_rows(i)),
        )
        db.executemany(
            f"INSERT INTO consent_preferences ({PREF_COLUMNS}) VALUES ({', '.join('?' * 8)})",
            ([consent.sqlite_value(v) for v in r] for i in batch for r in preference_rows(i)),
        )
        db.execute("COMMIT")
    db.execute(
        "INSERT INTO messaging_channels (channel, enabled, updated_at, updated_by) "
        "VALUES ('push', 0, ?, 'bench')",
        (consent.sqlite_value(NOW),),
    )
    db.execute("ANALYZE")
    db.close()


def load_postgres_extra(store: ingest.PostgresStore, profiles: int) -> None:
    import psycopg

    conninfo = f"host={store.host} port={store.port} user={store.user} dbname={store.database}"
    with psycopg.connect(conninfo, autocommit=True) as db, db.cursor() as cur:
        for start in range(1, profiles + 1, CHUNK):
            batch = range(start, min(profiles + 1, start + CHUNK))
            with db.transaction():
                for table, columns, found in (
                    ("messages", MESSAGE_COLUMNS, [r for i in batch for r in history_rows(i)]),
                    (
                        "consent_preferences",
                        PREF_COLUMNS,
                        [r for i in batch for r in preference_rows(i)],
                    ),
                ):
                    with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                        copy.write(
                            "".join("\t".join(map(consent.copy_text, r)) + "\n" for r in found)
                        )
        db.execute(
            "INSERT INTO messaging_channels (channel, enabled, updated_at, updated_by) "
            "VALUES ('push', false, now(), 'bench')"
        )
        db.execute("VACUUM ANALYZE")


def measure(url: str, profiles: int, samples: int, seed: int) -> dict[str, Any]:
    engine = create_db_engine(url, sqlite_synchronous="NORMAL")
    sessions = make_session_factory(engine)
    settings = Settings(database_url=url, messaging_frequency_caps={"all": "3/7d", "sms": "1/1d"})
    rng = random.Random(seed)
    picks = [
        (rng.randint(1, profiles), rng.choice(PURPOSES), rng.choice(CHANNELS))
        for _ in range(samples)
    ]
    raw = "SELECT canonical_id FROM profiles WHERE id = " + (
        "%s" if engine.dialect.name == "postgresql" else "?"
    )
    timings: dict[str, list[float]] = {
        "reference_raw_pk_read": [],
        "gate": [],
        "reference_raw_pk_read_cpu": [],
        "gate_cpu": [],
    }
    outcomes: dict[str, int] = {}
    load = [round(x, 2) for x in os.getloadavg()]
    with sessions() as session:
        for pid, purpose, channel in picks[:200]:  # warm caches and the statement cache
            _gate(session, settings, pid, purpose, channel)
        gc.collect()
        gc.freeze()  # as `unison serve` does after start-up
        for pid, purpose, channel in picks:
            verdict = _timed(timings, session, settings, raw, (pid, purpose, channel))
            outcome = verdict.decision if verdict.usable else verdict.reasons[0]
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
    load += [round(x, 2) for x in os.getloadavg()]
    timings["decide_and_queue"], queued = _decide_and_queue(sessions, settings, picks, rng)
    timings["batch_decide_per_message"], timings["batch_chunk_of_100"] = _batch(
        sessions, settings, picks
    )
    timings["send_time_check"] = _send_time(sessions, settings, queued)
    result: dict[str, Any] = {
        name: {
            k: (round(v, 4) if isinstance(v, float) else v) for k, v in percentiles(values).items()
        }
        for name, values in timings.items()
    }
    result["load_average_1_5_15_before_and_after_gate"] = load
    result["gate_outcomes"] = dict(sorted(outcomes.items(), key=lambda kv: -kv[1]))
    result["ratio_p50_gate_to_raw_pk_read"] = round(
        result["gate"]["p50"] / result["reference_raw_pk_read"]["p50"], 2
    )
    engine.dispose()
    return result


def _timed(
    timings: dict[str, list[float]],
    session: Any,
    settings: Settings,
    raw: str,
    pick: tuple[int, str, str],
) -> Any:
    """One reference read and one gate decision: the time each took (wall) and the time this
    thread spent on a CPU for it (`*_cpu`); the difference is waiting, for the disk or for a
    core the machine's other processes hold."""
    c0, t0 = time.thread_time(), time.perf_counter()
    session.connection().exec_driver_sql(raw, (pick[0],)).scalar_one()
    t1, c1 = time.perf_counter(), time.thread_time()
    c2, t2 = time.thread_time(), time.perf_counter()
    verdict = _gate(session, settings, *pick)
    t3, c3 = time.perf_counter(), time.thread_time()
    timings["reference_raw_pk_read"].append((t1 - t0) * 1000)
    timings["gate"].append((t3 - t2) * 1000)
    timings["reference_raw_pk_read_cpu"].append((c1 - c0) * 1000)
    timings["gate_cpu"].append((c3 - c2) * 1000)
    return verdict


def _gate(session: Any, settings: Settings, pid: int, purpose: str, channel: str) -> Any:
    ctx = gather(session, settings, pid, purpose, NOW, whatsapp=False)
    assert ctx is not None
    return judge(session, ctx, channel, CONTENT[channel])


def _decide_and_queue(
    sessions: Any, settings: Settings, picks: list[tuple[int, str, str]], rng: random.Random
) -> tuple[list[float], list[Envelope]]:
    timings: list[float] = []
    queued: list[Envelope] = []
    run = time.time_ns()  # fresh keys on every run, also with --reuse
    session = sessions()
    for n, (pid, purpose, channel) in enumerate(picks):
        draft = Draft(
            profile_id=pid,
            purpose=purpose,
            idempotency_key=f"bench-{run}-{n}",
            candidates=[Candidate(channel, CONTENT[channel], 1, 1, "ka")],
        )
        t0 = time.perf_counter()
        decided = decide_and_queue(session, settings, draft, NOW)
        timings.append((time.perf_counter() - t0) * 1000)
        if decided.outbox_key and decided.recipient and len(queued) < 5000:
            queued.append(_envelope(decided))
        if n % 200 == 199:
            session.commit()
    session.commit()
    session.close()
    return timings, queued


def _batch(
    sessions: Any, settings: Settings, picks: list[tuple[int, str, str]]
) -> tuple[list[float], list[float]]:
    """The batch path (decide_many, what broadcasts use): the same decisions with their
    writes in chunks of 100, one commit each; per message (the chunk's time / its size) and
    per chunk."""
    per_message: list[float] = []
    per_chunk: list[float] = []
    run = time.time_ns()
    for start in range(0, len(picks), 100):
        drafts = [
            Draft(
                profile_id=pid,
                purpose=purpose,
                idempotency_key=f"bench-batch-{run}-{start + n}",
                candidates=[Candidate(channel, CONTENT[channel], 1, 1, "ka")],
            )
            for n, (pid, purpose, channel) in enumerate(picks[start : start + 100])
        ]
        t0 = time.perf_counter()
        with sessions.begin() as session:
            decide_many(session, settings, drafts, NOW)
        elapsed = (time.perf_counter() - t0) * 1000
        per_chunk.append(elapsed)
        per_message.extend([elapsed / len(drafts)] * len(drafts))
    return per_message, per_chunk


def _envelope(decided: Any) -> Envelope:
    return Envelope(
        message_id=0,
        idempotency_key=decided.outbox_key,
        channel=decided.channel,
        recipient_type="email" if decided.channel == "email" else "phone",
        recipient=decided.recipient,
        language="ka",
        subject=None,
        body="",
        content=CONTENT[decided.channel],
        meta={"message_id": decided.id},
        profile_id=decided.profile_id,
        purpose=decided.purpose,
    )


def _send_time(sessions: Any, settings: Settings, queued: list[Envelope]) -> list[float]:
    check, timings = GateCheck(settings), []
    with sessions() as session:
        for envelope in queued:
            t0 = time.perf_counter()
            check.check_many(session, [envelope], NOW)  # one row: the worst case per message
            timings.append((time.perf_counter() - t0) * 1000)
        session.rollback()
    return timings


def count(url: str) -> dict[str, int]:
    from sqlalchemy import text

    engine = create_db_engine(url)
    tables = (*consent.TABLES, "messages", "consent_preferences")
    with engine.connect() as c:
        found = {t: int(c.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()) for t in tables}
    engine.dispose()
    return found


def load(store: Any, args: argparse.Namespace) -> float:
    store.fresh("gate")
    engine = create_db_engine(store.url)
    migrations.upgrade(engine)
    engine.dispose()
    print(f"[{store.name}] loading {args.profiles:,} profiles x {args.records_per_profile}")
    started = time.perf_counter()
    if isinstance(store, ingest.SqliteStore):
        consent.load_sqlite(store.path, args.profiles, args.records_per_profile)
        load_sqlite_extra(store.path, args.profiles)
    else:
        consent.load_postgres(store, args.profiles, args.records_per_profile)
        load_postgres_extra(store, args.profiles)
    return time.perf_counter() - started


def main() -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--profiles", type=int, default=1_000_000)
    p.add_argument("--records-per-profile", type=int, default=10)
    p.add_argument("--samples", type=int, default=20_000)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--workdir", type=Path, default=OUT / "gate-work")
    p.add_argument("--reuse", action="store_true", help="measure a previous run's databases")
    p.add_argument("--drop", action="store_true", help="drop the loaded database afterwards")
    ingest.add_store_options(p, database="unison_gate_bench", synchronous_help="unused")
    args = p.parse_args()
    OUT.mkdir(exist_ok=True)
    args.workdir.mkdir(parents=True, exist_ok=True)
    stores: list[Any] = []
    if not args.postgres_only:
        stores.append(ingest.SqliteStore(args.workdir, "NORMAL"))
    if not args.no_postgres and (
        args.postgres or ingest.postgres_answers(args.pg_host, args.pg_port)
    ):
        stores.append(
            ingest.PostgresStore(args.pg_host, args.pg_port, args.pg_user, args.pg_database)
        )
    for store in stores:
        load_seconds = None
        if isinstance(store, ingest.SqliteStore) and args.reuse:
            store.path = args.workdir / "gate.db"
            store.url = f"sqlite:///{store.path}"
        if not args.reuse:
            load_seconds = load(store, args)
        report = {
            "store": store.name,
            "rows": count(store.url),
            "load_seconds": round(load_seconds, 1) if load_seconds is not None else None,
            "timings_ms": measure(store.url, args.profiles, args.samples, args.seed),
        }
        (OUT / f"gate-{store.name}.json").write_text(json.dumps(report, indent=2))
        print(json.dumps(report, indent=2), flush=True)
        if not args.reuse and args.drop:
            store.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
