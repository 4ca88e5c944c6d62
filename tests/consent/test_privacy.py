"""Privacy requests: one export bundle with everything; erasure leaves nothing of the person
in any table (every column of every table is scanned) but a hashed suppression entry."""

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from tests.consent.conftest import Api
from unison.auth import audit
from unison.cli import app
from unison.consent.ledger.webhooks import webhook_channel
from unison.consent.preference_center import links
from unison.kit.settings import Settings, get_settings
from unison.models import Base, PrivacyRequest
from unison.outbox.delivery import deliver_due

EMAIL, PHONE, NAME = "tamar.kapanadze@example.ge", "+995599887766", "თამარ კაპანაძე"


def _tamar(api: Api, process: Callable[[], int]) -> int:
    api.send(
        {
            "type": "identify",
            "userId": "u-tamar",
            "messageId": "t1",
            "traits": {"email": EMAIL, "phone": PHONE, "name": NAME, "city": "ქუთაისი"},
        },
        {
            "type": "track",
            "userId": "u-tamar",
            "event": "Order Completed",
            "messageId": "t2",
            "properties": {"revenue": 42, "note": f"deliver to {NAME}"},
        },
        {
            "type": "track",
            "anonymousId": "anon-t",
            "event": "Message Received",
            "messageId": "t3",
            "context": {"channel": "sms", "traits": {"phone": PHONE}},
            "properties": {"text": "STOP", "connector": "sms-gw", "provider_message_id": "x1"},
        },
    )
    # An item rejected at collection still carries the person's data.
    response = api.client.post(
        "/v1/batch",
        auth=(api.write_key, ""),
        json={
            "batch": [
                {"type": "track", "event": "Broken", "properties": {"email": EMAIL}},
                {"type": "track", "userId": "u-tamar", "event": "Fine", "messageId": "t4"},
            ]
        },
    )
    assert response.status_code == 200
    assert len(response.json()["rejected"]) == 1
    process()
    pid = api.profile_of("email", EMAIL)
    api.record(
        pid,
        {
            "purpose": "newsletter",
            "channel": "email",
            "status": "granted",
            "proof": {"ip": "203.0.113.9", "form_url": f"https://shop.example/?email={EMAIL}"},
        },
    )
    prefs = api.client.put(
        f"/api/profiles/{pid}/preferences",
        json={"preferred_language": "ka"},
        headers={"Authorization": f"Bearer {api.token}"},
    )
    assert prefs.status_code == 200
    process()
    return pid


def _mentions(sessions: sessionmaker[Session], needles: list[str]) -> list[tuple[str, str, str]]:
    """Every (table, column, needle) where a needle appears in any row, in any column."""
    found = []
    with sessions() as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)).mappings():
                for column, value in row.items():
                    shown = str(value).lower()
                    found += [(table.name, column, n) for n in needles if n.lower() in shown]
    return found


class TestExport:
    def test_the_bundle_holds_profile_identifiers_events_consents_and_messages(
        self, api: Api, process: Callable[[], int], sessions: sessionmaker[Session]
    ) -> None:
        pid = _tamar(api, process)
        response = api.post("/api/privacy/export", {"profile_id": pid})
        assert response.status_code == 200, response.text
        bundle: dict[str, Any] = response.json()
        assert bundle["format"] == "unison.privacy.export/1"
        assert bundle["profile_id"] == pid
        assert bundle["profile"]["traits"]["name"]["value"] == NAME
        assert {"type": "email", "value": EMAIL} in bundle["identifiers"]
        assert {e["payload"].get("event") for e in bundle["events"]} >= {
            "Order Completed",
            "Message Received",
        }
        assert {r["source"] for r in bundle["consent"]["history"]} == {"keyword", "api"}
        assert bundle["consent"]["preferences"]["preferred_language"] == "ka"
        assert bundle["messages"][0]["recipient"] == PHONE
        with sessions() as session:
            assert session.execute(select(PrivacyRequest.kind)).scalars().all() == ["export"]
        assert api.post("/api/privacy/export", {"profile_id": 10**9}).status_code == 404

    def test_the_cli_writes_the_same_bundle(
        self, api: Api, process: Callable[[], int], database_url: str, tmp_path: Any
    ) -> None:
        pid = _tamar(api, process)
        out = tmp_path / "bundle.json"
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("UNISON_DATABASE_URL", database_url)
            get_settings.cache_clear()
            result = CliRunner().invoke(app, ["privacy", "export", str(pid), "--out", str(out)])
            get_settings.cache_clear()
        assert result.exit_code == 0, result.output
        assert EMAIL in out.read_text("utf-8")
        assert NAME in out.read_text("utf-8")


class TestErase:
    def test_nothing_of_the_person_remains_in_any_table(
        self,
        api: Api,
        process: Callable[[], int],
        sessions: sessionmaker[Session],
        settings: Settings,
    ) -> None:
        pid = _tamar(api, process)
        api.post("/api/consent/webhooks", {"url": "http://127.0.0.1:9/hook"})
        api.record(pid, {"purpose": "surveys", "channel": "email", "status": "granted"})
        needles = [EMAIL, PHONE, NAME, PHONE.lstrip("+")]
        assert {t for t, _, _ in _mentions(sessions, needles)} >= {
            "events",
            "identifiers",
            "profiles",
            "consent_records",
            "consent_state",
            "outbound_messages",
            "rejected_events",
        }
        response = api.post("/api/privacy/erase", {"profile_id": pid})
        assert response.status_code == 200, response.text
        assert response.json()["affected"]["suppressed"] >= 3
        process()
        assert _mentions(sessions, needles) == []
        with sessions() as session:
            kinds = session.execute(select(PrivacyRequest.kind)).scalars().all()
            suppressed = session.execute(
                text("SELECT count(*) FROM consent_suppressions WHERE reason = 'erasure'")
            ).scalar_one()
        assert kinds == ["erase"]
        listed = api.get("/api/privacy/requests").json()
        assert [(r["kind"], r["profile_id"]) for r in listed] == [("erase", pid)]
        assert EMAIL not in str(listed)
        assert suppressed >= 3
        assert (
            deliver_due(
                sessions, settings, webhook_channel(sessions, settings, post=lambda *a: 200)
            )
            == 0
        )  # nothing left to announce
        # An unsubscribe link mailed before the erasure still answers, and writes nothing back.
        token = links.sign(settings, "unsubscribe", {"p": pid, "e": EMAIL, "u": "newsletter"}, 60)
        late = api.client.post(
            f"/unsubscribe/{token}",
            content="List-Unsubscribe=One-Click",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert late.status_code == 200
        assert _mentions(sessions, needles) == []

    def test_a_later_import_of_the_same_address_cannot_be_contacted(
        self, api: Api, process: Callable[[], int]
    ) -> None:
        pid = _tamar(api, process)
        assert api.post("/api/privacy/erase", {"profile_id": pid}).status_code == 200
        api.send(
            {
                "type": "identify",
                "userId": "crm-999",
                "messageId": "again",
                "traits": {"email": EMAIL.upper()},
            }
        )
        process()
        again = api.profile_of("email", EMAIL)
        assert again != pid
        api.record(
            again,
            {"purpose": "newsletter", "channel": "email", "status": "granted", "source": "import"},
        )
        decision = api.decision(again, "newsletter", "email")
        assert (decision["allowed"], decision["reason"]) == (False, "suppressed_erasure")

    def test_the_ledger_still_verifies_after_an_erasure(
        self, api: Api, process: Callable[[], int], sessions: sessionmaker[Session]
    ) -> None:
        from unison.consent import service

        pid = _tamar(api, process)
        api.post("/api/privacy/erase", {"profile_id": pid})
        with sessions() as session:
            assert service.verify(session).breaks == []


class TestEraseCli:
    def test_the_cli_asks_for_confirmation_then_erases(
        self,
        api: Api,
        process: Callable[[], int],
        database_url: str,
        sessions: sessionmaker[Session],
    ) -> None:
        pid = _tamar(api, process)
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("UNISON_DATABASE_URL", database_url)
            get_settings.cache_clear()
            refused = CliRunner().invoke(app, ["privacy", "erase", str(pid)])
            done = CliRunner().invoke(app, ["privacy", "erase", str(pid), "--yes"])
            get_settings.cache_clear()
        assert refused.exit_code == 2
        assert done.exit_code == 0, done.output
        assert _mentions(sessions, [EMAIL, PHONE, NAME]) == []


class TestAudit:
    def test_export_and_erase_are_audited_under_the_requesting_token(
        self, api: Api, process: Callable[[], int], sessions: sessionmaker[Session]
    ) -> None:
        pid = _tamar(api, process)
        assert api.post("/api/privacy/export", {"profile_id": pid}).status_code == 200
        assert api.post("/api/privacy/erase", {"profile_id": pid}).status_code == 200
        with sessions() as session:
            requests = session.execute(
                select(PrivacyRequest.kind, PrivacyRequest.requested_by).order_by(PrivacyRequest.id)
            ).all()
            entries = [
                (e.action, e.actor, e.target)
                for e in audit.entries(session)
                if e.action.startswith("privacy.")
            ]
        [(_, actor), _] = requests
        assert actor.startswith("token:")
        assert [kind for kind, _ in requests] == ["export", "erase"]
        assert sorted(entries) == [
            ("privacy.erase", actor, f"profile:{pid}"),
            ("privacy.export", actor, f"profile:{pid}"),
        ]
