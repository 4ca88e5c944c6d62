"""Console benchmark: the server response time of every customers / segments / value page on
a 100,000-customer database, and of the profile page of a customer with 10,000 events.

The database is built by the real migrations. The profiles, their identifiers and search
index are bulk-loaded as bench/search.py does (ingesting 100K customers would take hours);
then, through the product's own code: CLV traits for a third of them (clv_12m, p_alive,
clv_tier, ...; `computed_traits.write`, what the CLV refresh writes), first-seen months
spread over a year, three segments created and computed by `segments.service.create` (their
members and history), and one customer given 10,000 events appended to the log and
resolved by the real profile processor.

Each page is then requested through the whole app in this process (FastAPI + the console,
logged in as an administrator, the request session committing at the boundary): a few
warm-up calls, then N timed calls; p50/p95/max per page. Targets: p95 < 200 ms for every
page, < 300 ms for the 10,000-event profile (its timeline is paginated, 50 a page).

    .venv/bin/python bench/console.py                        # SQLite, 100,000 customers
    .venv/bin/python bench/console.py --profiles 20000 --runs 20
    .venv/bin/python bench/console.py --postgres postgresql+psycopg://postgres@127.0.0.1/h_pages
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from loadgen import percentiles  # bench/loadgen.py, beside this script
from search import load_postgres, load_sqlite, person  # bench/search.py: the bulk loader
from sqlalchemy import text
from sqlalchemy.engine import make_url

from unison import migrations
from unison.app import create_app
from unison.app.chain import drain_chain
from unison.auth.staff import create_user
from unison.kit.db import create_db_engine, make_session_factory, transaction
from unison.kit.settings import Settings
from unison.profiles import computed_traits
from unison.profiles.processor import profile_processor
from unison.segments import service as segments
from unison.segments.language import parse_text
from unison.sources.service import create_source
from unison.worker.runner import Runner

TARGET_MS = 200.0
PROFILE_TARGET_MS = 300.0
HEAVY_EVENTS = 10_000
HEAVY_ID = 777  # the customer given 10,000 events
PASSWORD = "bench password 123"  # noqa: S105 - a throwaway user of a temporary database
TIERS = ("platinum", "gold", "silver", "bronze")
EVENTS = ("Product Viewed", "Email Opened", "Order Completed", "Message Received", "Page")
CHANNELS = ("web", "email", "telegram", "sms", "pos")


def build(url: str, profiles: int) -> dict[str, float]:
    """The database: migrations, bulk-loaded customers, then the product's own writes."""
    engine = create_db_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    migrations.upgrade(engine)
    started = time.perf_counter()
    if engine.dialect.name == "sqlite":
        load_sqlite(Path(make_url(url).database or ""), profiles)
    else:
        load_postgres(make_url(url).set(drivername="postgresql").render_as_string(False), profiles)
    timings = {"profiles_s": time.perf_counter() - started}
    sessions = make_session_factory(engine)
    settings = Settings(database_url=url, log_json=False, embedded_worker=False)
    now = datetime.now(UTC)
    with transaction(sessions) as session:
        _spread_first_seen(session, engine.dialect.name)
        computed_traits.write(session, "clv", _clv_values(profiles), now)
        create_user(session, "bench", "admin", PASSWORD)
    started = time.perf_counter()
    with transaction(sessions) as session:
        for name, condition in (
            ("Telegram users", 'has_identifier("telegram_id")'),
            ("Holdout", 'bucket("holdout") < 10'),
            ("Platinum", 'computed("clv_tier") == "platinum"'),
        ):
            segments.create(session, settings, name, "", parse_text(condition), now)
    timings["segments_s"] = time.perf_counter() - started
    started = time.perf_counter()
    _heavy_customer(sessions, settings, now)
    timings["heavy_customer_s"] = time.perf_counter() - started
    engine.dispose()
    return timings


def _spread_first_seen(session: Any, dialect: str) -> None:
    """Customers first seen over twelve months (the p(alive) cohorts)."""
    if dialect == "sqlite":
        month = "printf('2025-%02d-15 00:00:00.000000', (id % 12) + 1)"
    else:
        month = "make_timestamptz(2025, (id % 12)::int + 1, 15, 0, 0, 0, 'UTC')"
    session.execute(text(f"UPDATE profiles SET first_seen = {month}"))  # noqa: S608 - constant


def _clv_values(profiles: int) -> list[tuple[int, str, Any]]:
    rng = random.Random(16)
    values: list[tuple[int, str, Any]] = []
    for pid in range(1, profiles + 1, 3):
        clv = round(rng.lognormvariate(4.0, 1.1), 2)
        values += [
            (pid, "clv_12m", clv),
            (pid, "clv_historical", round(clv * rng.uniform(0.3, 1.2), 2)),
            (pid, "p_alive", round(rng.betavariate(2.0, 1.5), 4)),
            (pid, "expected_orders_90d", round(rng.uniform(0, 3), 3)),
            (pid, "clv_tier", TIERS[min(3, int(rng.random() * 4))]),
        ]
    return values


def _heavy_customer(sessions: Any, settings: Settings, now: datetime) -> None:
    """10,000 events for one customer through the log and the real profile processor."""
    from unison.events import service as event_log

    user_id = dict(person(HEAVY_ID)["identifiers"])["user_id"]
    with transaction(sessions) as session:
        source, _key = create_source(session, "bench-shop", "web")
        rows = []
        for n in range(HEAVY_EVENTS):
            at = now - timedelta(minutes=HEAVY_EVENTS - n)
            name, channel = EVENTS[n % len(EVENTS)], CHANNELS[n % len(CHANNELS)]
            payload = {
                "type": "track",
                "event": name,
                "userId": user_id,
                "messageId": f"bench-{n}",
                "timestamp": at.isoformat(),
                "context": {"channel": channel},
                "properties": {"sku": f"SKU-{n % 97}", "price": n % 50},
            }
            rows.append(
                {
                    "source_id": source.id,
                    "message_id": f"bench-{n}",
                    "type": "track",
                    "event": name,
                    "user_id": user_id,
                    "anonymous_id": None,
                    "channel": channel,
                    "timestamp": at,
                    "received_at": at,
                    "payload": payload,
                    "payload_json": orjson.dumps(payload).decode(),
                }
            )
        event_log.append(session, rows, source_id=source.id, origin="bench", at=now)
    runner = Runner(sessions, profile_processor(settings), batch_size=1000)
    drain_chain([runner])


def measure(url: str, runs: int) -> dict[str, dict[str, Any]]:
    from fastapi.testclient import TestClient

    settings = Settings(database_url=url, log_json=False, embedded_worker=False)
    app = create_app(settings, background=False)
    results: dict[str, dict[str, Any]] = {}
    with TestClient(app, base_url="http://localhost") as client:
        _log_in(client)
        home = client.get(f"/console/customers/{HEAVY_ID}")
        more = re.search(r'hx-get="(/console/customers/\d+/timeline\?[^"]+)"', home.text)
        assert more is not None, "the heavy customer's timeline has no second page"
        segment_id = re.findall(
            r'href="/console/segments/(\d+)"', client.get("/console/segments").text
        )[0]
        token = re.search(r'name="csrf_token" value="([^"]+)"', home.text)
        assert token is not None
        csrf = {"X-CSRF-Token": token.group(1)}
        pages: dict[str, Callable[[int], Any]] = {
            "customers: search (phone, local)": lambda i: client.get(
                "/console/customers", params={"q": _phone_query(i)}
            ),
            "customers: search (name prefix)": lambda i: client.get(
                "/console/customers", params={"q": ["ნინო", "Արամ", "יעל", "Ольга", "Levan"][i % 5]}
            ),
            "customers: profile (typical)": lambda i: client.get(
                f"/console/customers/{1000 + i * 7}"
            ),
            "customers: profile, 10,000 events": lambda _i: client.get(
                f"/console/customers/{HEAVY_ID}"
            ),
            "customers: timeline page 2": lambda _i: client.get(
                more.group(1).replace("&amp;", "&")
            ),
            "segments: list": lambda _i: client.get("/console/segments"),
            "segments: one segment": lambda _i: client.get(f"/console/segments/{segment_id}"),
            "segments: latest entries and exits": lambda _i: client.get(
                f"/console/segments/{segment_id}/history"
            ),
            "segments: membership chart": lambda _i: client.get(
                f"/console/segments/{segment_id}/chart"
            ),
            "segments: editor": lambda _i: client.get("/console/segments/new"),
            "segments: builder -> text + count": lambda i: client.post(
                "/console/segments/builder/rows",
                data={
                    "r0_kind": "identifier",
                    "r0_shown": "identifier",
                    "r0_name": ["telegram_id", "email"][i % 2],
                },
                headers=csrf,
            ),
            "segments: text -> builder + count": lambda i: client.post(
                "/console/segments/builder/text",
                data={"text": f'bucket("b{i % 3}") < 20 and has_identifier("email")'},
                headers=csrf,
            ),
            "segments: live count (text)": lambda i: client.post(
                "/console/segments/builder/count",
                data={
                    "text": ['has_identifier("telegram_id")', 'computed("clv_tier") == "gold"'][
                        i % 2
                    ]
                },
                headers=csrf,
            ),
            "value: page": lambda _i: client.get("/console/value"),
            "value: CLV distribution chart": lambda _i: client.get(
                "/console/value/chart/distribution"
            ),
            "value: tiers chart": lambda _i: client.get("/console/value/chart/tiers"),
            "value: p(alive) by cohort chart": lambda _i: client.get(
                "/console/value/chart/cohorts"
            ),
        }
        for name, call in pages.items():
            results[name] = _timed(call, runs)
    return results


def _phone_query(i: int) -> str:
    national = f"5{(i * 7919 + 1_234_567) % 100_000_000:08d}"  # person(i)'s phone without +995
    return f"{national[:3]} {national[3:5]} {national[5:7]} {national[7:]}"


def _log_in(client: Any) -> None:
    form = client.get("/console/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    answer = client.post(
        "/console/login",
        data={
            "name": "bench",
            "password": PASSWORD,
            "next": "/console/",
            "csrf_token": token.group(1),
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text[:300]


def _timed(call: Callable[[int], Any], runs: int) -> dict[str, Any]:
    for i in range(3):  # warm-up: imports, caches, the first chart drawn
        answer = call(i)
        assert answer.status_code == 200, (answer.status_code, answer.text[:300])
    samples = []
    for i in range(runs):
        started = time.perf_counter()
        answer = call(i)
        samples.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200
    return percentiles(samples)


def report(
    store: str, profiles: int, build_s: dict[str, float], found: dict[str, dict[str, Any]]
) -> str:
    lines = [
        f"## {store}: {profiles:,} customers, one with {HEAVY_EVENTS:,} events",
        f"build: {', '.join(f'{k} {v:.1f}' for k, v in build_s.items())}",
        "",
        "| page | p50 ms | p95 ms | max ms | target |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    failed = False
    for name, p in found.items():
        target = PROFILE_TARGET_MS if "10,000" in name else TARGET_MS
        ok = p["p95"] is not None and p["p95"] < target
        failed |= not ok
        lines.append(
            f"| {name} | {p['p50']:.1f} | {p['p95']:.1f} | {p['max']:.1f} | "
            f"< {target:.0f} {'ok' if ok else 'MISSED'} |"
        )
    lines.append("")
    lines.append("all targets met" if not failed else "SOME TARGETS MISSED")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=40, help="timed calls per page")
    parser.add_argument("--postgres", help="a PostgreSQL URL to run on instead of SQLite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.postgres or f"sqlite:///{Path(folder) / 'console-bench.db'}"
        store = "PostgreSQL" if args.postgres else "SQLite"
        built = build(url, args.profiles)
        found = measure(url, args.runs)
        text_out = report(store, args.profiles, built, found)
    print(text_out)
    return 0 if "MISSED" not in text_out else 1


if __name__ == "__main__":
    sys.exit(main())
