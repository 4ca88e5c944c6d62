"""`unison demo` creates the first console administrator and prints how to log in."""

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from tests.console.conftest import log_in
from unison.cli import app
from unison.kit.settings import get_settings

runner = CliRunner()
PRINTED = re.compile(r"console: +(\S+)/console +user: (\S+) +password: (\S+)")


@pytest.fixture(autouse=True)
def cli_env(
    database_url: str, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    monkeypatch.setenv("UNISON_DATABASE_URL", database_url)
    monkeypatch.setenv("UNISON_SQLITE_SYNCHRONOUS", "NORMAL")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_the_printed_credentials_log_in_and_a_rerun_replaces_the_password(
    console: TestClient,
) -> None:
    first = runner.invoke(app, ["demo", "--customers", "3", "--seed", "1"])
    assert first.exit_code == 0, first.output
    found = PRINTED.search(first.output)
    assert found, first.output
    _url, name, password = found.groups()
    assert log_in(console, name, password).status_code == 303
    again = PRINTED.search(runner.invoke(app, ["demo", "--customers", "3", "--seed", "1"]).output)
    assert again
    assert again.group(3) != password
    console.cookies.clear()
    assert log_in(console, name, password).status_code == 401
    assert log_in(console, name, again.group(3)).status_code == 303
