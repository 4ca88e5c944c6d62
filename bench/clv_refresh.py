"""CLV refresh end to end: synthetic customers' orders imported into a fresh SQLite log,
resolved to profiles, then `service.refresh` (read orders, historical value, fit, score,
write five traits per customer) timed.

    .venv/bin/python -m bench.clv_refresh [--customers 20000]

Not part of the test suite; prints the figures.
"""

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import orjson

from bench.clv import synthesize
from unison import migrations
from unison.app.chain import build_chain, drain_chain
from unison.clv import service
from unison.events.importing import import_file
from unison.kit.db import create_db_engine, make_session_factory, transaction
from unison.kit.settings import Settings
from unison.sources.ref import SourceRef
from unison.sources.service import create_source

END = datetime(2026, 6, 30, 12, tzinfo=UTC)


def write_orders(path: Path, customers: int) -> int:
    """Each synthetic customer's first order and repeat orders, spread over their window."""
    data = synthesize(customers, seed=7)
    rng = np.random.default_rng(8)
    count = 0
    with path.open("wb") as out:
        for n in range(customers):
            first = END - timedelta(days=float(data["T"][n]) * 7)
            days = [0.0]
            x = int(data["x"][n])
            if x:
                last = float(data["t_x"][n]) * 7
                days += [*sorted(rng.uniform(0, last, x - 1).tolist()), last]
            for k, day in enumerate(days):
                amount = round(float(rng.gamma(6.25, 35.0 / 6.25)), 2)
                event = {
                    "type": "track",
                    "userId": f"c{n}",
                    "event": "Order Completed",
                    "messageId": f"o{n}-{k}",
                    "timestamp": (first + timedelta(days=day)).isoformat(),
                    "properties": {"revenue": amount, "currency": "GEL"},
                }
                out.write(orjson.dumps(event) + b"\n")
                count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/refresh.db"
        settings = Settings(database_url=url, sqlite_synchronous="NORMAL", log_json=False)
        engine = create_db_engine(url, sqlite_synchronous="NORMAL")
        migrations.upgrade(engine)
        sessions = make_session_factory(engine)
        with transaction(sessions) as session:
            row, _ = create_source(session, "bench", "web")
            ref = SourceRef(row.id, row.name, row.channel)
        path = Path(tmp) / "orders.jsonl"
        events = write_orders(path, args.customers)
        started = time.perf_counter()
        import_file(sessions, path, ref, fmt="jsonl", batch_size=5000)
        imported = time.perf_counter() - started
        started = time.perf_counter()
        drain_chain(build_chain(settings, sessions, batch_size=5000))
        processed = time.perf_counter() - started
        print(
            f"{args.customers:,} customers, {events:,} orders: import {imported:.1f} s, "
            f"profiles {processed:.1f} s"
        )
        for run in (1, 2):
            started = time.perf_counter()
            with transaction(sessions) as session:
                report = service.refresh(session, settings, END)
            elapsed = time.perf_counter() - started
            print(
                f"refresh {run}: {elapsed:.2f} s; {report.customers:,} forecasts, "
                f"{report.traits_written:,} traits; skipped: {report.forecast_skipped}"
            )
        engine.dispose()


if __name__ == "__main__":
    main()
