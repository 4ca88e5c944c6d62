"""Loading the demo dataset once per test module, the way a user does: `unison demo`, then
the processor chain a server would run, until it has the whole log.

Module-scoped, because loading 300 customers and projecting their 10,000 events takes
seconds; the module's tests only read (or add their own rows), and the tables are emptied
when the module is done.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from tests.conftest import _empty_tables
from tests.processing import caught_up, drain_until_caught_up
from unison.app.chain import build_chain
from unison.cli import app
from unison.kit.db import make_session_factory
from unison.kit.settings import Settings, get_settings

DEMO_CUSTOMERS, DEMO_SEED = 300, 42  # the README's `unison demo` defaults


@dataclass(frozen=True)
class LoadedDemo:
    write_key: str
    admin_token: str
    output: str


def demo_settings(database_url: str, **overrides: object) -> Settings:
    return Settings(
        database_url=database_url,
        sqlite_synchronous="NORMAL",
        log_json=False,
        embedded_worker=False,
        consent_webhooks_enabled=False,
        outbox_delivery_enabled=False,
        secret_key="test-secret-key-0123456789abcdef",
        **overrides,  # type: ignore[arg-type]
    )


@contextmanager
def cli_environment(database_url: str, **env: str) -> Iterator[pytest.MonkeyPatch]:
    """`unison ...` commands run by CliRunner read their settings from the environment."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("UNISON_DATABASE_URL", database_url)
        patch.setenv("UNISON_SQLITE_SYNCHRONOUS", "NORMAL")
        patch.setenv("UNISON_LOG_JSON", "false")
        for name, value in env.items():
            patch.setenv(name, value)
        get_settings.cache_clear()
        try:
            yield patch
        finally:
            get_settings.cache_clear()


@contextmanager
def loaded_demo(engine: Engine, database_url: str) -> Iterator[LoadedDemo]:
    """`unison demo` (300 customers, seed 42) fully processed; emptied afterwards."""
    _empty_tables(engine)
    try:
        with cli_environment(database_url):
            result = CliRunner().invoke(
                app, ["demo", "--customers", str(DEMO_CUSTOMERS), "--seed", str(DEMO_SEED)]
            )
        assert result.exit_code == 0, result.output
        key = re.search(r"write key:\s+(\S+)", result.output)
        token = re.search(r"admin token:\s+(\S+)", result.output)
        assert key, result.output
        assert token, result.output
        sessions = make_session_factory(engine)
        runners = build_chain(demo_settings(database_url), sessions, batch_size=2000)
        drain_until_caught_up(runners, sessions, timeout=120.0)
        behind = [r.processor.name for r in runners if not caught_up(sessions, r.processor.name)]
        assert not behind, f"{behind} did not catch up with the demo log within 120 s"
        yield LoadedDemo(key.group(1), token.group(1), result.output)
    finally:
        _empty_tables(engine)
