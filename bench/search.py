"""Profile search benchmark: GET /api/profiles?q= at N profiles (default 1,000,000).

For each store (SQLite file; PostgreSQL database ``h_search`` unless ``--pg-database``), a
fresh database is built by the real migrations, then N live profiles are bulk-loaded
straight into it, not through ingest (that would take hours): a profile row with its name
trait (Georgian, Armenian, Hebrew, Russian or Latin, in turn), its identifiers (user id,
email, phone in E.164, a Telegram id for every other profile), and its search-index rows
computed by the same function the profile processor indexes with
(``unison.profiles.search.terms.entries``). Rows go in with executemany (SQLite) or COPY
(PostgreSQL), secondary indexes dropped during the load and rebuilt after it.

Then ``unison.profiles.search.service.search()`` (what the endpoint calls: the ranked page
of 50 and its list items) is timed in this process on a mix of queries, with p50/p95/p99 per
kind and overall. Target: p99 < 50 ms.

    .venv/bin/python bench/search.py                        # both stores, 1M profiles
    .venv/bin/python bench/search.py --profiles 20000 --no-postgres
"""

from __future__ import annotations

import argparse
import io
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
from loadgen import percentiles  # bench/loadgen.py, beside this script
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from unison import migrations
from unison.kit.db import create_db_engine
from unison.profiles.search import service
from unison.profiles.search.terms import entries

TARGET_P99_MS = 50.0
CHUNK = 50_000
STAMP = "2026-01-01 00:00:00.000000"
FIRST = {
    "ka": ["ნინო", "გიორგი", "თამარ", "დავით", "მარიამ", "ლევან", "ანა", "ლუკა", "ეკა", "ზურაბ"],
    "hy": ["Արամ", "Անի", "Նարեկ", "Լուսինե", "Տիգրան", "Մարիամ", "Գոռ", "Սոնա", "Հայկ", "Լիլիթ"],
    "he": ["יעל", "נועה", "דוד", "משה", "שרה", "אורי", "תמר", "יוסף", "מיכל", "אבי"],
    "ru": [
        "Ольга",
        "Иван",
        "Анна",
        "Сергей",
        "Мария",
        "Дмитрий",
        "Елена",
        "Павел",
        "Ирина",
        "Олег",
    ],
    "en": ["Nino", "George", "Tamar", "David", "Maria", "Levan", "Anna", "Luke", "Eka", "Zurab"],
}
LAST = {
    "ka": ["ჯაფარიძე", "ბერიძე", "კაპანაძე", "გელაშვილი", "მაისურაძე", "ლომიძე", "ხარაიშვილი"],
    "hy": ["Պետրոսյան", "Հովհաննիսյան", "Սարգսյան", "Գրիգորյան", "Կարապետյան", "Մկրտչյան"],
    "he": ["כהן", "לוי", "מזרחי", "פרץ", "ביטון", "דהן", "אברהם", "פרידמן"],
    "ru": ["Смирнова", "Иванов", "Кузнецова", "Попов", "Васильева", "Петров", "Соколова"],
    "en": ["Japaridze", "Beridze", "Kapanadze", "Gelashvili", "Smith", "Brown", "Miller"],
}
LATIN_LAST = ["japaridze", "beridze", "kapanadze", "gelashvili", "maisuradze", "lomidze"]
SCRIPTS = list(FIRST)
DOMAINS = ("example.com", "mail.example.ge", "example.org", "example.am")


def person(i: int) -> dict[str, Any]:
    script = SCRIPTS[i % len(SCRIPTS)]
    first = FIRST[script][(i // 5) % len(FIRST[script])]
    last = LAST[script][(i * 7 // 5) % len(LAST[script])]
    latin = FIRST["en"][(i // 5) % 10].lower()
    identifiers = [
        ("user_id", f"u_{(i * 0x9E3779B1) & 0xFFFFFFFFFFFF:012x}"),
        ("email", f"{latin}.{LATIN_LAST[i % len(LATIN_LAST)]}{i}@{DOMAINS[i % len(DOMAINS)]}"),
        ("phone", f"+9955{(i * 7919 + 1_234_567) % 100_000_000:08d}"),  # unique below 10**8
    ]
    if i % 2:
        identifiers.append(("telegram_id", str(600_000_000 + i)))
    return {"name": f"{first} {last}", "identifiers": identifiers}


def traits_json(name: str) -> str:
    trait = {"value": name, "at": "2026-01-01T00:00:00Z", "event_id": 1, "source": "bench"}
    return orjson.dumps({"name": {**trait, "channel": "web"}}).decode()


def rows(start: int, end: int) -> Iterator[tuple[int, dict[str, Any], Any]]:
    for i in range(start, end):
        p = person(i)
        yield i, p, entries([p["name"]], p["identifiers"])


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------

PROFILE_SQL = (
    "INSERT INTO profiles (id, canonical_id, created_at, updated_at, identifier_counts, traits, "
    "first_seen, last_seen, event_count, order_count, revenue, last_order_at, channels, "
    "search_name) VALUES (?, ?, ?, ?, '{}', ?, ?, ?, 1, 0, '{}', NULL, '{}', ?)"
)
IDENT_SQL = (
    "INSERT INTO identifiers (id, type, value, profile_id, first_seen, event_id) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)


def load_sqlite(path: Path, profiles: int) -> dict[str, float]:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA synchronous=OFF")  # the load only
    db.execute("PRAGMA cache_size=-1048576")
    indexes = db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        "AND tbl_name IN ('profiles', 'identifiers', 'profile_search_keys')"
    ).fetchall()
    for name, _ in indexes:
        db.execute(f'DROP INDEX "{name}"')
    # keys go through an unindexed table first and into the real one sorted (see below)
    db.execute("CREATE TEMP TABLE keys_load (field TEXT, key TEXT, profile_id INTEGER)")
    started = time.perf_counter()
    ident_id = 0
    for start in range(1, profiles + 1, CHUNK):
        end = min(profiles + 1, start + CHUNK)
        batch = list(rows(start, end))
        db.execute("BEGIN")
        db.executemany(
            PROFILE_SQL,
            (
                (i, i, STAMP, STAMP, traits_json(p["name"]), STAMP, STAMP, p["name"].lower())
                for i, p, _ in batch
            ),
        )
        idents = []
        for i, p, _ in batch:
            for kind, value in p["identifiers"]:
                ident_id += 1
                idents.append((ident_id, kind, value, i, STAMP, i))
        db.executemany(IDENT_SQL, idents)
        db.executemany(
            "INSERT INTO keys_load VALUES (?, ?, ?)",
            ((f, k, i) for i, _, e in batch for f, k in e.keys),
        )
        db.executemany(
            "INSERT INTO profile_search_text (rowid, profile_id, body) VALUES (?, ?, ?)",
            ((i, i, e.body) for i, _, e in batch),
        )
        db.execute("COMMIT")
    # In primary-key order: one sort inside SQLite instead of millions of random B-tree inserts.
    db.execute(
        "INSERT INTO profile_search_keys (field, key, profile_id) "
        "SELECT field, key, profile_id FROM keys_load ORDER BY field, key, profile_id"
    )
    rows_s = time.perf_counter() - started
    for _, sql in indexes:
        db.execute(sql)
    db.execute("INSERT INTO profile_search_text (profile_search_text) VALUES ('optimize')")
    db.execute("ANALYZE")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    index_s = time.perf_counter() - started - rows_s
    db.close()
    return {"rows_s": rows_s, "index_s": index_s}


def _copy_text(values: Iterator[tuple[Any, ...]]) -> str:
    out = io.StringIO()
    for row in values:
        out.write("\t".join(_escape(v) for v in row))
        out.write("\n")
    return out.getvalue()


def _escape(value: Any) -> str:
    if value is None:
        return "\\N"
    s = str(value)
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def load_postgres(conninfo: str, profiles: int) -> dict[str, float]:
    import psycopg

    with psycopg.connect(conninfo, autocommit=True) as db:
        indexes = db.execute(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid), i.indisprimary, t.relname "
            "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_class t ON t.oid = i.indrelid WHERE t.relname = ANY(%s)",
            (["profiles", "identifiers", "profile_search_keys", "profile_search_text"],),
        ).fetchall()
        for name, _, primary, table in indexes:
            if primary:
                db.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
            else:
                db.execute(f'DROP INDEX "{name}"')
        started = time.perf_counter()
        ident_id = 0
        with db.cursor() as cur:
            for start in range(1, profiles + 1, CHUNK):
                end = min(profiles + 1, start + CHUNK)
                batch = list(rows(start, end))
                idents = []
                for i, p, _ in batch:
                    for kind, value in p["identifiers"]:
                        ident_id += 1
                        idents.append((ident_id, kind, value, i, STAMP, i))
                columns = {
                    "profiles (id, canonical_id, created_at, updated_at, identifier_counts, "
                    "traits, first_seen, last_seen, event_count, order_count, revenue, "
                    "last_order_at, channels, search_name)": (
                        (
                            i,
                            i,
                            STAMP,
                            STAMP,
                            "{}",
                            traits_json(p["name"]),
                            STAMP,
                            STAMP,
                            1,
                            0,
                            "{}",
                            None,
                            "{}",
                            p["name"].lower(),
                        )
                        for i, p, _ in batch
                    ),
                    "identifiers (id, type, value, profile_id, first_seen, event_id)": iter(idents),
                    "profile_search_keys (field, key, profile_id)": (
                        (f, k, i) for i, _, e in batch for f, k in e.keys
                    ),
                    "profile_search_text (profile_id, body)": ((i, e.body) for i, _, e in batch),
                }
                with db.transaction():
                    for target, values in columns.items():
                        with cur.copy(f"COPY {target} FROM STDIN") as copy:
                            copy.write(_copy_text(values))
            db.execute(
                "SELECT setval(pg_get_serial_sequence('identifiers', 'id'), %s)", (ident_id,)
            )
        rows_s = time.perf_counter() - started
        db.execute("SET maintenance_work_mem = '1GB'")
        for name, sql, primary, table in indexes:
            if primary:
                columns_sql = sql[sql.index("(") :]
                db.execute(
                    f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" PRIMARY KEY {columns_sql}'
                )
            else:
                db.execute(sql)
        for table in ("profiles", "identifiers", "profile_search_keys", "profile_search_text"):
            db.execute(f"VACUUM ANALYZE {table}")
        index_s = time.perf_counter() - started - rows_s
    return {"rows_s": rows_s, "index_s": index_s}


# --------------------------------------------------------------------------------------------
# Queries
# --------------------------------------------------------------------------------------------


def spaced(national: str) -> str:
    return f"{national[:3]} {national[3:5]} {national[5:7]} {national[7:]}"


QUERIES: dict[str, Callable[[int, random.Random], str]] = {
    "phone local, spaced": lambda i, _r: spaced(person(i)["identifiers"][2][1][4:]),
    "phone +995, dashed": lambda i, _r: "+995-" + person(i)["identifiers"][2][1][4:],
    "phone with trunk 0": lambda i, _r: "0" + person(i)["identifiers"][2][1][4:],
    "phone last 6 digits": lambda i, _r: person(i)["identifiers"][2][1][-6:],
    "surname (any script)": lambda i, _r: person(i)["name"].split()[1],
    "first name (any script)": lambda i, _r: person(i)["name"].split()[0],
    "name fragment (4 chars)": lambda i, _r: person(i)["name"].split()[1][1:5],
    "email prefix": lambda i, _r: person(i)["identifiers"][1][1][:8],
    "email local part": lambda i, _r: person(i)["identifiers"][1][1].split("@")[0],
    "email middle part": lambda i, _r: person(i)["identifiers"][1][1].split(".")[1][:-4],
    "user id": lambda i, _r: person(i)["identifiers"][0][1],
    "telegram id": lambda i, _r: str(600_000_000 + (i | 1)),
    "no match": lambda _i, r: f"zq{r.randint(0, 10**6)}x",
}


def measure(engine: Engine, profiles: int, per_kind: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    plan = [
        (kind, make(rng.randint(1, profiles), rng))
        for kind, make in QUERIES.items()
        for _ in range(per_kind)
    ]
    rng.shuffle(plan)
    timings: dict[str, list[float]] = {kind: [] for kind in QUERIES}
    found: dict[str, int] = dict.fromkeys(QUERIES, 0)
    with Session(engine) as session:
        for _, q in plan[:50]:  # warm the caches
            service.search(session, q, 50, None)
        for kind, q in plan:
            started = time.perf_counter()
            items, _ = service.search(session, q, 50, None)
            timings[kind].append((time.perf_counter() - started) * 1000)
            found[kind] += bool(items)
    report = {
        kind: {**percentiles(ms), "found": found[kind] / len(ms)} for kind, ms in timings.items()
    }
    report["overall"] = {**percentiles([m for ms in timings.values() for m in ms]), "found": None}
    return report


def render(store: str, load: dict[str, float], report: dict[str, Any], profiles: int) -> str:
    lines = [
        f"\n{store}: {profiles:,} profiles, loaded in {load['rows_s']:.0f} s "
        f"+ {load['index_s']:.0f} s indexes",
        f"{'query kind':28} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} {'found':>6}",
    ]
    for kind, p in report.items():
        hit = "" if p["found"] is None else f"{p['found']:.0%}"
        lines.append(
            f"{kind:28} {p['p50']:8.2f} {p['p95']:8.2f} {p['p99']:8.2f} {p['max']:8.2f} {hit:>6}"
        )
    verdict = "met" if report["overall"]["p99"] < TARGET_P99_MS else "MISSED"
    lines.append(f"target p99 < {TARGET_P99_MS:.0f} ms: {verdict}")
    return "\n".join(lines)


def fresh_engine(url: str) -> Engine:
    engine = create_db_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    migrations.upgrade(engine)
    return engine


def run_sqlite(args: argparse.Namespace, workdir: Path) -> int:
    path = workdir / f"search-{args.profiles}.db"
    if not (args.reuse and path.exists()):
        path.unlink(missing_ok=True)
        engine = fresh_engine(f"sqlite:///{path}")
        engine.dispose()
        load = load_sqlite(path, args.profiles)
    else:
        load = {"rows_s": 0.0, "index_s": 0.0}
    engine = create_db_engine(f"sqlite:///{path}")
    report = measure(engine, args.profiles, args.queries, args.seed)
    print(render("SQLite", load, report, args.profiles), flush=True)
    engine.dispose()
    return int(report["overall"]["p99"] >= TARGET_P99_MS)


def run_postgres(args: argparse.Namespace) -> int:
    if args.pg_database in {"test", "postgres", "template0", "template1"}:
        raise SystemExit(f"refusing to empty the database {args.pg_database!r}")
    url = f"postgresql+psycopg://{args.pg_user}@{args.pg_host}:{args.pg_port}/{args.pg_database}"
    conninfo = (
        f"host={args.pg_host} port={args.pg_port} user={args.pg_user} dbname={args.pg_database}"
    )
    load = {"rows_s": 0.0, "index_s": 0.0}
    if not args.reuse:
        fresh_engine(url).dispose()
        load = load_postgres(conninfo, args.profiles)
    engine = create_db_engine(url)
    report = measure(engine, args.profiles, args.queries, args.seed)
    print(render("PostgreSQL", load, report, args.profiles), flush=True)
    engine.dispose()
    return int(report["overall"]["p99"] >= TARGET_P99_MS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--profiles", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200, help="per kind")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--postgres-only", action="store_true")
    parser.add_argument("--pg-host", default="127.0.0.1")
    parser.add_argument("--pg-port", type=int, default=5432)
    parser.add_argument("--pg-user", default="postgres")
    parser.add_argument("--pg-database", default="h_search")
    parser.add_argument(
        "--workdir", type=Path, help="keep the SQLite file here (default: a temp dir)"
    )
    parser.add_argument(
        "--reuse", action="store_true", help="query the databases a previous run built"
    )
    args = parser.parse_args(argv)
    missed = 0
    if not args.postgres_only:
        with tempfile.TemporaryDirectory(prefix="unison-search-") as scratch:
            missed += run_sqlite(args, args.workdir or Path(scratch))
    if not args.no_postgres:
        missed += run_postgres(args)
    return 2 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
