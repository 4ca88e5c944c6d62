"""Erasure reaches the store's files: no byte of the database (SQLite: the main file and its
WAL, read while the app still has them open) and no row of any table (PostgreSQL) holds an
erased value afterwards."""

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from tests.consent.conftest import Api
from tests.consent.test_privacy import EMAIL, NAME, PHONE, _tamar

USER_ID, ANONYMOUS_ID = "u-tamar", "anon-tamar-7c41f0"
NEEDLES = [EMAIL, PHONE, PHONE.lstrip("+"), NAME, USER_ID, ANONYMOUS_ID]
ENCODINGS = ("utf-8", "utf-16-le", "utf-16-be")


def _more_events(api: Api, count: int) -> None:
    """Enough events, traits and page versions that the WAL holds many copies."""
    api.send(
        *(
            {
                "type": "track",
                "userId": USER_ID,
                "anonymousId": ANONYMOUS_ID,
                "event": "Product Viewed",
                "messageId": f"view-{n}",
                "context": {"traits": {"email": EMAIL, "name": NAME}},
                "properties": {"sku": f"SKU-{n}", "contact": PHONE},
            }
            for n in range(count)
        )
    )


def _file_hits(path: Path) -> list[tuple[str, str, str]]:
    """Scanned in a child process: closing any descriptor of the database file in this
    process would drop every POSIX lock SQLite holds on it here (fcntl locks are per
    process), and another process could then delete the WAL under our open connections."""
    scan = subprocess.run(
        [sys.executable, "-c", _SCAN, str(path), json.dumps(NEEDLES), json.dumps(ENCODINGS)],
        capture_output=True,
        check=True,
        text=True,
    )
    return [tuple(hit) for hit in json.loads(scan.stdout)]  # type: ignore[misc]


_SCAN = """
import json, sys
from pathlib import Path
path, needles, encodings = Path(sys.argv[1]), json.loads(sys.argv[2]), json.loads(sys.argv[3])
found = []
for name in (path, Path(f"{path}-wal")):
    data = name.read_bytes() if name.exists() else b""
    found += [(name.name, n, e) for n in needles for e in encodings if n.encode(e) in data]
print(json.dumps(found))
"""


def _row_hits(engine: Engine) -> list[tuple[str, str]]:
    """Every (table, needle) where a row of any table in the schema, as text, holds it."""
    found = []
    with engine.connect() as connection:
        tables = connection.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ).scalars()
        for table in list(tables):
            rows = connection.execute(text(f'SELECT t::text FROM "{table}" t'))  # noqa: S608
            blob = "\n".join(r[0] for r in rows)
            found += [(table, n) for n in NEEDLES if n in blob]
    return found


class TestErasedBytes:
    def test_no_erased_value_remains_in_the_sqlite_file_or_its_wal_while_the_app_runs(
        self, api: Api, process: Callable[[], int], engine: Engine
    ) -> None:
        if engine.dialect.name != "sqlite":
            pytest.skip("a byte scan of the SQLite files; PostgreSQL is scanned row by row")
        path = Path(str(engine.url.database))
        pid = _tamar(api, process)
        _more_events(api, 40)
        process()
        assert {n for _, n, _ in _file_hits(path)} == set(NEEDLES)  # the scan sees them
        response = api.post("/api/privacy/erase", {"profile_id": pid})
        assert response.status_code == 200, response.text
        assert response.json()["storage_scrubbed"] is True
        assert _file_hits(path) == []

    def test_no_row_of_any_postgresql_table_holds_an_erased_value_after_vacuum(
        self, api: Api, process: Callable[[], int], engine: Engine
    ) -> None:
        if engine.dialect.name != "postgresql":
            pytest.skip("the row scan of every PostgreSQL table")
        pid = _tamar(api, process)
        _more_events(api, 40)
        process()
        assert {n for _, n in _row_hits(engine)} == set(NEEDLES)
        response = api.post("/api/privacy/erase", {"profile_id": pid})
        assert response.status_code == 200, response.text
        assert response.json()["storage_scrubbed"] is True
        assert _row_hits(engine) == []
