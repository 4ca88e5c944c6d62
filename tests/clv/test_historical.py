"""Historical CLV: revenue, margin, cost to serve, marketing cost and net, per customer."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from tests.clv.conftest import NOW, order, track
from unison.clv import service
from unison.kit.db import transaction
from unison.kit.settings import Settings

Send = Callable[[list[dict[str, Any]]], None]


class TestWorkedExample:
    def test_2000_every_two_months_less_two_support_hours_a_month_at_500_nets_zero(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        send: Send,
        process: Callable[[], int],
    ) -> None:
        # the customer: 6 orders of 2,000 in the year, 2 h of support each month
        events = [order("nino", NOW - timedelta(days=30 + 60 * k), 2000) for k in range(6)]
        events += [
            track(
                "nino",
                "Ticket Created",
                NOW - timedelta(days=15 + 30 * k),
                "helpdesk",
                handling_minutes=120,
            )
            for k in range(12)
        ]
        send(events)
        process()
        rated = settings.model_copy(update={"clv_support_cost_per_hour": 500.0})
        with transaction(sessions) as session:
            values = service.historical(
                session, rated, service.load_orders(session, rated, NOW)[0], NOW
            )
        (value,) = values.values()
        assert value.revenue == 12_000
        assert value.support_hours == 24
        assert value.cost_to_serve == 12_000
        assert value.net == 0


class TestCosts:
    def test_margin_by_category_calls_by_duration_and_whatsapp_by_conversation(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        send: Send,
        process: Callable[[], int],
    ) -> None:
        products = [
            {"category": "книги", "price": 100, "quantity": 2},
            {"category": "electronics", "price": 300, "quantity": 1},
        ]
        send(
            [
                order("ანა", NOW - timedelta(days=10), 600, products=products),
                track(
                    "ანა", "Call Completed", NOW - timedelta(days=9), "call_center", duration=1800
                ),
                track("ანა", "Ticket Created", NOW - timedelta(days=8), "helpdesk"),
                *[
                    track("ანა", "Message Sent", NOW - timedelta(days=5, hours=h), "whatsapp")
                    for h in (0, 3, 30)
                ],
                track("ანა", "Message Sent", NOW - timedelta(days=4), "email"),
                track("ანა", "Message Sent", NOW - timedelta(days=4), "other", channel="SMS"),
                order("ანა", NOW - timedelta(days=400), 999),  # outside the 365-day window
            ]
        )
        process()
        rated = settings.model_copy(
            update={
                "clv_gross_margin": 0.5,
                "clv_category_margins": {"книги": 0.25, "electronics": 0.1},
                "clv_support_cost_per_hour": 60.0,
                "clv_message_costs": {"whatsapp": 0.5, "email": 0.01, "sms": 0.2},
            }
        )
        with transaction(sessions) as session:
            orders, _ = service.load_orders(session, rated, NOW)
            (value,) = service.historical(session, rated, orders, NOW).values()
        assert value.revenue == 600
        assert value.gross_margin == 200 * 0.25 + 300 * 0.1 + 100 * 0.5
        # a 30-minute call plus a ticket at its default 15 minutes
        assert value.support_hours == 0.75
        assert value.cost_to_serve == 45
        assert value.messages == 2 + 1 + 1  # two WhatsApp conversations, one email, one SMS
        assert abs(value.marketing_cost - (2 * 0.5 + 0.01 + 0.2)) < 1e-9
        assert abs(value.net - (130 - 45 - 1.21)) < 1e-9
