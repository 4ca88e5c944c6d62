"""The `unison` command against the test database."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from tests.events.helpers import stored
from unison.auth.service import active_token
from unison.cli import app
from unison.kit.settings import get_settings
from unison.models import Source
from unison.sources.service import source_for_write_key

runner = CliRunner()


@pytest.fixture(autouse=True)
def cli_env(
    database_url: str, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    monkeypatch.setenv("UNISON_DATABASE_URL", database_url)
    monkeypatch.setenv("UNISON_SQLITE_SYNCHRONOUS", "NORMAL")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


class TestSourcesAndTokens:
    def test_a_created_source_key_authenticates_and_is_stored_hashed(
        self, sessions: sessionmaker[Session]
    ) -> None:
        result = runner.invoke(app, ["sources", "create", "shop", "--channel", "pos", "-q"])
        assert result.exit_code == 0, result.output
        key = result.output.strip()
        with sessions() as session:
            ref = source_for_write_key(session, key)
            assert ref is not None
            assert ref.channel == "pos"
            row = session.execute(select(Source)).scalar_one()
            assert key not in (row.write_key_hash, row.write_key_hint)
        listing = runner.invoke(app, ["sources", "list"])
        assert "shop" in listing.output
        assert key not in listing.output

    def test_a_bad_channel_is_refused_with_the_accepted_list(self) -> None:
        result = runner.invoke(app, ["sources", "create", "x", "--channel", "fax"])
        assert result.exit_code == 2
        assert "accepted: web, mobile" in result.output

    def test_a_token_is_printed_once_and_revocable(self, sessions: sessionmaker[Session]) -> None:
        result = runner.invoke(app, ["tokens", "create", "ops", "--role", "analyst", "-q"])
        secret = result.output.strip()
        with sessions() as session:
            token = active_token(session, secret)
            assert token is not None
            assert token.role == "analyst"
        assert runner.invoke(app, ["tokens", "revoke", "ops"]).exit_code == 0
        with sessions() as session:
            assert active_token(session, secret) is None
        bad = runner.invoke(app, ["tokens", "create", "x", "--role", "root"])
        assert bad.exit_code == 2
        assert "accepted: admin, marketer, analyst, agent" in bad.output


class TestImportCommand:
    def test_import_prints_a_summary_with_line_numbers(
        self, tmp_path: Path, sessions: sessionmaker[Session]
    ) -> None:
        runner.invoke(app, ["sources", "create", "crm", "--channel", "other"])
        path = tmp_path / "crm.jsonl"
        path.write_text('{"type":"identify","userId":"c1","traits":{"name":"Արամ"}}\n{oops\n')
        result = runner.invoke(app, ["import", str(path), "--source", "crm"])
        assert result.exit_code == 0, result.output
        assert "line 2: line is not valid JSON" in result.output
        assert "2 lines: 1 stored, 0 already stored, 1 rejected" in result.output
        again = runner.invoke(app, ["import", str(path), "--source", "crm"])
        assert "0 stored, 1 already stored" in again.output
        assert len(stored(sessions)) == 1

    def test_import_into_an_unknown_source_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "x.jsonl"
        path.write_text("{}\n")
        result = runner.invoke(app, ["import", str(path), "--source", "nope"])
        assert result.exit_code == 2
        assert "no source named 'nope'" in result.output


class TestDemo:
    def test_the_same_seed_writes_the_same_file(self, tmp_path: Path) -> None:
        a, b, c = tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "c.jsonl"
        for path, seed in ((a, "7"), (b, "7"), (c, "8")):
            result = runner.invoke(
                app, ["demo", "generate", "--customers", "20", "--seed", seed, "--out", str(path)]
            )
            assert result.exit_code == 0, result.output
        assert a.read_bytes() == b.read_bytes() != c.read_bytes()

    def test_demo_loads_every_generated_event_and_prints_credentials(
        self, sessions: sessionmaker[Session]
    ) -> None:
        result = runner.invoke(app, ["demo", "--customers", "15", "--seed", "3"])
        assert result.exit_code == 0, result.output
        assert "write key:   uwk_" in result.output
        assert "admin token: uat_" in result.output
        count = len(stored(sessions))
        assert count > 100
        assert f"{count:,} events ({count:,} new" in result.output  # none was rejected
        again = runner.invoke(app, ["demo", "--customers", "15", "--seed", "3"])
        assert f"0 new, {count:,} already loaded" in again.output
        assert len(stored(sessions)) == count


class TestProfilesRebuild:
    def test_rebuild_replays_the_log_into_the_same_profiles(
        self, sessions: sessionmaker[Session]
    ) -> None:
        from tests.profiles.test_rebuild import _snapshot
        from unison.profiles.processor import profile_processor
        from unison.worker.runner import Runner

        runner.invoke(app, ["demo", "--customers", "12", "--seed", "5"])
        Runner(sessions, profile_processor(get_settings())).drain()
        with sessions() as session:
            before = _snapshot(session)
        result = runner.invoke(app, ["profiles", "rebuild"])
        assert result.exit_code == 0, result.output
        assert f"rebuilt profiles from {len(stored(sessions)):,} events" in result.output
        with sessions() as session:
            assert _snapshot(session) == before
        assert before["profiles"]
