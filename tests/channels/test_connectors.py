"""Connectors as configured instances: API and CLI, secrets encrypted at rest and never
listed, rotation and deletion take effect on the webhook at once."""

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from tests.channels.conftest import SECRET_KEY, TELEGRAM_SECRET, Hooks, events
from tests.channels.payloads import tg_message
from tests.conftest import make_token
from unison.cli import app
from unison.kit.settings import get_settings
from unison.models import Connector, Source


class TestApi:
    def test_a_created_connector_is_listed_without_its_secrets(
        self, hooks: Hooks, telegram_bot: dict[str, Any], sessions: sessionmaker[Session]
    ) -> None:
        assert telegram_bot["webhook_url"] == "https://unison.example/hooks/telegram/shop-bot"
        assert telegram_bot["generated_secrets"] == {}
        assert telegram_bot["secret_names"] == ["secret", "token"]
        assert telegram_bot["source"] == "connector:shop-bot"
        listed = hooks.api("GET", "/api/connectors")
        assert listed.status_code == 200
        assert [c["name"] for c in listed.json()] == ["shop-bot"]
        for text in (listed.text, hooks.api("GET", "/api/connectors/shop-bot").text):
            assert TELEGRAM_SECRET not in text
            assert "123456:ABC-DEF" not in text
        with sessions() as session:
            row = session.execute(select(Connector)).scalar_one()
            source = session.get(Source, row.source_id)
        assert TELEGRAM_SECRET not in row.sealed
        assert "ABC-DEF" not in row.sealed
        assert source is not None
        assert (source.channel, source.default_region) == ("telegram", "GE")

    def test_generated_secrets_are_shown_once(self, hooks: Hooks) -> None:
        created = hooks.connector("telegram", "bot-2", {})
        secret = created["generated_secrets"]["secret"]
        assert len(secret) >= 32
        assert secret not in hooks.api("GET", "/api/connectors/bot-2").text
        assert (
            hooks.telegram(tg_message(1, 1, text="hi"), name="bot-2", secret=secret).status_code
            == 200
        )

    @pytest.mark.parametrize(
        ("body", "status", "field"),
        [
            ({"type": "fax", "name": "x"}, 400, "type"),
            ({"type": "telegram", "name": "has space"}, 400, "name"),
            ({"type": "telegram", "name": "a/b"}, 400, "name"),
            ({"type": "viber", "name": "v"}, 400, "secrets.token"),
            (
                {"type": "telegram", "name": "t", "secrets": {"password": "x"}},
                400,
                "secrets.password",
            ),
            (
                {"type": "telegram", "name": "t", "secrets": {"secret": "not allowed!"}},
                400,
                "secrets.secret",
            ),
            ({"type": "telegram", "name": "t", "secrets": {"token": ""}}, 400, "secrets.token"),
            ({"type": "telephony", "name": "t", "region": "XX"}, 400, "region"),
            ({"type": "telegram", "name": "shop-bot"}, 409, "name"),
        ],
    )
    def test_bad_requests_name_the_field(
        self,
        hooks: Hooks,
        telegram_bot: dict[str, Any],
        body: dict[str, Any],
        status: int,
        field: str,
    ) -> None:
        response = hooks.api("POST", "/api/connectors", body)
        assert response.status_code == status, response.text
        assert response.json()["field"] == field

    def test_only_admins_configure_connectors(
        self, hooks: Hooks, sessions: sessionmaker[Session]
    ) -> None:
        marketer = make_token(sessions, "marketer")
        assert hooks.api("GET", "/api/connectors", token=marketer).status_code == 403
        body = {"type": "telegram", "name": "x"}
        assert hooks.api("POST", "/api/connectors", body, token=marketer).status_code == 403
        assert hooks.client.get("/api/connectors").status_code == 401

    def test_a_rotated_secret_takes_effect_at_once(
        self, hooks: Hooks, telegram_bot: dict[str, Any], sessions: sessionmaker[Session]
    ) -> None:
        assert hooks.telegram(tg_message(1, 1, text="a")).status_code == 200  # cached now
        response = hooks.api(
            "PATCH", "/api/connectors/shop-bot", {"secrets": {"secret": "new-secret_1"}}
        )
        assert response.status_code == 200
        assert response.json()["secret_names"] == ["secret", "token"]
        assert hooks.telegram(tg_message(2, 2, text="b")).status_code == 401
        assert hooks.telegram(tg_message(3, 3, text="c"), secret="new-secret_1").status_code == 200
        assert len(events(sessions)) == 2

    def test_a_deleted_connector_stops_answering_and_keeps_its_events(
        self, hooks: Hooks, telegram_bot: dict[str, Any], sessions: sessionmaker[Session]
    ) -> None:
        update = tg_message(5, 5, text="a")
        assert hooks.telegram(update).status_code == 200
        assert hooks.api("DELETE", "/api/connectors/shop-bot").status_code == 204
        assert hooks.telegram(update).status_code == 404
        assert hooks.api("DELETE", "/api/connectors/shop-bot").status_code == 404
        assert len(events(sessions)) == 1
        # Re-created under the same name, it takes its source back: a redelivery dedupes.
        hooks.connector("telegram", "shop-bot", {"secret": TELEGRAM_SECRET})
        assert hooks.telegram(update).json()["duplicates"] == 1

    def test_secrets_sealed_under_another_key_are_a_clear_503(
        self, hooks: Hooks, telegram_bot: dict[str, Any], sessions: sessionmaker[Session]
    ) -> None:
        with sessions() as session:
            row = session.execute(select(Connector)).scalar_one()
            row.sealed = "gAAAAAB-not-a-token"
            session.commit()
        response = hooks.telegram(tg_message(1, 1, text="a"))
        assert response.status_code == 503
        assert response.json()["error"] == "SecretsUnreadable"


class TestCli:
    def test_create_list_delete(self, database_url: str, sessions: sessionmaker[Session]) -> None:
        runner = CliRunner()
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("UNISON_DATABASE_URL", database_url)
            mp.setenv("UNISON_SECRET_KEY", SECRET_KEY)
            mp.setenv("UNISON_PUBLIC_URL", "https://unison.example")
            get_settings.cache_clear()
            try:
                created = runner.invoke(
                    app,
                    ["connectors", "create", "telegram", "--name", "cli-bot", "--token", "42:XYZ"],
                )
                listed = runner.invoke(app, ["connectors", "list"])
                bad = runner.invoke(app, ["connectors", "create", "viber", "--name", "v"])
                deleted = runner.invoke(app, ["connectors", "delete", "cli-bot"])
                again = runner.invoke(app, ["connectors", "delete", "cli-bot"])
            finally:
                get_settings.cache_clear()
        assert created.exit_code == 0, created.output
        assert "https://unison.example/hooks/telegram/cli-bot" in created.output
        assert "generated secret (shown once):" in created.output
        assert listed.exit_code == 0
        assert "cli-bot" in listed.output
        assert "42:XYZ" not in listed.output
        assert bad.exit_code == 2
        assert "secrets.token" in bad.output or "token" in bad.output
        assert deleted.exit_code == 0
        assert again.exit_code == 2
