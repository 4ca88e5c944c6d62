"""The customer-value page over a real CLV refresh: tables, charts, CSV, roles."""

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.clv.conftest import NOW
from tests.clv.test_refresh import shoppers
from tests.console.conftest import Login
from unison.clv import service
from unison.kit.db import transaction
from unison.kit.settings import Settings

Send = Callable[[list[dict[str, Any]]], None]
PERIODS = {"calibration_end": "2026-01-31", "observation_end": "2026-06-30"}
MONTHS = {"from": "2024-07", "to": "2026-06"}


@pytest.fixture
def refreshed(
    settings: Settings, sessions: sessionmaker[Session], send: Send, process: Callable[[], int]
) -> None:
    send(shoppers(30))
    process()
    with transaction(sessions) as session:
        service.refresh(session, settings, NOW)


class TestValuePage:
    def test_the_page_shows_tiers_and_loads_each_chart(
        self, as_role: Login, refreshed: None
    ) -> None:
        client = as_role("analyst")
        page = client.get("/console/value")
        assert page.status_code == 200
        assert "platinum" in page.text
        for name in ("distribution", "tiers", "cohorts"):
            assert f'hx-get="/console/value/chart/{name}"' in page.text
            chart = client.get(f"/console/value/chart/{name}")
            assert chart.status_code == 200
            assert "<svg" in chart.text

    def test_the_validation_chart_compares_predicted_and_actual(
        self, as_role: Login, refreshed: None
    ) -> None:
        chart = as_role("marketer").get("/console/value/chart/validation", params=PERIODS)
        assert chart.status_code == 200
        assert "<svg" in chart.text
        assert "BG/NBD" in chart.text
        assert '<th scope="col">predicted</th>' in chart.text

    def test_a_bad_period_is_said_in_the_box(self, as_role: Login, refreshed: None) -> None:
        chart = as_role("marketer").get(
            "/console/value/chart/validation",
            params={"calibration_end": "2026-06-30", "observation_end": "2026-01-01"},
        )
        assert "observation_end must be after calibration_end" in chart.text

    def test_unit_economics_and_every_csv(self, as_role: Login, refreshed: None) -> None:
        client = as_role("analyst")
        table = client.get("/console/value/economics", params={**PERIODS, **MONTHS})
        assert table.status_code == 200
        assert "all channels" in table.text
        for name in ("distribution", "tiers", "cohorts", "validation", "economics"):
            answer = client.get(f"/console/value/{name}.csv", params={**PERIODS, **MONTHS})
            assert answer.status_code == 200, name
            rows = list(csv.reader(io.StringIO(answer.text)))
            assert len(rows) >= 2, name
        tiers = list(csv.DictReader(io.StringIO(client.get("/console/value/tiers.csv").text)))
        assert sum(int(r["customers"]) for r in tiers) == 30

    def test_an_agent_may_not_see_customer_value(self, as_role: Login, refreshed: None) -> None:
        assert as_role("agent").get("/console/value").status_code == 403

    def test_before_any_refresh_the_page_says_so(self, as_role: Login) -> None:
        page = as_role("analyst").get("/console/value")
        assert page.status_code == 200
        assert "run a CLV refresh first" in page.text
