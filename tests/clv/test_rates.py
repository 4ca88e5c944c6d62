"""Several currencies: dated exchange rates into one reporting currency (issue 14 item 10)."""

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.clv.conftest import NOW, order
from unison.clv import service
from unison.kit.db import transaction
from unison.kit.settings import Settings

Send = Callable[[list[dict[str, Any]]], None]
RATES = [
    {"date": "2026-01-01", "base": "USD", "currency": "GEL", "rate": 2.5},
    {"date": "2026-03-01", "base": "USD", "currency": "GEL", "rate": 2.0},
    {"date": "2026-01-01", "base": "USD", "currency": "AMD", "rate": 400},
]


def _post_rates(client: TestClient, token: str, items: list[dict[str, Any]]) -> Any:
    return client.post(
        "/api/clv/exchange-rates",
        json={"items": items},
        headers={"Authorization": f"Bearer {token}"},
    )


class TestConversionAtTheOrderDate:
    def test_each_order_is_converted_at_the_latest_rate_on_or_before_its_date(
        self,
        client: TestClient,
        admin_token: str,
        send: Send,
        process: Callable[[], int],
        sessions: sessionmaker[Session],
        settings: Settings,
    ) -> None:
        assert _post_rates(client, admin_token, RATES).status_code == 201
        send(
            [
                order("a", datetime(2026, 2, 10, tzinfo=UTC), 25.0, currency="GEL"),  # 10 USD
                order("a", datetime(2026, 3, 5, tzinfo=UTC), 20.0, currency="GEL"),  # 10 USD
                order("b", datetime(2026, 2, 1, tzinfo=UTC), 4000, currency="AMD"),  # 10 USD
                order("c", datetime(2026, 2, 1, tzinfo=UTC), 10, currency="USD"),
            ]
        )
        process()
        usd = settings.model_copy(update={"clv_reporting_currency": "USD"})
        with transaction(sessions) as session:
            orders, report = service.load_orders(session, usd, NOW)
        assert report.currency == "USD"
        assert sorted(o.amount for o in orders if o.amount is not None) == [10.0] * 4
        assert report.converted == {"GEL": 2, "AMD": 1, "USD": 1}

    def test_without_a_reporting_currency_the_base_of_the_imported_rates_is_used(
        self,
        client: TestClient,
        admin_token: str,
        send: Send,
        process: Callable[[], int],
    ) -> None:
        _post_rates(client, admin_token, RATES)
        send(
            [
                order("a", datetime(2026, 2, 10, tzinfo=UTC), 25.0, currency="GEL"),
                order("b", datetime(2026, 2, 1, tzinfo=UTC), 4000, currency="AMD"),
            ]
        )
        process()
        response = client.post(
            "/api/clv/refresh", headers={"Authorization": f"Bearer {admin_token}"}
        )
        assert response.status_code == 200, response.text
        assert response.json()["currency"] == "USD"
        assert response.json()["orders"]["converted"] == {"GEL": 1, "AMD": 1}

    def test_a_missing_rate_is_an_error_naming_the_currency_and_the_date(
        self,
        client: TestClient,
        admin_token: str,
        send: Send,
        process: Callable[[], int],
    ) -> None:
        _post_rates(client, admin_token, RATES)
        send(
            [
                order("a", datetime(2025, 12, 20, tzinfo=UTC), 25.0, currency="GEL"),
                order("b", datetime(2026, 2, 1, tzinfo=UTC), 4000, currency="AMD"),
            ]
        )
        process()
        response = client.post(
            "/api/clv/refresh", headers={"Authorization": f"Bearer {admin_token}"}
        )
        assert response.status_code == 409
        body = response.json()
        assert body["error"] == "ExchangeRateMissing"
        assert "GEL" in body["detail"]
        assert "2025-12-20" in body["detail"]


class TestRatesInput:
    def test_a_bad_rate_names_the_item_and_field_and_stores_nothing(
        self, client: TestClient, admin_token: str
    ) -> None:
        bad = [*RATES, {"date": "2026-13-01", "base": "USD", "currency": "GEL", "rate": 2}]
        response = _post_rates(client, admin_token, bad)
        assert response.status_code == 400
        assert response.json()["field"] == "date"
        assert "items[3]" in response.json()["detail"]
        listed = client.get(
            "/api/clv/exchange-rates", headers={"Authorization": f"Bearer {admin_token}"}
        )
        assert listed.json()["items"] == []

    def test_the_cli_imports_a_csv_and_a_bad_line_rejects_the_file(
        self, tmp_path: Path, database_url: str, sessions: sessionmaker[Session]
    ) -> None:
        from typer.testing import CliRunner

        from unison.cli import app

        good = tmp_path / "rates.csv"
        good.write_text("date,base,currency,rate\n2026-01-05,USD,GEL,2.7\n2026-01-05,USD,AMD,390\n")
        bad = tmp_path / "bad.csv"
        bad.write_text("date,base,currency,rate\n2026-01-05,USD,GEL,-1\n")
        env = {"UNISON_DATABASE_URL": database_url}
        result = CliRunner().invoke(app, ["clv", "rates", "import", str(good)], env=env)
        assert result.exit_code == 0, result.output
        assert "2 exchange rates recorded" in result.output
        result = CliRunner().invoke(app, ["clv", "rates", "import", str(bad)], env=env)
        assert result.exit_code != 0
        assert "line 2" in result.output
