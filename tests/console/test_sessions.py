"""Rate-limited logins, session expiry, password change."""

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from tests.console.conftest import PASSWORD, Login, csrf_of, log_in, make_user
from unison.app import create_app
from unison.kit.clock import utcnow
from unison.kit.db import transaction
from unison.kit.settings import Settings
from unison.models import AuditEntry, StaffSession


@pytest.fixture
def strict(settings: Settings, sessions: sessionmaker[Session]) -> Iterator[TestClient]:
    """A console allowing 3 failures per name and 5 per address."""
    tight = settings.model_copy(
        update={"console_login_max_failures": 3, "console_login_max_failures_per_address": 5}
    )
    with TestClient(create_app(tight, background=False), base_url="http://localhost") as client:
        yield client


class TestRateLimit:
    def test_after_the_failures_even_the_right_password_is_refused(
        self, strict: TestClient, sessions: sessionmaker[Session]
    ) -> None:
        make_user(sessions, "mariam", "admin")
        for _ in range(3):
            assert log_in(strict, "mariam", "guess guess guess").status_code == 401
        refused = log_in(strict, "mariam", PASSWORD)
        assert refused.status_code == 429
        assert "Too many failed logins" in refused.text
        assert "unison_console=" not in refused.headers.get("set-cookie", "")

    def test_an_unknown_name_is_limited_the_same_way(
        self, strict: TestClient, sessions: sessionmaker[Session]
    ) -> None:
        for _ in range(3):
            assert log_in(strict, "nobody", "guess guess guess").status_code == 401
        assert log_in(strict, "nobody", "guess guess guess").status_code == 429

    def test_one_address_guessing_many_names_is_limited(
        self, strict: TestClient, sessions: sessionmaker[Session]
    ) -> None:
        make_user(sessions, "levan", "agent")
        for n in range(5):
            assert log_in(strict, f"name{n}", "guess guess guess").status_code == 401
        assert log_in(strict, "levan", PASSWORD).status_code == 429

    def test_a_success_clears_the_account_failures(
        self, strict: TestClient, sessions: sessionmaker[Session]
    ) -> None:
        make_user(sessions, "arev", "agent")
        for _ in range(2):
            log_in(strict, "arev", "guess guess guess")
        assert log_in(strict, "arev", PASSWORD).status_code == 303
        strict.cookies.clear()
        for _ in range(2):
            assert log_in(strict, "arev", "guess guess guess").status_code == 401
        assert log_in(strict, "arev", PASSWORD).status_code == 303


class TestExpiry:
    def _age(self, sessions: sessionmaker[Session], **changes: object) -> None:
        with transaction(sessions) as session:
            session.execute(update(StaffSession).values(**changes))

    def test_an_idle_session_goes_back_to_login(
        self, as_role: Login, sessions: sessionmaker[Session]
    ) -> None:
        client = as_role("analyst")
        self._age(sessions, last_seen_at=utcnow() - timedelta(minutes=61))
        answer = client.get("/console/", follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/console/login")

    def test_a_session_past_its_absolute_limit_goes_back_to_login(
        self, as_role: Login, sessions: sessionmaker[Session]
    ) -> None:
        client = as_role("analyst")
        self._age(sessions, expires_at=utcnow() - timedelta(seconds=1))
        assert client.get("/console/", follow_redirects=False).status_code == 303

    def test_an_active_session_stays(self, as_role: Login, sessions: sessionmaker[Session]) -> None:
        client = as_role("analyst")
        self._age(sessions, last_seen_at=utcnow() - timedelta(minutes=59))
        assert client.get("/console/").status_code == 200


class TestPasswordChange:
    def _change(
        self, client: TestClient, current: str, new: str, confirm: str | None = None
    ) -> httpx.Response:
        form = client.get("/console/account/password")
        data = {"current": current, "new": new, "confirm": confirm or new}
        return client.post(
            "/console/account/password", data={**data, "csrf_token": csrf_of(form.text)}
        )

    def test_a_change_takes_effect_and_ends_other_sessions(
        self, as_role: Login, settings: Settings, sessions: sessionmaker[Session]
    ) -> None:
        client = as_role("marketer", "tamar")
        with TestClient(
            create_app(settings, background=False), base_url="http://localhost"
        ) as other:
            assert log_in(other, "tamar").status_code == 303
            answer = self._change(client, PASSWORD, "a brand new passphrase")
            assert answer.status_code == 200
            assert "Your password was changed" in answer.text
            assert other.get("/console/", follow_redirects=False).status_code == 303
        assert client.get("/console/").status_code == 200  # this session stays
        client.cookies.clear()
        assert log_in(client, "tamar", PASSWORD).status_code == 401
        assert log_in(client, "tamar", "a brand new passphrase").status_code == 303
        with sessions() as session:
            actions = session.execute(select(AuditEntry.action, AuditEntry.actor)).all()
        assert actions == [("user.password", "user:tamar")]

    @pytest.mark.parametrize(
        ("current", "new", "confirm", "message"),
        [
            ("wrong current pw", "a brand new passphrase", None, "The current password is wrong."),
            (PASSWORD, "short", None, "at least 10 characters"),
            (PASSWORD, "a brand new passphrase", "something else here", "differ"),
        ],
    )
    def test_a_refused_change_keeps_the_old_password(
        self, as_role: Login, current: str, new: str, confirm: str | None, message: str
    ) -> None:
        client = as_role("agent", "dato")
        answer = self._change(client, current, new, confirm)
        assert answer.status_code == 400
        assert message in answer.text
        client.cookies.clear()
        assert log_in(client, "dato", PASSWORD).status_code == 303
