"""Telephony and helpdesk webhooks: Unison's documented JSON, HMAC-signed with a timestamp."""

import time
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.channels.conftest import UNISON_SECRET, Hooks, events, only


@pytest.fixture
def pbx(hooks: Hooks) -> dict[str, Any]:
    return hooks.connector("telephony", "pbx", {"secret": UNISON_SECRET}, region="GE")


@pytest.fixture
def desk(hooks: Hooks) -> dict[str, Any]:
    return hooks.connector("helpdesk", "desk", {"secret": UNISON_SECRET})


def call(event: str, **extra: Any) -> dict[str, Any]:
    return {
        "event": event,
        "call_id": "c-20261201-0001",
        "occurred_at": "2026-12-01T09:15:00Z",
        "direction": "inbound",
        "from": "599 12 34 56",
        "to": "+995322000000",
        **extra,
    }


class TestCalls:
    def test_a_call_from_start_to_end(
        self, hooks: Hooks, pbx: dict[str, Any], sessions: sessionmaker[Session]
    ) -> None:
        body = {
            "events": [
                call("call.started", occurred_at="2026-12-01T09:10:00Z"),
                call(
                    "call.answered",
                    occurred_at="2026-12-01T09:10:14Z",
                    agent={"id": "ag-12", "name": "ნატო"},
                    wait_seconds=14,
                ),
                call(
                    "call.completed",
                    agent="ag-12",
                    duration_seconds=312,
                    recording_url="https://pbx.example/rec/c-1.mp3",
                    queue="sales",
                ),
            ]
        }
        assert hooks.signed("telephony", "pbx", body).json()["accepted"] == 3
        started, answered, completed = events(sessions)
        assert [e.event for e in (started, answered, completed)] == [
            "Call Started",
            "Call Answered",
            "Call Completed",
        ]
        assert {e.channel for e in (started, answered, completed)} == {"call_center"}
        assert completed.message_id == "pbx:c-20261201-0001:call.completed"
        assert completed.payload["context"]["traits"] == {"phone": "599 12 34 56"}
        props = completed.payload["properties"]
        assert props["duration_seconds"] == 312
        assert props["agent"] == {"id": "ag-12"}
        assert props["recording_url"] == "https://pbx.example/rec/c-1.mp3"
        assert answered.payload["properties"]["agent"]["name"] == "ნატო"

    def test_a_missed_outbound_call_is_about_the_callee(
        self, hooks: Hooks, pbx: dict[str, Any], sessions: sessionmaker[Session]
    ) -> None:
        body = call(
            "call.missed",
            direction="outbound",
            **{"from": "+995322000000", "to": "+995577112233"},
            reason="no_answer",
        )
        hooks.signed("telephony", "pbx", body)
        event = only(sessions)
        assert event.event == "Call Missed"
        assert event.payload["context"]["traits"] == {"phone": "+995577112233"}

    def test_the_same_call_event_twice_is_stored_once(
        self, hooks: Hooks, pbx: dict[str, Any], sessions: sessionmaker[Session]
    ) -> None:
        hooks.signed("telephony", "pbx", call("call.started"))
        assert hooks.signed("telephony", "pbx", call("call.started")).json()["duplicates"] == 1
        assert len(events(sessions)) == 1

    def test_bad_calls_are_400_naming_the_field(
        self, hooks: Hooks, pbx: dict[str, Any], sessions: sessionmaker[Session]
    ) -> None:
        cases = [
            (call("call.exploded"), "call.event"),
            ({k: v for k, v in call("call.started").items() if k != "call_id"}, "call.call_id"),
            (call("call.started", direction="sideways"), "call.direction"),
            (call("call.started", occurred_at="yesterday"), "call.occurred_at"),
            (call("call.started", occurred_at="2026-12-01T09:15:00"), "call.occurred_at"),
            (call("call.completed", duration_seconds="long"), "call.duration_seconds"),
            ({"events": []}, "events"),
            ({"events": ["x"]}, "events[0]"),
        ]
        for body, field in cases:
            response = hooks.signed("telephony", "pbx", body)
            assert response.status_code == 400, body
            assert response.json()["field"] == field
        assert events(sessions) == []

    def test_signature_failures_store_nothing(
        self, hooks: Hooks, pbx: dict[str, Any], sessions: sessionmaker[Session]
    ) -> None:
        assert (
            hooks.signed("telephony", "pbx", call("call.started"), secret="wrong").status_code
            == 401
        )
        assert (
            hooks.signed("telephony", "pbx", call("call.started"), at=time.time() + 900).status_code
            == 401
        )
        assert (
            hooks.client.post("/hooks/telephony/pbx", json=call("call.started")).status_code == 401
        )
        assert events(sessions) == []


def ticket(event: str, delivery: str, **extra: Any) -> dict[str, Any]:
    return {
        "event": event,
        "id": delivery,
        "occurred_at": "2026-12-01T10:00:00+03:00",
        "ticket": {
            "id": "T-1042",
            "subject": "Где мой заказ?",
            "status": "open",
            "priority": "normal",
            "channel": "email",
            "tags": ["delivery"],
        },
        "requester": {"email": "Olga@Example.ru", "name": "Ольга Петрова", "external_id": "crm-77"},
        **extra,
    }


class TestTickets:
    def test_a_ticket_lifecycle_with_a_rating(
        self, hooks: Hooks, desk: dict[str, Any], sessions: sessionmaker[Session]
    ) -> None:
        for body in (
            ticket(
                "ticket.created",
                "evt-1",
                comment={"id": "cm-1", "body": "Заказ не пришёл", "author": "customer"},
            ),
            ticket(
                "ticket.updated",
                "evt-2",
                comment={
                    "id": "cm-2",
                    "body": "Отправили повторно",
                    "author": "agent",
                    "author_name": "Анна",
                },
            ),
            ticket("ticket.resolved", "evt-3"),
            ticket(
                "satisfaction.rated",
                "evt-4",
                rating={"score": 5, "scale": 5, "comment": "Спасибо!"},
            ),
        ):
            assert hooks.signed("helpdesk", "desk", body).status_code == 200
        created, updated, resolved, rated = events(sessions)
        assert [e.event for e in (created, updated, resolved, rated)] == [
            "Ticket Created",
            "Ticket Updated",
            "Ticket Resolved",
            "Satisfaction Rated",
        ]
        assert created.payload["context"]["traits"] == {
            "email": "Olga@Example.ru",
            "crm_id": "crm-77",
            "name": "Ольга Петрова",
        }
        assert created.payload["properties"]["text"] == "Заказ не пришёл"
        assert created.payload["properties"]["direction"] == "inbound"
        assert updated.payload["properties"]["direction"] == "outbound"
        assert rated.payload["properties"]["score"] == 5
        assert created.timestamp.isoformat() == "2026-12-01T07:00:00+00:00"
        assert created.message_id == "desk:evt-1"

    def test_a_requester_without_any_identifier_is_400(
        self, hooks: Hooks, desk: dict[str, Any], sessions: sessionmaker[Session]
    ) -> None:
        body = ticket("ticket.created", "evt-9") | {"requester": {"name": "Anonymous"}}
        response = hooks.signed("helpdesk", "desk", body)
        assert response.status_code == 400
        assert response.json()["field"] == "ticket.requester"
        rating = hooks.signed("helpdesk", "desk", ticket("satisfaction.rated", "evt-10"))
        assert rating.json()["field"] == "ticket.rating"
        assert events(sessions) == []

    def test_a_redelivery_is_stored_once(
        self, hooks: Hooks, desk: dict[str, Any], sessions: sessionmaker[Session]
    ) -> None:
        body = ticket("ticket.resolved", "evt-20")
        hooks.signed("helpdesk", "desk", body)
        assert hooks.signed("helpdesk", "desk", body).json()["duplicates"] == 1
