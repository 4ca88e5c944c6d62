"""`unison segments ...` against the test database."""

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from tests.segments.conftest import START, Api, identify, track
from unison.cli import app
from unison.kit.settings import get_settings

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


def test_create_list_show_preview_members_recompute_delete(
    api: Api, process: Callable[[], int]
) -> None:
    api.send(identify("ani", START, city="Batumi"), track("ani", "Order Completed", START))
    process()
    ani = api.profile("ani")
    text = 'trait("city") == "Batumi"'
    created = runner.invoke(app, ["segments", "create", "Batumi", "--text", text])
    assert created.exit_code == 0, created.output
    assert "1 members" in created.output
    listing = runner.invoke(app, ["segments", "list"])
    assert "Batumi" in listing.output
    shown = runner.invoke(app, ["segments", "show", "1"])
    assert text in shown.output
    preview = runner.invoke(
        app,
        [
            "segments",
            "preview",
            "--definition",
            '{"kind": "stat", "name": "order_count", "op": "gte", "value": 1}',
        ],
    )
    assert preview.exit_code == 0, preview.output
    assert f"1 profiles; sample: {ani}" in preview.output
    members = runner.invoke(app, ["segments", "members", "1"])
    assert str(ani) in members.output
    assert runner.invoke(app, ["segments", "recompute"]).exit_code == 0
    assert runner.invoke(app, ["segments", "rfm", "refresh"]).exit_code == 0
    assert runner.invoke(app, ["segments", "tick"]).exit_code == 0
    assert runner.invoke(app, ["segments", "delete", "1"]).exit_code == 0


def test_a_bad_definition_names_the_character() -> None:
    result = runner.invoke(app, ["segments", "preview", "--text", 'trait("x") === 1'])
    assert result.exit_code == 2
    assert "text@13" in result.output


def test_an_unknown_segment_exits_2_with_the_error() -> None:
    result = runner.invoke(app, ["segments", "show", "99"])
    assert result.exit_code == 2
    assert result.output.startswith("error: "), result.output
    assert "99" in result.output
