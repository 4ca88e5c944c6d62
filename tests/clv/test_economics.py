"""Unit economics: spend entered by API or CSV, CAC by first-touch channel, LTV/CAC, payback."""

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from tests.clv.conftest import NOW, order, track
from unison.clv import economics
from unison.kit.db import transaction
from unison.kit.settings import Settings

Send = Callable[[list[dict[str, Any]]], None]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class TestSpendEntry:
    def test_api_records_and_replaces_spend_per_channel_and_month(
        self, client: TestClient, admin_token: str
    ) -> None:
        body = {
            "items": [
                {"channel": "ads", "month": "2026-05", "amount": 1000, "currency": "gel"},
                {"channel": "social", "month": "2026-05", "amount": 400, "currency": "GEL"},
            ]
        }
        assert (
            client.post(
                "/api/analytics/acquisition-spend", json=body, headers=bearer(admin_token)
            ).status_code
            == 201
        )
        again = {
            "items": [{"channel": "ads", "month": "2026-05", "amount": 1200, "currency": "GEL"}]
        }
        client.post("/api/analytics/acquisition-spend", json=again, headers=bearer(admin_token))
        listed = client.get("/api/analytics/acquisition-spend", headers=bearer(admin_token)).json()
        assert listed["items"] == [
            {"channel": "ads", "month": "2026-05", "amount": 1200.0, "currency": "GEL"},
            {"channel": "social", "month": "2026-05", "amount": 400.0, "currency": "GEL"},
        ]

    @pytest.mark.parametrize(
        ("item", "field"),
        [
            (
                {"channel": "billboards", "month": "2026-05", "amount": 1, "currency": "GEL"},
                "channel",
            ),
            ({"channel": "ads", "month": "2026-13", "amount": 1, "currency": "GEL"}, "month"),
            ({"channel": "ads", "month": "May 2026", "amount": 1, "currency": "GEL"}, "month"),
            ({"channel": "ads", "month": "2026-05", "amount": -5, "currency": "GEL"}, "amount"),
            ({"channel": "ads", "month": "2026-05", "amount": 5}, "currency"),
            ({"channel": "ads", "month": "2026-05", "amount": 5, "currency": "лари"}, "currency"),
        ],
    )
    def test_bad_entries_are_refused_naming_the_field_and_nothing_is_stored(
        self, client: TestClient, admin_token: str, item: dict[str, Any], field: str
    ) -> None:
        good = {"channel": "ads", "month": "2026-04", "amount": 1, "currency": "GEL"}
        response = client.post(
            "/api/analytics/acquisition-spend",
            json={"items": [good, item]},
            headers=bearer(admin_token),
        )
        assert response.status_code == 400, response.text
        assert response.json()["field"] == field
        assert "items[1]" in response.json()["detail"]
        listed = client.get("/api/analytics/acquisition-spend", headers=bearer(admin_token)).json()
        assert listed["items"] == []

    def test_csv_import_rejects_the_whole_file_on_one_bad_line(
        self, settings: Settings, tmp_path: Path
    ) -> None:
        text = "channel,month,amount,currency\nads,2026-05,100,GEL\nads,2026-5,100,GEL\n"
        with pytest.raises(economics.ClvInputInvalid, match="line 3: month"):
            economics.parse_spend_csv(text, settings)
        with pytest.raises(economics.ClvInputInvalid, match="header lacks amount"):
            economics.parse_spend_csv("channel,month\nads,2026-05\n", settings)

    def test_cli_imports_a_csv(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        from unison.cli import app
        from unison.kit.settings import get_settings

        monkeypatch.setenv("UNISON_DATABASE_URL", settings.database_url)
        get_settings.cache_clear()
        file = tmp_path / "spend.csv"
        file.write_text(
            "channel,month,amount,currency\nads,2026-05,100,GEL\nemail,2026-05,5.5,GEL\n"
        )
        result = CliRunner().invoke(app, ["clv", "spend", "import", str(file)])
        get_settings.cache_clear()
        assert result.exit_code == 0, result.output
        assert "2 spend rows recorded" in result.output
        with sessions() as session:
            rows = economics.repository.spend(session, None, None)
        assert [(r.channel, r.amount) for r in rows] == [("ads", 100.0), ("email", 5.5)]


class TestUnitEconomics:
    def test_cac_by_first_touch_ltv_to_cac_and_payback(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        send: Send,
        process: Callable[[], int],
        client: TestClient,
        admin_token: str,
    ) -> None:
        may = NOW.replace(month=5, day=10)
        events = []
        # two customers first seen on ads, one on social; all first buy in May
        users = (("ads-1", "ads"), ("ads-2", "ads"), ("soc-1", "social"), ("web-1", "web"))
        for user, channel in users:
            events.append(track(user, "Product Viewed", may - timedelta(days=3), channel))
            events.append(order(user, may, 300))
            events.append(order(user, may + timedelta(days=20), 300))
        events.append(order("old", NOW.replace(month=1), 50))  # acquired in January
        send(events)
        process()
        rated = settings.model_copy(update={"clv_window_days": 365})
        with transaction(sessions) as session:
            economics.record_spend(
                session,
                [
                    economics.SpendEntry("ads", "2026-05", 1000.0, "GEL"),
                    economics.SpendEntry("social", "2026-05", 900.0, "GEL"),
                    economics.SpendEntry("ads", "2026-01", 5000.0, "GEL"),  # outside the months
                ],
            )
            currency, rows = economics.unit_economics(session, rated, "2026-05", "2026-05", NOW)
        assert currency == "GEL"
        by = {row.channel: row for row in rows}
        assert by["ads"].customers == 2
        assert by["ads"].cac == 500.0
        assert by["social"].cac == 900.0
        # no forecasts written: LTV falls back to historical net (600 each, margin 100%)
        assert by["ads"].ltv == 600.0
        assert by["ads"].ltv_to_cac == 1.2
        assert by["ads"].contribution_per_customer == 600.0
        # 600 over 12 months = 50 a month: 500 is paid back in 10 months
        assert by["ads"].payback_months == 10.0
        # no spend entered for web: its CAC is unknown, not zero
        assert (by["web"].customers, by["web"].spend, by["web"].cac) == (1, None, None)
        assert by["all"].customers == 4
        assert by["all"].spend == 1900.0
        assert by["all"].cac == 475.0  # blended: all spend over all customers
        response = client.get(
            "/api/analytics/unit-economics",
            params={"from": "2026-05", "to": "2026-05"},
            headers=bearer(admin_token),
        )
        assert response.status_code == 200, response.text
        assert {c["channel"] for c in response.json()["channels"]} == {
            "ads",
            "social",
            "web",
            "all",
        }

    def test_months_must_be_well_formed_and_in_order(
        self, client: TestClient, admin_token: str
    ) -> None:
        response = client.get(
            "/api/analytics/unit-economics",
            params={"from": "2026-06", "to": "2026-05"},
            headers=bearer(admin_token),
        )
        assert response.status_code == 400
        assert response.json()["field"] == "to"
        response = client.get(
            "/api/analytics/unit-economics",
            params={"from": "2026/06", "to": "2026-07"},
            headers=bearer(admin_token),
        )
        assert response.json()["field"] == "from"
