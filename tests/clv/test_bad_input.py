"""Bad input (issue item 6): each case gets a clear error or a documented behaviour."""

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.clv.conftest import NOW, order
from unison.clv import service
from unison.clv.errors import ClvInputInvalid, FitDidNotConverge, MixedCurrencies, NotEnoughData
from unison.clv.models import bgnbd, gamma_gamma, pareto_nbd
from unison.clv.summary import summarize
from unison.kit.db import transaction
from unison.kit.settings import Settings

Send = Callable[[list[dict[str, Any]]], None]
DAY = date(2026, 1, 1)


class TestSummaryInput:
    def test_an_empty_history_is_an_empty_summary(self) -> None:
        summary = summarize([], calibration_end=DAY)
        assert len(summary) == 0

    def test_a_negative_amount_names_the_row(self) -> None:
        rows = [("a", DAY, 10.0), ("a", DAY, -3.0)]
        with pytest.raises(ClvInputInvalid, match=r"row 1: amount -3\.0"):
            summarize(rows, calibration_end=DAY)

    @pytest.mark.parametrize("amount", [float("nan"), float("inf")])
    def test_non_finite_amounts_are_refused(self, amount: float) -> None:
        with pytest.raises(ClvInputInvalid, match="row 0"):
            summarize([("a", DAY, amount)], calibration_end=DAY)

    def test_missing_amounts_count_as_purchases_but_not_in_the_mean(self) -> None:
        rows = [
            ("a", DAY, 10.0),
            ("a", DAY + timedelta(days=7), None),
            ("a", DAY + timedelta(days=14), 30.0),
        ]
        summary = summarize(rows, calibration_end=DAY + timedelta(days=21))
        assert summary.frequency[0] == 2
        assert summary.monetary_value[0] == 30.0

    def test_an_unknown_time_unit_is_named(self) -> None:
        with pytest.raises(ClvInputInvalid, match="fortnights"):
            summarize([], calibration_end=DAY, unit="fortnights")

    def test_aware_times_are_read_in_utc_days(self) -> None:
        from zoneinfo import ZoneInfo

        tbilisi = datetime(2026, 1, 2, 1, 0, tzinfo=ZoneInfo("Asia/Tbilisi"))  # Jan 1 in UTC
        rows = [("a", datetime(2026, 1, 1, 9, tzinfo=UTC), 5.0), ("a", tbilisi, 5.0)]
        summary = summarize(rows, calibration_end=DAY)
        assert summary.frequency[0] == 0  # the same UTC day: one transaction


class TestModelInput:
    def test_no_customers(self) -> None:
        with pytest.raises(NotEnoughData, match="no customers"):
            bgnbd.fit([], [], [])

    def test_a_single_customer(self) -> None:
        with pytest.raises(NotEnoughData, match="at least 2 customers"):
            bgnbd.fit([3], [10.0], [20.0])

    def test_nobody_bought_again(self) -> None:
        for fit in (bgnbd.fit, pareto_nbd.fit):
            with pytest.raises(NotEnoughData, match="no customer made a repeat purchase"):
                fit([0, 0, 0], [0, 0, 0], [10.0, 20.0, 30.0])
        with pytest.raises(NotEnoughData, match="at least 2 customers with a repeat"):
            gamma_gamma.fit([0, 0, 1], [0.0, 0.0, 10.0])

    @pytest.mark.parametrize(
        ("x", "t_x", "T", "field"),
        [
            ([1.5], [1.0], [2.0], "frequency"),
            ([-1], [0.0], [2.0], "frequency"),
            ([1], [3.0], [2.0], "recency"),
            ([0], [1.0], [2.0], "recency"),
            ([1], [np.nan], [2.0], "recency"),
        ],
    )
    def test_impossible_summaries_name_the_field(
        self, x: list[float], t_x: list[float], T: list[float], field: str
    ) -> None:
        with pytest.raises(ClvInputInvalid) as caught:
            bgnbd.fit([*x, 1], [*t_x, 1.0], [*T, 5.0])
        assert caught.value.field == field

    def test_a_model_the_data_cannot_identify_says_which_parameter_ran_off(self) -> None:
        # every repeat buyer spends exactly their own constant amount: no spread to model
        x = np.array([2.0, 3.0, 4.0, 2.0, 5.0])
        m = np.array([10.0, 10.0, 10.0, 10.0, 10.0])
        with pytest.raises(FitDidNotConverge, match="ran off to 0 or infinity"):
            gamma_gamma.fit(x, m)

    def test_a_spend_model_without_a_finite_mean_refuses_to_forecast(self) -> None:
        with pytest.raises(NotEnoughData, match=r"q = 0\.9"):
            gamma_gamma.expected_spend(gamma_gamma.GammaGamma(5.0, 0.9, 10.0), [1], [20.0])


class TestLogInput:
    def test_mixed_currencies_without_a_configured_one_is_an_error_naming_them(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        send: Send,
        process: Callable[[], int],
        client: TestClient,
        admin_token: str,
    ) -> None:
        send(
            [
                order("a", NOW - timedelta(days=3), 10),
                order("b", NOW - timedelta(days=2), 10, currency="USD"),
            ]
        )
        process()
        with (
            transaction(sessions) as session,
            pytest.raises(MixedCurrencies, match=r"GEL \(1\), USD \(1\)"),
        ):
            service.refresh(session, settings, NOW)
        response = client.post(
            "/api/clv/refresh", headers={"Authorization": f"Bearer {admin_token}"}
        )
        assert response.status_code == 409
        assert response.json()["field"] == "clv_reporting_currency"

    def test_with_a_configured_currency_others_and_refunds_are_left_out_and_counted(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        send: Send,
        process: Callable[[], int],
    ) -> None:
        send(
            [
                order("a", NOW - timedelta(days=30), 100),
                order("a", NOW - timedelta(days=20), -40),  # a refund
                order("a", NOW - timedelta(days=10), 999, currency="usd"),
                order("a", NOW - timedelta(days=5), None),
            ]
        )  # no amount
        process()
        gel = settings.model_copy(update={"clv_currency": "GEL"})
        with transaction(sessions) as session:
            report = service.refresh(session, gel, NOW)
        assert report.orders.used == 2
        assert report.orders.refunds_skipped == 1
        assert report.orders.other_currency_skipped == {"USD": 1}
        assert report.orders.missing_amount == 1
        assert report.forecast_skipped is not None  # one customer: no forecast, said so

    def test_an_empty_log_refreshes_to_nothing(
        self, settings: Settings, sessions: sessionmaker[Session]
    ) -> None:
        with transaction(sessions) as session:
            report = service.refresh(session, settings, NOW)
        assert report.traits_written == 0
        assert report.orders.currency is None
        assert "0 customers" in (report.forecast_skipped or "")

    def test_validation_needs_the_holdout_after_calibration(
        self, client: TestClient, admin_token: str
    ) -> None:
        response = client.get(
            "/api/clv/validation",
            params={"calibration_end": "2026-05-01", "observation_end": "2026-04-01"},
            headers={"Authorization": f"Bearer {admin_token}"},
        )
        assert response.status_code == 400
        assert response.json()["field"] == "observation_end"
