"""Consent benchmark: the `can_contact` decision and the point-in-time query at scale.

For each store (the embedded SQLite file, and PostgreSQL when it answers), a fresh database
is built by the real migrations, then synthetic rows are bulk-loaded straight into the
tables (indexes dropped, rows inserted - COPY on PostgreSQL - the same indexes recreated):
P profiles, an email and a phone each, R ledger records per profile (two per
(identifier, purpose, channel): a grant, then a later withdrawal or renewal), the current
state projected from them, and one suppression per 100 profiles. Hashes in the synthetic
ledger are placeholders: `unison consent verify` is not part of this benchmark.

Timed in this process, on one session, on random profiles:
* reference: a primary-key read of the profile (`SELECT canonical_id FROM profiles ...`);
* `decision.can_contact(profile, purpose, channel)` now (projection + suppression);
* `service.state_at(profile, at)`: the state at a random past moment, from the ledger.

    .venv/bin/python bench/consent.py                       # 1M profiles, 10M records
    .venv/bin/python bench/consent.py --profiles 10000 --no-postgres
"""

# ruff: noqa: S608 - the SQL is built from this file's own table and column names only

from __future__ import annotations

import argparse
import gc
import json
import random
import sqlite3
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import ingest
from bench.loadgen import percentiles
from unison import migrations
from unison.consent import service
from unison.consent.ledger import decision
from unison.consent.ledger.suppression import identifier_hash
from unison.kit.db import create_db_engine, make_session_factory
from unison.models import Profile

OUT = Path(__file__).resolve().parent / "out"
PURPOSES = ("newsletter", "promotions", "surveys", "marketing", "service")
CHUNK = 20_000
BASE = datetime(2025, 1, 1, tzinfo=UTC)
TABLES = ("profiles", "identifiers", "consent_records", "consent_state", "consent_chain_heads")
PLACEHOLDER = "0" * 64


def email(i: int) -> str:
    return f"customer{i}@example.ge"


def phone(i: int) -> str:
    return f"+99555{i:07d}"


def keys(i: int) -> list[tuple[str, str, str, str]]:
    """(identifier type, value, purpose, channel) of profile i: one per purpose."""
    return [
        ("email", email(i), p, "email") if n % 2 == 0 else ("phone", phone(i), p, "sms")
        for n, p in enumerate(PURPOSES)
    ]


def rows_for(i: int, per_profile: int) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Ledger records and the state they project to, for profile i."""
    records, latest = [], {}
    ks = keys(i)
    for seq in range(1, per_profile + 1):
        kind, value, purpose, channel = ks[(seq - 1) % len(ks)]
        at = BASE + timedelta(days=seq * 20, seconds=i % 86400)
        status = "granted" if seq <= len(ks) or (i + seq) % 3 else "withdrawn"
        records.append(
            (
                i,
                seq,
                kind,
                value,
                purpose,
                channel,
                status,
                "consent",
                "api",
                channel,
                "import",
                "{}",
                at,
                at,
                None,
                None,
                PLACEHOLDER,
                PLACEHOLDER,
                None,
            )
        )
        latest[(kind, value, purpose, channel)] = (status, seq, at, channel)
    state = [
        (kind, value, purpose, channel, i, status, i * 100 + seq, "api", source_channel, at, None)
        for (kind, value, purpose, channel), (status, seq, at, source_channel) in latest.items()
    ]
    return records, state


RECORD_COLUMNS = (
    "profile_id, seq, identifier_type, identifier_value, purpose, channel, status, legal_basis, "
    "source, source_channel, actor, proof, occurred_at, recorded_at, expires_at, event_id, "
    "prev_hash, hash, redacted_at"
)
STATE_COLUMNS = (
    "identifier_type, identifier_value, purpose, channel, profile_id, status, record_id, source, "
    "source_channel, occurred_at, expires_at"
)
PROFILE_COLUMNS = (
    "id, canonical_id, created_at, updated_at, identifier_counts, traits, first_seen, last_seen, "
    "event_count, order_count, revenue, channels"
)


def profile_row(i: int) -> tuple[Any, ...]:
    return (i, i, BASE, BASE, '{"email": 1, "phone": 1}', "{}", BASE, BASE, 1, 0, "{}", "{}")


def identifier_rows(i: int) -> list[tuple[Any, ...]]:
    return [("email", email(i), i, BASE, i), ("phone", phone(i), i, BASE, i)]


def sqlite_value(v: Any) -> Any:
    return (
        v.replace(tzinfo=None).isoformat(" ", timespec="microseconds")
        if isinstance(v, datetime)
        else v
    )


def load_sqlite(path: Path, profiles: int, per_profile: int) -> float:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-524288")
    indexes = db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        f"AND tbl_name IN ({', '.join(repr(t) for t in TABLES)})"
    ).fetchall()
    for name, _ in indexes:
        db.execute(f'DROP INDEX "{name}"')
    started = time.perf_counter()
    for start in range(1, profiles + 1, CHUNK):
        batch = range(start, min(profiles + 1, start + CHUNK))
        db.execute("BEGIN")
        db.executemany(
            f"INSERT INTO profiles ({PROFILE_COLUMNS}) VALUES ({', '.join('?' * 12)})",
            ([sqlite_value(v) for v in profile_row(i)] for i in batch),
        )
        db.executemany(
            "INSERT INTO identifiers (type, value, profile_id, first_seen, event_id) "
            "VALUES (?, ?, ?, ?, ?)",
            ([sqlite_value(v) for v in r] for i in batch for r in identifier_rows(i)),
        )
        records, states = [], []
        for i in batch:
            r, s = rows_for(i, per_profile)
            records += r
            states += s
        db.executemany(
            f"INSERT INTO consent_records ({RECORD_COLUMNS}) VALUES ({', '.join('?' * 19)})",
            ([sqlite_value(v) for v in r] for r in records),
        )
        db.executemany(
            f"INSERT INTO consent_state ({STATE_COLUMNS}) VALUES ({', '.join('?' * 11)})",
            ([sqlite_value(v) for v in s] for s in states),
        )
        db.executemany(
            "INSERT INTO consent_chain_heads (profile_id, seq, hash) VALUES (?, ?, ?)",
            ((i, per_profile, PLACEHOLDER) for i in batch),
        )
        db.execute("COMMIT")
    for _, sql in indexes:
        db.execute(sql)
    suppress_every(db.executemany, profiles, "?")
    db.execute("ANALYZE")
    db.close()
    return time.perf_counter() - started


def suppress_every(executemany: Any, profiles: int, mark: str) -> None:
    rows = [
        (identifier_hash(("email", email(i))), "email", "hard_bounce", "", BASE.isoformat(" "))
        for i in range(1, profiles + 1, 100)
    ]
    executemany(
        "INSERT INTO consent_suppressions "
        "(identifier_hash, identifier_type, reason, note, created_at) "
        f"VALUES ({', '.join([mark] * 5)})",
        rows,
    )


def copy_text(v: Any) -> str:
    if v is None:
        return "\\N"
    return v.isoformat(" ") if isinstance(v, datetime) else str(v)


def load_postgres(store: ingest.PostgresStore, profiles: int, per_profile: int) -> float:
    import psycopg

    conninfo = f"host={store.host} port={store.port} user={store.user} dbname={store.database}"
    with psycopg.connect(conninfo, autocommit=True) as db:
        tables = ", ".join(f"'{t}'::regclass" for t in TABLES)
        indexes = db.execute(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c "
            f"ON c.oid = i.indexrelid WHERE i.indrelid IN ({tables}) AND NOT i.indisprimary"
        ).fetchall()
        for name, _ in indexes:
            db.execute(f'DROP INDEX "{name}"')
        started = time.perf_counter()
        with db.cursor() as cur:
            for start in range(1, profiles + 1, CHUNK):
                batch = range(start, min(profiles + 1, start + CHUNK))
                records, states = [], []
                for i in batch:
                    r, s = rows_for(i, per_profile)
                    records += r
                    states += s
                with db.transaction():
                    for table, columns, rows in (
                        ("profiles", PROFILE_COLUMNS, [profile_row(i) for i in batch]),
                        (
                            "identifiers",
                            "type, value, profile_id, first_seen, event_id",
                            [r for i in batch for r in identifier_rows(i)],
                        ),
                        ("consent_records", RECORD_COLUMNS, records),
                        ("consent_state", STATE_COLUMNS, states),
                        (
                            "consent_chain_heads",
                            "profile_id, seq, hash",
                            [(i, per_profile, PLACEHOLDER) for i in batch],
                        ),
                    ):
                        with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                            copy.write("".join("\t".join(map(copy_text, r)) + "\n" for r in rows))
        for _, sql in indexes:
            db.execute(sql)
        with db.cursor() as cur:
            suppress_every(cur.executemany, profiles, "%s")
        db.execute("VACUUM ANALYZE")
    return time.perf_counter() - started


def measure(url: str, profiles: int, samples: int, seed: int) -> dict[str, Any]:
    engine = create_db_engine(url, sqlite_synchronous="NORMAL")
    sessions = make_session_factory(engine)
    rng = random.Random(seed)
    picks = [
        (rng.randint(1, profiles), rng.choice(PURPOSES), rng.choice(("email", "sms")))
        for _ in range(samples)
    ]
    result: dict[str, Any] = {}
    with sessions() as session:
        for _ in range(200):  # warm the caches and the statement cache
            decision.can_contact(
                session, rng.randint(1, profiles), "newsletter", "email", kind="marketing"
            )
        timings: dict[str, list[float]] = {
            "reference_raw_pk_read": [],
            "reference_pk_read": [],
            "can_contact": [],
            "state_at": [],
        }
        # References in the same loop: a primary-key read sent straight to the driver (the
        # floor of one round trip) and the same read through SQLAlchemy's ORM session.
        raw = "SELECT canonical_id FROM profiles WHERE id = " + (
            "%s" if engine.dialect.name == "postgresql" else "?"
        )
        gc.collect()
        gc.freeze()  # as `unison serve` does after start-up
        allowed = 0
        for pid, purpose, channel in picks:
            t_raw = time.perf_counter()
            session.connection().exec_driver_sql(raw, (pid,)).scalar_one()
            t0 = time.perf_counter()
            session.execute(select(Profile.canonical_id).where(Profile.id == pid)).scalar_one()
            t1 = time.perf_counter()
            d = decision.can_contact(
                session,
                pid,
                purpose,
                channel,
                kind="service" if purpose == "service" else "marketing",
            )
            t2 = time.perf_counter()
            at = BASE + timedelta(days=rng.randint(0, 220))
            service.state_at(session, pid, at)
            t3 = time.perf_counter()
            timings["reference_raw_pk_read"].append((t0 - t_raw) * 1000)
            timings["reference_pk_read"].append((t1 - t0) * 1000)
            timings["can_contact"].append((t2 - t1) * 1000)
            timings["state_at"].append((t3 - t2) * 1000)
            allowed += d.allowed
        for name, values in timings.items():
            result[name] = {
                k: (round(v, 4) if isinstance(v, float) else v)
                for k, v in percentiles(values).items()
            }
        result["allowed_share"] = round(allowed / samples, 3)
        for name in ("reference_raw_pk_read", "reference_pk_read"):
            result[f"ratio_p50_can_contact_to_{name}"] = round(
                result["can_contact"]["p50"] / result[name]["p50"], 2
            )
    engine.dispose()
    return result


def count(url: str) -> dict[str, int]:
    engine = create_db_engine(url)
    with engine.connect() as c:
        from sqlalchemy import text

        found = {t: int(c.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()) for t in TABLES}
    engine.dispose()
    return found


def main() -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--profiles", type=int, default=1_000_000)
    p.add_argument("--records-per-profile", type=int, default=10)
    p.add_argument("--samples", type=int, default=20_000)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument(
        "--workdir", type=Path, default=OUT / "consent-work", help="where the SQLite file lives"
    )
    p.add_argument(
        "--reuse",
        action="store_true",
        help="measure the database a previous run loaded (and keep it) instead of reloading",
    )
    p.add_argument("--drop", action="store_true", help="drop the loaded database afterwards")
    ingest.add_store_options(p, database="unison_consent_bench", synchronous_help="unused")
    args = p.parse_args()
    OUT.mkdir(exist_ok=True)
    stores: list[Any] = []
    workdir = args.workdir
    workdir.mkdir(parents=True, exist_ok=True)
    if not args.postgres_only:
        stores.append(ingest.SqliteStore(workdir, "NORMAL"))
    if not args.no_postgres and (
        args.postgres or ingest.postgres_answers(args.pg_host, args.pg_port)
    ):
        stores.append(
            ingest.PostgresStore(args.pg_host, args.pg_port, args.pg_user, args.pg_database)
        )
    for store in stores:
        load_seconds = None
        if isinstance(store, ingest.SqliteStore) and args.reuse:
            store.path = workdir / "consent.db"
            store.url = f"sqlite:///{store.path}"
        if not args.reuse:
            load_seconds = load(store, args)
        report = {
            "store": store.name,
            "rows": count(store.url),
            "load_seconds": round(load_seconds, 1) if load_seconds is not None else None,
            "timings_ms": measure(store.url, args.profiles, args.samples, args.seed),
        }
        (OUT / f"consent-{store.name}.json").write_text(json.dumps(report, indent=2))
        print(json.dumps(report, indent=2), flush=True)
        if not args.reuse and args.drop:
            store.cleanup()
    return 0


def load(store: Any, args: argparse.Namespace) -> float:
    store.fresh("consent")
    engine = create_db_engine(store.url)
    migrations.upgrade(engine)
    engine.dispose()
    print(f"[{store.name}] loading {args.profiles:,} profiles x {args.records_per_profile}")
    if isinstance(store, ingest.SqliteStore):
        return load_sqlite(store.path, args.profiles, args.records_per_profile)
    return load_postgres(store, args.profiles, args.records_per_profile)


if __name__ == "__main__":
    raise SystemExit(main())
