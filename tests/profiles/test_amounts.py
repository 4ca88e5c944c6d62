"""Order amounts are bounded at ingest and revenue sums stay finite, so no profile is ever
made unreadable by the numbers it was sent."""

import math
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.events.helpers import send
from unison.models import Event

ORDER: dict[str, Any] = {"userId": "u-big", "event": "Order Completed"}


def _order(client: TestClient, key: str, **properties: Any) -> Any:
    return send(client, "/v1/track", {**ORDER, "properties": properties}, key)


def _profile(client: TestClient, token: str) -> Any:
    return client.get(
        "/api/profiles/lookup",
        params={"type": "user_id", "value": "u-big"},
        headers={"Authorization": f"Bearer {token}"},
    )


class TestAmountsBeyondTheBound:
    @pytest.mark.parametrize("amount", [1e308, -1e308, 1e16, -(10**30)])
    def test_an_order_beyond_1e15_is_refused_naming_the_field_every_time(
        self, client: TestClient, write_key: str, amount: float
    ) -> None:
        for _ in range(2):
            response = _order(client, write_key, revenue=amount, currency="USD")
            assert response.status_code == 400, response.text
            body = response.json()
            assert body["field"] == "properties.revenue"
            assert "1e+15" in body["detail"]

    @pytest.mark.parametrize("name", ["total", "price", "value", "tax", "discount"])
    def test_every_ecommerce_amount_is_bounded(
        self, client: TestClient, write_key: str, name: str
    ) -> None:
        response = _order(client, write_key, **{name: 2e15})
        assert response.status_code == 400, response.text
        assert response.json()["field"] == f"properties.{name}"

    def test_amounts_at_the_bound_add_up_and_the_profile_reads(
        self,
        client: TestClient,
        write_key: str,
        admin_token: str,
        process: Callable[[], int],
    ) -> None:
        for amount in (1e15, 1e15, -1e15, 5e-324, -0.0):
            assert _order(client, write_key, revenue=amount).status_code == 200
        process()
        response = _profile(client, admin_token)
        assert response.status_code == 200, response.text
        assert response.json()["stats"]["revenue"] == {"XXX": 1e15}


class TestAmountsLoggedBeforeTheBound:
    def test_a_profile_whose_log_holds_huge_amounts_stays_readable(
        self,
        client: TestClient,
        write_key: str,
        admin_token: str,
        process: Callable[[], int],
        sessions: sessionmaker[Session],
    ) -> None:
        # The log is kept forever: orders accepted before the bound existed may hold 1e308.
        for _ in range(2):
            assert _order(client, write_key, revenue=1, currency="USD").status_code == 200
        with sessions.begin() as session:
            for event in session.execute(select(Event)).scalars():
                event.payload = {**event.payload, "properties": {"revenue": 1e308}}
        process()
        response = _profile(client, admin_token)
        assert response.status_code == 200, response.text
        assert all(math.isfinite(v) for v in response.json()["stats"]["revenue"].values())
