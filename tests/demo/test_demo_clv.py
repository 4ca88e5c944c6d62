"""The demo dataset shows every CLV capability: `unison demo` (300 customers, seed 42), the
processors, then a refresh fits BG/NBD or Pareto/NBD and Gamma-Gamma in the reporting
currency, and the README's validation dates give a holdout table."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from typer.testing import CliRunner

from tests.demo.loading import LoadedDemo, cli_environment, demo_settings, loaded_demo
from unison.app import create_app
from unison.cli import app

# The README's `unison clv validate` example.
CALIBRATION_END, OBSERVATION_END = "2026-05-31", "2026-10-31"
DEMO_CURRENCIES = {"AMD", "GBP", "GEL", "ILS", "KZT", "RUB", "UAH", "USD"}
PARAMETERS = {"bgnbd": {"r", "alpha", "a", "b"}, "pareto_nbd": {"r", "alpha", "s", "beta"}}


@pytest.fixture(scope="module")
def demo(engine: Engine, database_url: str) -> Iterator[LoadedDemo]:
    with loaded_demo(engine, database_url) as loaded:
        yield loaded


def api(database_url: str, model: str) -> TestClient:
    settings = demo_settings(database_url, clv_purchase_model=model)
    return TestClient(create_app(settings), raise_server_exceptions=False)


def finite(values: dict[str, Any]) -> bool:
    return all(isinstance(v, float) and math.isfinite(v) and v > 0 for v in values.values())


class TestTheDemoFitsEveryModel:
    @pytest.mark.parametrize("model", ["bgnbd", "pareto_nbd"])
    def test_a_refresh_fits_the_purchase_model_and_gamma_gamma_in_usd(
        self, demo: LoadedDemo, database_url: str, model: str
    ) -> None:
        auth = {"Authorization": f"Bearer {demo.admin_token}"}
        started = time.perf_counter()
        with api(database_url, model) as client:
            response = client.post("/api/clv/refresh", headers=auth)
        assert response.status_code == 200, response.text
        report = response.json()
        assert report["forecast_skipped"] is None
        assert report["currency"] == "USD"  # the demo rates' base
        assert set(report["orders"]["converted"]) == DEMO_CURRENCIES
        assert report["orders"]["other_currency_skipped"] == {}
        fitted = report["models"][model]
        assert set(fitted) == PARAMETERS[model] | {"log_likelihood"}
        assert finite({k: v for k, v in fitted.items() if k != "log_likelihood"}), fitted
        spend = report["models"]["gamma_gamma"]
        assert "skipped" not in spend, spend
        assert finite({k: spend[k] for k in ("p", "q", "gamma")}), spend
        assert report["customers"] >= 50
        assert sum(report["tier_counts"].values()) == report["customers"]
        assert time.perf_counter() - started < 30

    @pytest.mark.parametrize("model", ["bgnbd", "pareto_nbd"])
    def test_the_readme_validation_dates_give_a_holdout_table(
        self, demo: LoadedDemo, database_url: str, model: str
    ) -> None:
        auth = {"Authorization": f"Bearer {demo.admin_token}"}
        params = {"calibration_end": CALIBRATION_END, "observation_end": OBSERVATION_END}
        started = time.perf_counter()
        with api(database_url, model) as client:
            response = client.get("/api/clv/validation", params=params, headers=auth)
        assert response.status_code == 200, response.text
        report = response.json()
        assert set(report["model"]) == PARAMETERS[model]
        assert report["customers"] >= 40
        assert report["unit"] == "weeks"
        assert sum(g["customers"] for g in report["groups"]) == report["customers"]
        assert all(g["predicted"] > 0 for g in report["groups"])
        assert time.perf_counter() - started < 30

    def test_the_cli_refresh_and_validate_succeed_on_the_demo(
        self, demo: LoadedDemo, database_url: str
    ) -> None:
        runner = CliRunner()
        with cli_environment(database_url, UNISON_CLV_PURCHASE_MODEL="pareto_nbd"):
            refreshed = runner.invoke(app, ["clv", "refresh"])
            validated = runner.invoke(
                app,
                [
                    "clv", "validate",
                    "--calibration-end", CALIBRATION_END, "--observation-end", OBSERVATION_END,
                ],
            )  # fmt: skip
        assert refreshed.exit_code == 0, refreshed.output
        assert "orders in USD" in refreshed.output
        assert "pareto_nbd: {'r'" in refreshed.output
        assert "gamma_gamma: {'p'" in refreshed.output
        assert "skipped" not in refreshed.output
        assert validated.exit_code == 0, validated.output
        assert "holdout" in validated.output


class TestAFitIsBoundedInTime:
    def test_a_fit_past_its_time_limit_stops_with_a_clear_error(
        self, demo: LoadedDemo, database_url: str
    ) -> None:
        auth = {"Authorization": f"Bearer {demo.admin_token}"}
        params = {"calibration_end": CALIBRATION_END, "observation_end": OBSERVATION_END}
        settings = demo_settings(
            database_url, clv_purchase_model="pareto_nbd", clv_fit_timeout_seconds=1e-9
        )
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            refreshed = client.post("/api/clv/refresh", headers=auth)
            validated = client.get("/api/clv/validation", params=params, headers=auth)
        assert refreshed.status_code == 200, refreshed.text
        skipped = refreshed.json()["forecast_skipped"]
        assert "Pareto/NBD: the fit took longer than 1e-09 s" in skipped
        assert "UNISON_CLV_FIT_TIMEOUT_SECONDS" in skipped
        assert validated.status_code == 409
        assert validated.json()["error"] == "FitDidNotConverge"
        assert "took longer than" in validated.json()["detail"]
