"""`unison clv refresh | validate | spend import` and `unison report unit-economics`."""

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from tests.clv.conftest import clv_traits, order
from tests.clv.test_refresh import shoppers
from unison.cli import app
from unison.kit.clock import utcnow
from unison.kit.settings import get_settings

runner = CliRunner()
Send = Callable[[list[dict[str, Any]]], None]


@pytest.fixture(autouse=True)
def cli_env(
    database_url: str, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    monkeypatch.setenv("UNISON_DATABASE_URL", database_url)
    monkeypatch.setenv("UNISON_SQLITE_SYNCHRONOUS", "NORMAL")
    monkeypatch.setenv("UNISON_CLV_MIN_CUSTOMERS", "5")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


class TestCommands:
    def test_refresh_validate_and_unit_economics(
        self,
        sessions: sessionmaker[Session],
        send: Send,
        process: Callable[[], int],
        tmp_path: Path,
    ) -> None:
        now = utcnow()
        send(shoppers(40, now=now))
        process()
        result = runner.invoke(app, ["clv", "refresh"])
        assert result.exit_code == 0, result.output
        assert "40 with forecasts" in result.output
        with sessions() as session:
            assert len(clv_traits(session)) == 40
        chart = tmp_path / "validation.svg"
        end, start = now.date(), (now - timedelta(days=120)).date()
        result = runner.invoke(
            app,
            [
                "clv",
                "validate",
                "--calibration-end",
                start.isoformat(),
                "--observation-end",
                end.isoformat(),
                "--plot",
                str(chart),
            ],
        )
        assert result.exit_code == 0, result.output
        assert "repeat purchases" in result.output
        assert chart.read_bytes().lstrip().startswith(b"<?xml")
        month = now.strftime("%Y-%m")
        first = (now - timedelta(days=730)).strftime("%Y-%m")
        result = runner.invoke(app, ["report", "unit-economics", "--from", first, "--to", month])
        assert result.exit_code == 0, result.output
        assert "unit economics" in result.output
        assert "all" in result.output

    def test_errors_are_one_line_and_exit_2(self, send: Send, process: Callable[[], int]) -> None:
        now = utcnow()
        send(
            [
                order("a", now - timedelta(days=3), 10),
                order("b", now - timedelta(days=2), 10, currency="USD"),
            ]
        )
        process()
        result = runner.invoke(app, ["clv", "refresh"])
        assert result.exit_code == 2
        assert "several currencies" in result.output
        result = runner.invoke(
            app, ["report", "unit-economics", "--from", "2026-13", "--to", "2026-12"]
        )
        assert result.exit_code == 2
        assert "YYYY-MM" in result.output
        result = runner.invoke(
            app, ["clv", "validate", "--calibration-end", "yesterday", "--observation-end", "x"]
        )
        assert result.exit_code == 2
