"""`unison templates ...` against the test database."""

from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from tests.messaging.templates.conftest import Api
from unison.cli import app
from unison.kit.settings import get_settings

runner = CliRunner()


@pytest.fixture(autouse=True)
def cli_env(
    database_url: str, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    monkeypatch.setenv("UNISON_DATABASE_URL", database_url)
    monkeypatch.setenv("UNISON_SQLITE_SYNCHRONOUS", "NORMAL")
    monkeypatch.setenv("UNISON_SECRET_KEY", "test-secret-key-0123456789abcdef")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_create_update_list_versions_show_preview(api: Api, tmp_path: Path) -> None:
    pid = api.customer("u1", first_name="ნინო")
    spec = tmp_path / "sms.json"
    spec.write_bytes(
        orjson.dumps(
            {
                "name": "hello",
                "channel": "sms",
                "variants": {"ka": {"text": "გამარჯობა {{ traits.first_name }}"}},
            }
        )
    )
    created = runner.invoke(app, ["templates", "create", str(spec)])
    assert created.exit_code == 0, created.output
    assert "template 1 'hello' (sms), version 1" in created.output
    change = tmp_path / "change.json"
    change.write_bytes(orjson.dumps({"variants": {"en": {"text": "Hi {{ traits.first_name }}"}}}))
    updated = runner.invoke(app, ["templates", "update", "1", str(change)])
    assert "version 2" in updated.output, updated.output
    assert "hello" in runner.invoke(app, ["templates", "list"]).output
    listed = runner.invoke(app, ["templates", "versions", "1"]).output
    assert "ka" in listed
    assert "cli" in listed
    shown = orjson.loads(runner.invoke(app, ["templates", "show", "1"]).output)
    assert shown["current"]["version"] == 2
    preview = runner.invoke(
        app, ["templates", "preview", "1", "--profile", str(pid), "--version", "1"]
    )
    assert preview.exit_code == 0, preview.output
    rendered = orjson.loads(preview.output)
    assert rendered["content"] == {"text": "გამარჯობა ნინო"}
    assert (rendered["sms"]["encoding"], rendered["sms"]["segments"]) == ("UCS-2", 1)


def test_bad_input_exits_2_naming_the_field(api: Api, tmp_path: Path) -> None:
    pid = api.customer("u2")
    spec = tmp_path / "bad.json"
    spec.write_bytes(
        orjson.dumps({"name": "x", "channel": "sms", "variants": {"en": {"text": "{% if %}"}}})
    )
    refused = runner.invoke(app, ["templates", "create", str(spec)])
    assert refused.exit_code == 2
    assert "variants.en.text" in refused.output
    assert "line 1" in refused.output
    assert api.get("/api/templates").json()["items"] == []
    spec.write_bytes(
        orjson.dumps({"name": "y", "channel": "sms", "variants": {"en": {"text": "{{ a }}"}}})
    )
    assert runner.invoke(app, ["templates", "create", str(spec)]).exit_code == 0
    missing = runner.invoke(app, ["templates", "preview", "1", "--profile", str(pid)])
    assert missing.exit_code == 2
    assert "a is undefined" in missing.output
    for command in ("show", "versions"):
        unknown = runner.invoke(app, ["templates", command, "9"])
        assert unknown.exit_code == 2, command
        assert unknown.output.startswith("error: "), unknown.output
    spec.write_text("{not json")
    assert runner.invoke(app, ["templates", "create", str(spec)]).exit_code == 2
