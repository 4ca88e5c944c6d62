"""The send gate at decide time: consent for the exact identifier, dedupe, frequency caps,
quiet hours in the customer's zone, the kill switch and WhatsApp's window."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from tests.consent.conftest import Api
from tests.messaging.conftest import EMAIL_TEXT, SMS_TEXT, Gate, customer
from unison.kit.settings import Settings

GIORGI, NOA = "giorgi@example.ge", "noa@example.co.il"


class TestConsent:
    def test_granted_marketing_is_queued_to_the_exact_address(
        self, api: Api, process: Callable[[], int], gate: Gate
    ) -> None:
        pid = customer(api, process, "u-giorgi", "email", email=GIORGI)
        decided = gate.send(pid, "k1", ("email", EMAIL_TEXT))
        assert (decided.decision, decided.reasons, decided.channel) == (
            "queued",
            ["consent"],
            "email",
        )
        assert decided.recipient == GIORGI
        [row] = gate.outbox()
        assert (row.recipient, row.idempotency_key, row.body) == (
            GIORGI,
            decided.outbox_key,
            "გამარჯობა",
        )

    def test_without_consent_nothing_is_queued_and_the_reason_is_stored(
        self, api: Api, process: Callable[[], int], gate: Gate
    ) -> None:
        pid = customer(api, process, "u-giorgi", email=GIORGI)
        decided = gate.send(pid, "k1", ("email", EMAIL_TEXT))
        assert (decided.decision, decided.reasons) == ("suppressed", ["no_consent"])
        assert decided.outbox_key is None
        assert gate.outbox() == []
        assert [m.decision for m in gate.messages()] == ["suppressed"]

    def test_service_messages_need_no_marketing_consent(
        self, api: Api, process: Callable[[], int], gate: Gate
    ) -> None:
        pid = customer(api, process, "u-giorgi", email=GIORGI)
        decided = gate.send(pid, "k1", ("email", EMAIL_TEXT), purpose="service")
        assert (decided.decision, decided.transactional) == ("queued", True)


class TestDedupe:
    def test_a_retry_returns_the_same_decision_and_queues_nothing_more(
        self, api: Api, process: Callable[[], int], gate: Gate
    ) -> None:
        pid = customer(api, process, "u-giorgi", "email", email=GIORGI)
        first = gate.send(pid, "order-1", ("email", EMAIL_TEXT))
        again = gate.send(pid, "order-1", ("email", EMAIL_TEXT))
        assert (again.id, again.replayed, first.replayed) == (first.id, True, False)
        assert len(gate.messages()) == 1
        assert len(gate.outbox()) == 1


class TestFrequencyCaps:
    def test_the_cap_across_channels_suppresses_the_next_marketing_message(
        self, api: Api, process: Callable[[], int], gate: Gate, settings: Settings
    ) -> None:
        settings.messaging_frequency_caps = {"all": "2/7d"}
        pid = customer(
            api, process, "u-giorgi", "email", "sms", email=GIORGI, phone="+995577000111"
        )
        assert gate.send(pid, "a", ("email", EMAIL_TEXT)).decision == "queued"
        assert gate.send(pid, "b", ("sms", SMS_TEXT)).decision == "queued"
        third = gate.send(pid, "c", ("email", EMAIL_TEXT))
        assert (third.decision, third.reasons) == ("suppressed", ["frequency_cap:all"])
        assert "2/7d" in third.detail
        assert gate.send(pid, "d", ("email", EMAIL_TEXT), purpose="service").decision == "queued"

    def test_a_channel_cap_counts_only_its_channel_and_the_window_slides(
        self, api: Api, process: Callable[[], int], gate: Gate, settings: Settings
    ) -> None:
        settings.messaging_frequency_caps = {"sms": "1/1d"}
        pid = customer(
            api, process, "u-giorgi", "email", "sms", email=GIORGI, phone="+995577000111"
        )
        now = datetime.now(UTC)
        assert gate.send(pid, "a", ("sms", SMS_TEXT), now=now).decision == "queued"
        assert gate.send(pid, "b", ("email", EMAIL_TEXT), now=now).decision == "queued"
        assert gate.send(pid, "c", ("sms", SMS_TEXT), now=now).reasons == ["frequency_cap:sms"]
        later = gate.send(pid, "d", ("sms", SMS_TEXT), now=now + timedelta(days=1, minutes=1))
        assert later.decision == "queued"


class TestQuietHours:
    def test_tbilisi_evening_is_deferred_while_jerusalem_is_not(
        self, api: Api, process: Callable[[], int], gate: Gate, settings: Settings
    ) -> None:
        settings.messaging_quiet_start, settings.messaging_quiet_end = "22:00", "09:00"
        giorgi = customer(api, process, "u-giorgi", "sms", phone="+995577000111")
        noa = customer(api, process, "u-noa", "sms", phone="+972501234567")
        # 18:30 UTC is 22:30 in Tbilisi (UTC+4) and 20:30 in Jerusalem (UTC+2 in December).
        evening = datetime(2026, 12, 7, 18, 30, tzinfo=UTC)
        deferred = gate.send(giorgi, "g", ("sms", SMS_TEXT), now=evening)
        assert (deferred.decision, deferred.reasons) == ("deferred", ["consent", "quiet_hours"])
        assert deferred.deliver_after == datetime(2026, 12, 8, 5, 0, tzinfo=UTC)  # 09:00 Tbilisi
        assert "Asia/Tbilisi" in deferred.detail
        sent = gate.send(noa, "n", ("sms", SMS_TEXT), now=evening)
        assert sent.decision == "queued"
        rows = {row.recipient: row for row in gate.outbox()}
        assert rows["+995577000111"].next_attempt_at == deferred.deliver_after
        assert rows["+972501234567"].next_attempt_at is None

    def test_the_customers_own_zone_and_hours_win(
        self, api: Api, process: Callable[[], int], gate: Gate, settings: Settings
    ) -> None:
        settings.messaging_quiet_start, settings.messaging_quiet_end = "22:00", "09:00"
        pid = customer(api, process, "u-noa", "sms", phone="+972501234567", timezone="Asia/Tbilisi")
        evening = datetime(2026, 12, 7, 18, 30, tzinfo=UTC)
        assert gate.send(pid, "a", ("sms", SMS_TEXT), now=evening).decision == "deferred"
        response = api.client.put(
            f"/api/profiles/{pid}/preferences",
            json={"quiet_start": "23:00", "quiet_end": "07:00", "time_zone": "Asia/Jerusalem"},
            headers={"Authorization": f"Bearer {api.token}"},
        )
        assert response.status_code == 200, response.text
        assert gate.send(pid, "b", ("sms", SMS_TEXT), now=evening).decision == "queued"

    def test_transactional_messages_are_not_held(
        self, api: Api, process: Callable[[], int], gate: Gate, settings: Settings
    ) -> None:
        settings.messaging_quiet_start, settings.messaging_quiet_end = "22:00", "09:00"
        pid = customer(api, process, "u-giorgi", phone="+995577000111")
        night = datetime(2026, 12, 7, 23, 0, tzinfo=UTC)
        assert (
            gate.send(pid, "a", ("sms", SMS_TEXT), purpose="service", now=night).decision
            == "queued"
        )


class TestKillSwitch:
    def test_a_switched_off_channel_suppresses_and_says_so(
        self, api: Api, process: Callable[[], int], gate: Gate, client: TestClient
    ) -> None:
        pid = customer(api, process, "u-giorgi", "email", email=GIORGI)
        auth = {"Authorization": f"Bearer {api.token}"}
        off = client.put("/api/messaging/channels/email", json={"enabled": False}, headers=auth)
        assert off.status_code == 200, off.text
        assert off.json()["enabled"] is False
        listed = client.get("/api/messaging/channels", headers=auth).json()
        assert {"channel": "email", "enabled": False} in [
            {k: c[k] for k in ("channel", "enabled")} for c in listed
        ]
        decided = gate.send(pid, "a", ("email", EMAIL_TEXT), purpose="service")
        assert (decided.decision, decided.reasons) == ("suppressed", ["channel_disabled"])
        client.put("/api/messaging/channels/email", json={"enabled": True}, headers=auth)
        assert gate.send(pid, "b", ("email", EMAIL_TEXT), purpose="service").decision == "queued"

    def test_an_unknown_channel_is_refused_and_nothing_changes(
        self, client: TestClient, admin_token: str, tokens_marketer: str
    ) -> None:
        auth = {"Authorization": f"Bearer {admin_token}"}
        response = client.put(
            "/api/messaging/channels/pigeon", json={"enabled": False}, headers=auth
        )
        assert response.status_code == 400
        assert response.json()["error"] == "ChannelUnknown"
        assert response.json()["field"] == "channel"
        forbidden = client.put(
            "/api/messaging/channels/email",
            json={"enabled": False},
            headers={"Authorization": f"Bearer {tokens_marketer}"},
        )
        assert forbidden.status_code == 403
        assert all(c["enabled"] for c in client.get("/api/messaging/channels", headers=auth).json())


class TestWhatsAppWindow:
    def test_free_text_needs_the_customers_message_within_a_day_a_template_does_not(
        self, api: Api, process: Callable[[], int], gate: Gate
    ) -> None:
        pid = customer(
            api, process, "u-giorgi", "whatsapp", phone="+995577000111", whatsapp_id="995577000111"
        )
        closed = gate.send(pid, "a", ("whatsapp", {"text": "hi"}))
        assert (closed.decision, closed.reasons) == ("suppressed", ["whatsapp_window_closed"])
        template = {"template": {"name": "promo", "language": "ka", "components": []}}
        assert gate.send(pid, "b", ("whatsapp", template)).decision == "queued"
        api.send(
            {
                "type": "track",
                "event": "Message Received",
                "userId": "u-giorgi",
                "messageId": "wa-in-1",
                "context": {"channel": "whatsapp"},
                "properties": {"text": "Hello"},
            }
        )
        process()
        assert gate.send(pid, "c", ("whatsapp", {"text": "hi"})).decision == "queued"
        later = datetime.now(UTC) + timedelta(hours=25)
        assert gate.send(pid, "d", ("whatsapp", {"text": "hi"}), now=later).reasons == [
            "whatsapp_window_closed"
        ]
