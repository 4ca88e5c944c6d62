"""Refreshing CLV from the log: traits for every customer, tiers, the API and the CLI."""

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.clv.conftest import NOW, clv_traits, order
from tests.conftest import make_token
from unison.clv import service
from unison.clv.service import TRAITS
from unison.kit.clock import utcnow
from unison.kit.db import transaction
from unison.kit.settings import Settings
from unison.profiles import computed_traits

Send = Callable[[list[dict[str, Any]]], None]
NAMES = ["ნინო", "Արամ", "דוד", "Олена", "Сергей", "Emma"]


def shoppers(count: int, seed: int = 7, now: datetime = NOW) -> list[dict[str, Any]]:
    """Customers buying at their own pace for up to two years, some stopping early."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    events = []
    for n in range(count):
        user = f"{NAMES[n % len(NAMES)]}-{n}"
        start = now - timedelta(days=rng.randint(60, 720))
        gap = rng.choice([7, 20, 45, 90, 200])
        typical = rng.gammavariate(3.0, 40.0)  # customers differ in what they usually spend
        stop = start + timedelta(days=rng.randint(0, 720))
        at, k = start, 0
        while at < min(stop, now):
            amount = round(rng.gammavariate(4.0, typical / 4.0), 2)
            events.append(order(user, at, amount, order_id=f"{n}-{k}"))
            at += timedelta(days=gap * rng.uniform(0.5, 1.5))
            k += 1
    return events


def pareto_shoppers(count: int, seed: int = 5) -> list[dict[str, Any]]:
    """Pareto/NBD's own story: each customer buys at a gamma-distributed rate until a
    lifetime drawn from an exponential with a gamma-distributed rate ends. (Uniform
    lifetimes, as in `shoppers`, leave its dropout shape unidentified: s and beta grow
    without bound together, and whether an optimizer stops early on that ridge depends on
    the scipy version.)"""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    events = []
    for n in range(count):
        user = f"{NAMES[n % len(NAMES)]}-p{n}"
        start = NOW - timedelta(days=rng.randint(200, 720))
        rate = rng.gammavariate(2.0, 1 / 60)  # purchases per day
        end = start + timedelta(days=rng.expovariate(rng.gammavariate(0.8, 1 / 250)))
        at, k = start, 0
        while at < min(end, NOW):
            events.append(
                order(user, at, round(rng.gammavariate(4.0, 10.0), 2), order_id=f"p{n}-{k}")
            )
            at += timedelta(days=rng.expovariate(rate))
            k += 1
    return events


def traits(sessions: sessionmaker[Session]) -> dict[int, dict[str, Any]]:
    with sessions() as session:
        return clv_traits(session)


class TestRefresh:
    def test_every_customer_gets_the_five_traits_and_tiers_follow_clv(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        send: Send,
        process: Callable[[], int],
    ) -> None:
        send(shoppers(40))
        process()
        with transaction(sessions) as session:
            report = service.refresh(session, settings, NOW)
        assert report.forecast_skipped is None
        assert report.customers == 40
        assert report.historical_profiles >= 1
        found = traits(sessions)
        assert len(found) == 40
        for values in found.values():
            assert set(values) <= set(TRAITS)
            assert {"clv_12m", "p_alive", "expected_orders_90d", "clv_tier"} <= set(values)
            assert 0 <= values["p_alive"] <= 1
            assert values["expected_orders_90d"] >= 0
        by_tier: dict[str, list[float]] = {}
        for values in found.values():
            by_tier.setdefault(values["clv_tier"], []).append(values["clv_12m"])
        assert set(by_tier) == {"platinum", "gold", "silver", "bronze"}
        assert min(by_tier["platinum"]) >= max(by_tier["gold"])
        assert min(by_tier["gold"]) >= max(by_tier["silver"])
        assert min(by_tier["silver"]) >= max(by_tier["bronze"])
        assert report.tier_counts == {name: len(v) for name, v in by_tier.items()}

    def test_pareto_nbd_can_drive_the_forecasts(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        send: Send,
        process: Callable[[], int],
    ) -> None:
        send(pareto_shoppers(60))
        process()
        pareto = settings.model_copy(update={"clv_purchase_model": "pareto_nbd"})
        with transaction(sessions) as session:
            report = service.refresh(session, pareto, NOW)
        assert report.forecast_skipped is None
        assert set(report.models["pareto_nbd"]) == {"r", "alpha", "s", "beta", "log_likelihood"}
        found = traits(sessions)
        assert len(found) == 60
        assert all(0 <= v["p_alive"] <= 1 and v["clv_12m"] >= 0 for v in found.values())

    def test_a_second_refresh_replaces_values_and_drops_customers_now_gone(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        send: Send,
        process: Callable[[], int],
    ) -> None:
        send(shoppers(30))
        process()
        with transaction(sessions) as session:
            computed_traits.write(session, "clv", [(99_999, "clv_tier", "gold")], NOW)
            computed_traits.write(session, "rfm", [(99_999, "rfm_cell", "x")], NOW)
            service.refresh(session, settings, NOW)
            first = clv_traits(session)
            service.refresh(session, settings, NOW)
            second = clv_traits(session)
            other = computed_traits.values(session, [99_999], ["rfm_cell"])
        assert first == second
        assert 99_999 not in second
        assert other == {99_999: {"rfm_cell": "x"}}  # another producer's trait is untouched

    def test_too_few_customers_writes_history_and_says_why_forecasts_were_skipped(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        send: Send,
        process: Callable[[], int],
    ) -> None:
        send([order("solo", NOW - timedelta(days=d), 50) for d in (10, 40, 90)])
        process()
        with transaction(sessions) as session:
            report = service.refresh(session, settings, NOW)
        assert report.forecast_skipped is not None
        assert "at least 5" in report.forecast_skipped
        (values,) = traits(sessions).values()
        assert values == {"clv_historical": 150.0}


class TestApi:
    def test_refresh_on_demand_then_the_360_view_shows_the_traits(
        self,
        client: TestClient,
        sessions: sessionmaker[Session],
        send: Send,
        process: Callable[[], int],
        admin_token: str,
    ) -> None:
        send(shoppers(40, now=utcnow()))  # the endpoint forecasts from the real clock
        process()
        response = client.post(
            "/api/clv/refresh", headers={"Authorization": f"Bearer {admin_token}"}
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["customers"] == 40, body["forecast_skipped"]
        assert set(body["models"]["bgnbd"]) == {"r", "alpha", "a", "b", "log_likelihood"}
        some = next(iter(traits(sessions)))
        view = client.get(
            f"/api/profiles/{some}", headers={"Authorization": f"Bearer {admin_token}"}
        ).json()
        assert view["computed_traits"]["clv_tier"]["source"] == "clv"

    @pytest.mark.parametrize(
        ("role", "status"), [("agent", 403), ("analyst", 403), ("marketer", 200)]
    )
    def test_who_may_refresh(
        self, client: TestClient, sessions: sessionmaker[Session], role: str, status: int
    ) -> None:
        token = make_token(sessions, role)
        response = client.post("/api/clv/refresh", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == status, response.text


class TestIdentity:
    def test_orders_of_merged_profiles_count_for_the_survivor(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        send: Send,
        process: Callable[[], int],
    ) -> None:
        anonymous = order("ignored", NOW - timedelta(days=40), 100)
        del anonymous["userId"]
        anonymous["anonymousId"] = "browser-7"
        send([anonymous, order("tamar", NOW - timedelta(days=10), 50)])
        process()
        send(
            [
                {
                    "type": "identify",
                    "userId": "tamar",
                    "anonymousId": "browser-7",
                    "traits": {"name": "თამარ"},
                }
            ]
        )
        process()
        with transaction(sessions) as session:
            orders, _ = service.load_orders(session, settings, NOW)
            values = service.historical(session, settings, orders, NOW)
        assert len({o.profile_id for o in orders}) == 1
        (value,) = values.values()
        assert value.revenue == 150


class TestTiers:
    def test_ties_share_a_tier_and_the_lowest_tier_catches_the_rest(self) -> None:
        import numpy as np

        from unison.clv.scoring import tiers

        cutoffs = {"platinum": 0.95, "gold": 0.8, "silver": 0.5, "bronze": 0.0}
        values = np.array([float(v) for v in range(20)])
        found = tiers(values, cutoffs)
        assert found[19] == "platinum"
        assert found[16:19] == ["gold"] * 3
        assert found[:10] == ["bronze"] * 10
        assert tiers(np.zeros(7), cutoffs) == ["bronze"] * 7
        assert tiers(np.zeros(0), cutoffs) == []
