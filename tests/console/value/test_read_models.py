"""The customer-value read models agree with the traits the CLV refresh wrote."""

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.clv.conftest import NOW, clv_traits
from tests.clv.test_refresh import shoppers
from unison.clv import service
from unison.kit.db import transaction
from unison.kit.settings import Settings
from unison.models import Profile

Send = Callable[[list[dict[str, Any]]], None]


@pytest.fixture
def refreshed(
    settings: Settings, sessions: sessionmaker[Session], send: Send, process: Callable[[], int]
) -> dict[int, dict[str, Any]]:
    send(shoppers(30))
    process()
    with transaction(sessions) as session:
        assert service.refresh(session, settings, NOW).forecast_skipped is None
    with sessions() as session:
        return clv_traits(session)


class TestValueReadModels:
    def test_the_distribution_counts_every_forecast_once_between_min_and_max(
        self, sessions: sessionmaker[Session], refreshed: dict[int, dict[str, Any]]
    ) -> None:
        values = [v["clv_12m"] for v in refreshed.values()]
        with sessions() as session:
            found = service.distribution(session, bins=10)
        assert found.trait == "clv_12m"
        assert sum(found.counts) == len(values) == 30
        assert found.low == pytest.approx(min(values))
        assert found.high == pytest.approx(max(values))
        assert found.counts[-1] >= 1  # the largest value lands in the last bin
        assert len(found.edges) == 11

    def test_tiers_in_their_order_with_counts_and_mean_clv(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        refreshed: dict[int, dict[str, Any]],
    ) -> None:
        with sessions() as session:
            tiers = service.tier_summary(session, settings)
        counted = Counter(v["clv_tier"] for v in refreshed.values())
        assert [t.name for t in tiers] == [t for t in settings.clv_tiers if t in counted]
        for tier in tiers:
            assert tier.customers == counted[tier.name]
            mine = [v["clv_12m"] for v in refreshed.values() if v["clv_tier"] == tier.name]
            assert tier.mean == pytest.approx(sum(mine) / len(mine))

    def test_p_alive_by_the_month_customers_were_first_seen(
        self, sessions: sessionmaker[Session], refreshed: dict[int, dict[str, Any]]
    ) -> None:
        with sessions() as session:
            cohorts = service.p_alive_by_cohort(session)
            first_seen = {p.id: p.first_seen for p in session.query(Profile).all()}
        expected: dict[str, list[float]] = {}
        for pid, values in refreshed.items():
            month = first_seen[pid].strftime("%Y-%m")
            expected.setdefault(month, []).append(values["p_alive"])
        assert [c.name for c in cohorts] == sorted(expected)
        for cohort in cohorts:
            mine = expected[cohort.name]
            assert cohort.customers == len(mine)
            assert cohort.mean == pytest.approx(sum(mine) / len(mine))

    def test_nothing_refreshed_yet_gives_empty_figures(
        self, settings: Settings, sessions: sessionmaker[Session]
    ) -> None:
        with sessions() as session:
            assert service.distribution(session).counts == []
            assert service.tier_summary(session, settings) == []
            assert service.p_alive_by_cohort(session) == []
