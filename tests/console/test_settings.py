"""The settings pages: administrators change things (each change in the audit log); every
other role gets the 403 page, and a POST from them changes nothing."""

import re

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.console.conftest import PASSWORD, Login, csrf_of
from unison.models import AuditEntry, Connector, ConsentPurpose, Source, StaffUser
from unison.sources.service import source_for_write_key


def post(client: TestClient, path: str, data: dict[str, str]) -> httpx.Response:
    token = csrf_of(client.get("/console/").text)
    return client.post(path, data={**data, "csrf_token": token}, follow_redirects=False)


def audit(sessions: sessionmaker[Session]) -> list[tuple[str, str, str]]:
    with sessions() as session:
        rows = session.execute(
            select(AuditEntry.actor, AuditEntry.action, AuditEntry.target).order_by(AuditEntry.id)
        )
        return [(r.actor, r.action, r.target) for r in rows]


class TestSources:
    def test_a_new_source_key_is_shown_once_and_works(
        self, as_role: Login, sessions: sessionmaker[Session]
    ) -> None:
        client = as_role("admin", "root")
        answer = client.post(
            "/console/settings/sources",
            data={
                "name": "Сайт",
                "channel": "web",
                "region": "ge",
                "csrf_token": csrf_of(client.get("/console/settings/sources").text),
            },
        )
        assert answer.status_code == 200
        key = re.search(r'id="new-write-key"[^>]*>([^<]+)<', answer.text)
        assert key
        with sessions() as session:
            assert source_for_write_key(session, key.group(1)) is not None
        again = client.get("/console/settings/sources")
        assert key.group(1) not in again.text
        assert "Сайт" in again.text
        assert audit(sessions) == [("user:root", "source.create", "source:Сайт")]

    def test_a_rotated_key_replaces_the_old_one(
        self, as_role: Login, sessions: sessionmaker[Session], write_key: str
    ) -> None:
        client = as_role("admin", "root")
        answer = post(client, "/console/settings/sources/rotate", {"name": "website"})
        key = re.search(r'id="new-write-key"[^>]*>([^<]+)<', answer.text)
        assert key
        with sessions() as session:
            assert source_for_write_key(session, write_key) is None
            assert source_for_write_key(session, key.group(1)) is not None

    def test_a_bad_channel_is_shown_and_nothing_is_created(
        self, as_role: Login, sessions: sessionmaker[Session]
    ) -> None:
        client = as_role("admin")
        answer = post(client, "/console/settings/sources", {"name": "x", "channel": "fax"})
        assert answer.status_code == 400
        assert "is not a channel; accepted:" in answer.text
        with sessions() as session:
            assert session.execute(select(func.count()).select_from(Source)).scalar() == 0


class TestConnectors:
    def test_create_shows_generated_secrets_once_and_the_webhook_url(
        self, as_role: Login, sessions: sessionmaker[Session]
    ) -> None:
        client = as_role("admin", "root")
        answer = post(
            client,
            "/console/settings/connectors",
            {"type": "telegram", "name": "tg-main", "secret_token": "123:abc"},
        )
        assert answer.status_code == 200
        assert "Secrets of tg-main" in answer.text
        listing = client.get("/console/settings/connectors")
        assert "/hooks/telegram/tg-main" in listing.text
        assert "123:abc" not in listing.text
        rotated = post(client, "/console/settings/connectors/rotate", {"name": "tg-main"})
        assert rotated.status_code == 200
        with sessions() as session:
            assert session.execute(select(Connector.name)).scalar_one() == "tg-main"
        actions = [a for _, a, _ in audit(sessions)]
        assert actions == ["connector.create", "connector.rotate_secret"]

    def test_the_fields_follow_the_chosen_type(self, as_role: Login) -> None:
        client = as_role("admin")
        page = client.get("/console/settings/connectors?type=whatsapp", headers={"HX-Request": "1"})
        assert 'name="secret_app_secret"' in page.text
        assert 'name="secret_verify_token"' in page.text


class TestPurposes:
    def test_a_declared_purpose_is_listed(
        self, as_role: Login, sessions: sessionmaker[Session]
    ) -> None:
        client = as_role("admin")
        answer = post(
            client, "/console/settings/purposes", {"name": "loyalty_news", "kind": "marketing"}
        )
        assert answer.status_code == 303
        page = client.get(answer.headers["location"])
        assert "The purpose was added." in page.text
        assert "loyalty_news" in page.text

    def test_a_bad_name_says_what_is_accepted(
        self, as_role: Login, sessions: sessionmaker[Session]
    ) -> None:
        client = as_role("admin")
        answer = post(client, "/console/settings/purposes", {"name": "Loyalty News"})
        assert answer.status_code == 400
        assert "a lowercase letter" in answer.text
        with sessions() as session:
            assert session.execute(select(ConsentPurpose)).first() is None


class TestUsers:
    def test_create_change_role_disable(
        self, as_role: Login, settings: object, sessions: sessionmaker[Session]
    ) -> None:
        client = as_role("admin", "root")
        created = post(
            client,
            "/console/settings/users",
            {"name": "Ашот", "role": "agent", "password": PASSWORD, "email": ""},
        )
        assert created.status_code == 303
        assert post(client, "/console/settings/users/role", {"name": "Ашот", "role": "marketer"})
        post(client, "/console/settings/users/disable", {"name": "Ашот", "disabled": "true"})
        with sessions() as session:
            user = session.execute(select(StaffUser).where(StaffUser.name == "Ашот")).scalar_one()
            assert (user.role, user.disabled) == ("marketer", True)
        assert [a for _, a, _ in audit(sessions)] == ["user.create", "user.role", "user.disable"]
        page = client.get("/console/settings/audit?action=user.role")
        assert "user:Ашот" in page.text
        assert "user.create" not in page.text.split("<tbody>")[1]

    def test_an_admin_cannot_disable_themself(
        self, as_role: Login, sessions: sessionmaker[Session]
    ) -> None:
        client = as_role("admin", "root")
        answer = post(client, "/console/settings/users/disable", {"name": "root"})
        assert answer.status_code == 400
        assert client.get("/console/").status_code == 200


FORBIDDEN_POSTS = [
    ("/console/settings/sources", {"name": "sneaky", "channel": "web"}),
    ("/console/settings/purposes", {"name": "sneaky"}),
    ("/console/settings/users", {"name": "sneaky", "role": "admin", "password": PASSWORD}),
    ("/console/settings/users/role", {"name": "agent-user", "role": "admin"}),
]


class TestOtherRoles:
    @pytest.mark.parametrize("role", ["agent", "analyst", "marketer"])
    @pytest.mark.parametrize(
        "path", ["/console/settings/sources", "/console/settings/users", "/console/settings/audit"]
    )
    def test_the_settings_pages_answer_403(self, as_role: Login, role: str, path: str) -> None:
        answer = as_role(role).get(path)
        assert answer.status_code == 403
        assert "Not allowed" in answer.text
        assert "Settings" not in answer.text.split("<main")[0]  # not in their navigation

    @pytest.mark.parametrize(("path", "data"), FORBIDDEN_POSTS)
    def test_an_agent_post_changes_nothing(
        self, as_role: Login, sessions: sessionmaker[Session], path: str, data: dict[str, str]
    ) -> None:
        client = as_role("agent")
        answer = post(client, path, data)
        assert answer.status_code == 403
        with sessions() as session:
            assert session.execute(select(Source)).first() is None
            assert session.execute(select(ConsentPurpose)).first() is None
            assert session.execute(select(StaffUser.name, StaffUser.role)).all() == [
                ("agent-user", "agent")
            ]
            assert session.execute(select(AuditEntry)).first() is None
