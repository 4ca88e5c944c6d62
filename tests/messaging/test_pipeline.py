"""The send pipeline through HTTP: POST /api/messages renders the template, chooses the
channel, asks the gate and queues the outbox row with content and meta in one transaction;
GET /api/profiles/{id}/messages lists every decision with its reasons."""

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.consent.conftest import Api
from tests.messaging.conftest import Gate, customer
from unison.models import Event

GIORGI = "giorgi@example.ge"


def _template(api: Api, channel: str, variants: dict[str, Any], name: str) -> int:
    response = api.post("/api/templates", {"name": name, "channel": channel, "variants": variants})
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _email(api: Api) -> int:
    variants = {
        "ka": {"subject": "გამარჯობა {{ traits.first_name }}", "html": "<p>ფასდაკლება!</p>"},
        "en": {"subject": "Hello {{ traits.first_name }}", "html": "<p>Sale!</p>"},
    }
    return _template(api, "email", variants, "winter-email")


class TestPostMessage:
    def test_a_template_is_rendered_gated_and_queued_with_content_and_meta(
        self, api: Api, process: Callable[[], int], gate: Gate
    ) -> None:
        pid = customer(api, process, "u-giorgi", "email", email=GIORGI, first_name="გიორგი")
        template = _email(api)
        body = {
            "profile_id": pid,
            "template_id": template,
            "purpose": "marketing",
            "idempotency_key": "winter-1",
            "locales": ["ka"],
            "campaign_id": "winter",
        }
        response = api.post("/api/messages", body)
        assert response.status_code == 201, response.text
        decided = response.json()
        assert (decided["decision"], decided["channel"], decided["locale"]) == (
            "queued",
            "email",
            "ka",
        )
        assert decided["template_version"] == 1
        [row] = gate.outbox()
        assert row.content is not None
        assert row.content["subject"] == "გამარჯობა გიორგი"
        assert row.meta == {
            "message_id": decided["id"],
            "template_id": template,
            "template_version": 1,
            "campaign_id": "winter",
            "broadcast_id": None,
            "variant": None,
        }
        again = api.post("/api/messages", body)
        assert again.status_code == 200
        assert (again.json()["id"], again.json()["replayed"]) == (decided["id"], True)
        assert len(gate.outbox()) == 1

    def test_a_suppressed_message_is_stored_with_its_reason_and_a_receipt(
        self, api: Api, process: Callable[[], int], gate: Gate, sessions: sessionmaker[Session]
    ) -> None:
        pid = customer(api, process, "u-giorgi", email=GIORGI, first_name="გიორგი")
        body = {
            "profile_id": pid,
            "template_id": _email(api),
            "purpose": "marketing",
            "idempotency_key": "winter-1",
        }
        response = api.post("/api/messages", body)
        assert response.status_code == 201, response.text
        assert (response.json()["decision"], response.json()["reasons"]) == (
            "suppressed",
            ["no_consent"],
        )
        assert gate.outbox() == []
        with sessions() as session:
            receipt = session.execute(select(Event).where(Event.event == "Suppressed")).scalar_one()
        assert receipt.payload["properties"]["reason"] == "no_consent"
        assert receipt.payload["properties"]["message_id"] == response.json()["id"]

    def test_bad_input_names_the_field_and_queues_nothing(
        self, api: Api, process: Callable[[], int], gate: Gate
    ) -> None:
        pid = customer(api, process, "u-giorgi", "email", email=GIORGI)
        template = _email(api)
        base = {"profile_id": pid, "template_id": template, "purpose": "marketing"}
        cases = [
            ({**base, "idempotency_key": "k", "purpose": "nonsense"}, 400, "purpose"),
            ({**base, "idempotency_key": "k", "template_id": 999999}, 404, "template_id"),
            ({**base, "idempotency_key": "k", "profile_id": 999999}, 404, "profile_id"),
            # the template needs traits.first_name, which this customer does not have
            ({**base, "idempotency_key": "k"}, 400, "variants.ka.subject"),
        ]
        for body, status, field in cases:
            response = api.post("/api/messages", body)
            assert response.status_code == status, (body, response.text)
            assert response.json()["field"] == field, response.text
        missing_key = api.post("/api/messages", base)
        assert missing_key.status_code == 422
        assert gate.outbox() == []
        assert gate.messages() == []

    def test_a_key_reused_for_another_profile_is_a_conflict(
        self, api: Api, process: Callable[[], int], gate: Gate
    ) -> None:
        one = customer(api, process, "u-1", "sms", phone="+995577000111", first_name="ა")
        other = customer(api, process, "u-2", "sms", phone="+995577000222", first_name="ბ")
        sms = _template(api, "sms", {"en": {"text": "Hi {{ traits.first_name }}"}}, "sms")
        body = {"template_id": sms, "purpose": "marketing", "idempotency_key": "same"}
        assert api.post("/api/messages", {**body, "profile_id": one}).status_code == 201
        clash = api.post("/api/messages", {**body, "profile_id": other})
        assert clash.status_code == 409
        assert clash.json()["field"] == "idempotency_key"
        assert len(gate.outbox()) == 1


class TestHistory:
    def test_every_decision_is_listed_newest_first_and_paginated(
        self, api: Api, process: Callable[[], int], gate: Gate
    ) -> None:
        pid = customer(api, process, "u-giorgi", "email", email=GIORGI)
        gate.send(pid, "a", ("email", {"subject": "a", "html": None, "text": "a"}))
        gate.send(pid, "b", ("sms", {"text": "b"}))  # no phone: suppressed
        gate.send(
            pid, "c", ("email", {"subject": "c", "html": None, "text": "c"}), purpose="service"
        )
        first = api.get(f"/api/profiles/{pid}/messages", limit=2)
        assert first.status_code == 200, first.text
        page = first.json()
        assert [m["idempotency_key"] for m in page["items"]] == ["c", "b"]
        assert page["items"][1]["reasons"] == ["no_reachable_identifier"]
        second = api.get(f"/api/profiles/{pid}/messages", limit=2, cursor=page["next_cursor"])
        assert [m["idempotency_key"] for m in second.json()["items"]] == ["a"]
        assert second.json()["next_cursor"] is None
        assert api.get("/api/profiles/999999/messages").status_code == 404
        bad = api.get(f"/api/profiles/{pid}/messages", cursor="nonsense")
        assert (bad.status_code, bad.json()["field"]) == (400, "cursor")
