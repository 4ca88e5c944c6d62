"""The published results, reproduced: the CDNOW summary from its raw transactions, then
BG/NBD, Pareto/NBD and Gamma-Gamma fitted on it (Fader, Hardie & Lee 2005a, 2005b)."""

from datetime import date

import numpy as np
import pytest

from tests.clv import cdnow
from unison.clv.models import bgnbd, gamma_gamma, pareto_nbd
from unison.clv.summary import Summary, summarize


def three_digits(value: float) -> float:
    return float(f"{value:.3g}")


@pytest.fixture(scope="module")
def summary() -> Summary:
    return summarize(
        cdnow.transactions(),
        calibration_end=date(1997, 9, 30),
        observation_end=date(1998, 6, 30),
        unit="weeks",
    )


class TestSummaryFromTransactions:
    def test_the_sample_has_6919_transactions(self) -> None:
        assert len(cdnow.transactions()) == 6919

    def test_it_equals_the_published_2357_row_summary(self, summary: Summary) -> None:
        published = cdnow.published_summary()
        assert len(summary) == len(published) == 2357
        for i, customer in enumerate(summary.customers):
            x, t_x, T, zbar = published[int(customer)]  # type: ignore[call-overload]
            assert summary.frequency[i] == x, customer
            assert round(summary.recency[i], 2) == t_x, customer
            assert round(summary.T[i], 2) == T, customer
            # published to two decimals, half up (22.345 -> 22.35): equal within that rounding
            assert abs(summary.monetary_value[i] - zbar) <= 0.005 + 1e-9, customer

    def test_the_plain_summary_file_agrees(self, summary: Summary) -> None:
        rows = (cdnow.directory() / "cdnow_customers_summary.csv").read_text().splitlines()[1:]
        by_id = dict(zip(summary.customers, range(len(summary)), strict=True))
        for line in rows:
            ident, x, t_x, T = line.split(",")
            i = by_id[int(ident)]
            assert (summary.frequency[i], round(summary.recency[i], 2), round(summary.T[i], 2)) == (
                float(x),
                float(t_x),
                float(T),
            )

    def test_the_holdout_is_39_weeks_of_repeat_purchases(self, summary: Summary) -> None:
        assert summary.duration_holdout == pytest.approx(273 / 7)
        # customer 1 bought once more in the holdout (1997-12-12)
        assert summary.frequency_holdout[summary.customers.index(1)] == 1
        assert summary.frequency_holdout.sum() > 0


class TestPublishedEstimates:
    def test_bgnbd(self, summary: Summary) -> None:
        fitted = bgnbd.fit(summary.frequency, summary.recency, summary.T)
        found = [three_digits(v) for v in (fitted.r, fitted.alpha, fitted.a, fitted.b)]
        assert found == [0.243, 4.41, 0.793, 2.43]
        assert round(fitted.log_likelihood, 1) == -9582.4

    def test_bgnbd_worked_customer_expects_1_226_purchases_in_39_weeks(
        self, summary: Summary
    ) -> None:
        fitted = bgnbd.fit(summary.frequency, summary.recency, summary.T)
        expected = bgnbd.expected_purchases(fitted, 39, [2], [30.43], [38.86])
        assert round(float(expected[0]), 3) == 1.226

    def test_pareto_nbd(self, summary: Summary) -> None:
        fitted = pareto_nbd.fit(summary.frequency, summary.recency, summary.T)
        found = [three_digits(v) for v in (fitted.r, fitted.alpha, fitted.s, fitted.beta)]
        assert found == [0.553, 10.6, 0.606, 11.7]
        assert round(fitted.log_likelihood, 1) == -9595.0

    def test_gamma_gamma_on_the_papers_spend_data(self) -> None:
        # The paper fits the 946 repeat buyers' mean repeat spend, as published (zbar).
        table = cdnow.published_summary()
        x = np.array([v[0] for v in table.values()])
        zbar = np.array([v[3] for v in table.values()])
        fitted = gamma_gamma.fit(x, zbar)
        assert fitted.customers == 946
        assert [three_digits(v) for v in (fitted.p, fitted.q, fitted.gamma)] == [6.25, 3.74, 15.4]

    def test_gamma_gamma_on_the_summary_computed_from_transactions(self, summary: Summary) -> None:
        fitted = gamma_gamma.fit(summary.frequency, summary.monetary_value)
        assert [three_digits(v) for v in (fitted.p, fitted.q, fitted.gamma)] == [6.25, 3.74, 15.4]
