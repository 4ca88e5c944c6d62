"""`unison users create`: a console user from the command line, password never echoed."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from tests.console.conftest import log_in
from unison.cli import app
from unison.kit.settings import get_settings
from unison.models import AuditEntry, StaffUser

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


class TestUsersCreate:
    def test_a_created_user_logs_in_and_only_a_hash_is_stored(
        self, console: TestClient, sessions: sessionmaker[Session]
    ) -> None:
        password = "ანა-პაროლი-2026"
        result = runner.invoke(
            app,
            ["users", "create", "ანა", "--role", "marketer", "--password-stdin"],
            input=password + "\n",
        )
        assert result.exit_code == 0, result.output
        assert password not in result.output
        with sessions() as session:
            user = session.execute(select(StaffUser)).scalar_one()
            assert (user.name, user.role) == ("ანა", "marketer")
            assert user.password_hash.startswith("$argon2id$")
            assert password not in user.password_hash
            entry = session.execute(select(AuditEntry)).scalar_one()
            assert (entry.action, entry.target) == ("user.create", "user:ანა")
        assert log_in(console, "ანა", password).status_code == 303

    def test_the_password_is_prompted_twice(self, sessions: sessionmaker[Session]) -> None:
        typed = "long enough password\nlong enough password\n"
        result = runner.invoke(app, ["users", "create", "sam", "--role", "agent"], input=typed)
        assert result.exit_code == 0, result.output
        with sessions() as session:
            assert session.execute(select(StaffUser.name)).scalar_one() == "sam"

    @pytest.mark.parametrize(
        ("args", "stdin", "message"),
        [
            (["--role", "root"], "long enough password", "accepted: admin, marketer"),
            (["--role", "admin"], "short", "at least 10 characters"),
        ],
    )
    def test_bad_input_is_refused_and_nothing_is_stored(
        self, sessions: sessionmaker[Session], args: list[str], stdin: str, message: str
    ) -> None:
        result = runner.invoke(
            app, ["users", "create", "x", *args, "--password-stdin"], input=stdin + "\n"
        )
        assert result.exit_code == 2
        assert message in result.output
        with sessions() as session:
            assert session.execute(select(StaffUser)).first() is None

    def test_a_second_user_of_the_same_name_is_refused(self) -> None:
        first = ["users", "create", "dup", "--role", "agent", "--password-stdin"]
        assert runner.invoke(app, first, input="long enough password\n").exit_code == 0
        again = runner.invoke(app, first, input="long enough password\n")
        assert again.exit_code == 2
        assert "already exists" in again.output
