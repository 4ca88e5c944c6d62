"""CDNOW through the whole platform: its 6,919 transactions sent as events, resolved to
profiles, summarized from the log, then the validation report as a table and a chart."""

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.clv import cdnow
from unison.clv import service
from unison.kit.db import transaction
from unison.kit.settings import Settings

Send = Callable[[list[dict[str, Any]]], None]


@pytest.fixture
def cdnow_in_the_log(send: Send, process: Callable[[], int]) -> dict[str, int]:
    events = [
        {
            "type": "track",
            "userId": f"cdnow-{customer}",
            "event": "Order Completed",
            "messageId": f"cdnow-{n}",
            "timestamp": datetime(day.year, day.month, day.day, 12, tzinfo=UTC).isoformat(),
            "properties": {"revenue": dollars, "currency": "USD"},
        }
        for n, (customer, day, dollars) in enumerate(cdnow.transactions())
    ]
    send(events)
    process()
    return {"events": len(events)}


class TestFromTheLog:
    def test_the_summary_from_the_log_equals_the_published_one(
        self, settings: Settings, sessions: sessionmaker[Session], cdnow_in_the_log: dict[str, int]
    ) -> None:
        until = datetime(1998, 6, 30, 23, 59, tzinfo=UTC)
        with transaction(sessions) as session:
            orders, report = service.load_orders(session, settings, until)
            summary = service.summary_of(orders, settings, date(1997, 9, 30), date(1998, 6, 30))
        assert report.used == 6919
        assert len(summary) == 2357
        published = sorted(
            (x, round(t, 2), round(T, 2)) for x, t, T, _ in cdnow.published_summary().values()
        )
        ours = sorted(
            (float(x), round(float(t), 2), round(float(T), 2))
            for x, t, T in zip(summary.frequency, summary.recency, summary.T, strict=True)
        )
        assert ours == published

    def test_validation_table_and_charts(
        self, client: TestClient, admin_token: str, cdnow_in_the_log: dict[str, int]
    ) -> None:
        params = {"calibration_end": "1997-09-30", "observation_end": "1998-06-30"}
        headers = {"Authorization": f"Bearer {admin_token}"}
        response = client.get("/api/clv/validation", params=params, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        assert round(body["log_likelihood"], 1) == -9582.4
        assert body["customers"] == 2357
        groups = {g["frequency"]: g for g in body["groups"]}
        assert list(groups) == ["0", "1", "2", "3", "4", "5", "6", "7+"]
        assert groups["0"]["customers"] == 1411
        # the model tracks the holdout: 1,653 forecast for 1,882 (same-day merged) purchases,
        # and each group's mean within half a purchase
        actual = sum(g["actual"] * g["customers"] for g in groups.values())
        predicted = sum(g["predicted"] * g["customers"] for g in groups.values())
        assert actual == 1882
        assert abs(predicted - actual) < 0.15 * actual
        for name, group in groups.items():
            if name != "7+":
                assert abs(group["actual"] - group["predicted"]) < 0.5, group
        png = client.get("/api/clv/validation", params={**params, "format": "png"}, headers=headers)
        assert png.headers["content-type"] == "image/png"
        assert png.content.startswith(b"\x89PNG")
        svg = client.get("/api/clv/validation", params={**params, "format": "svg"}, headers=headers)
        assert svg.headers["content-type"].startswith("image/svg+xml")
        assert b"<svg" in svg.content
        assert b"BG/NBD" in svg.content  # matplotlib keeps each text as a comment

    def test_validation_with_pareto_nbd(
        self, settings: Settings, sessions: sessionmaker[Session], cdnow_in_the_log: dict[str, int]
    ) -> None:
        pareto = settings.model_copy(update={"clv_purchase_model": "pareto_nbd"})
        with transaction(sessions) as session:
            report = service.validation(session, pareto, date(1997, 9, 30), date(1998, 6, 30))
        assert round(report.model.log_likelihood, 1) == -9595.0
        assert len(report.rows) == 8
