"""Channel choice: the preferred reachable channel with the fallback order, and the learned
channel (and hour) from the customer's engagement in the log; each choice explained."""

from collections.abc import Callable
from typing import Any

from tests.consent.conftest import Api
from tests.messaging.conftest import EMAIL_TEXT, SMS_TEXT, Gate, customer

CHAT = "574839201"
TELEGRAM = {"text": "Բարև", "buttons": [], "image_url": None}


def _prefer(api: Api, pid: int, channel: str) -> None:
    response = api.client.put(
        f"/api/profiles/{pid}/preferences",
        json={"preferred_channel": channel},
        headers={"Authorization": f"Bearer {api.token}"},
    )
    assert response.status_code == 200, response.text


def _receipt(user: str, n: int, kind: str, channel: str, at: str) -> dict[str, Any]:
    return {
        "type": "track",
        "event": kind,
        "userId": user,
        "messageId": f"{user}-{kind}-{n}",
        "timestamp": at,
        "properties": {"channel": channel, "message_id": n},
    }


class TestPreferred:
    def test_the_preferred_channel_wins_when_reachable(
        self, api: Api, process: Callable[[], int], gate: Gate
    ) -> None:
        pid = customer(api, process, "u-ani", "email", "telegram", email="a@x.am", telegram_id=CHAT)
        _prefer(api, pid, "telegram")
        decided = gate.send(pid, "a", ("email", EMAIL_TEXT), ("telegram", TELEGRAM))
        assert (decided.channel, decided.recipient) == ("telegram", CHAT)
        assert decided.channel_reason == "telegram: the customer's preferred channel"

    def test_an_unreachable_preferred_channel_falls_back_in_order_and_says_why(
        self, api: Api, process: Callable[[], int], gate: Gate
    ) -> None:
        pid = customer(api, process, "u-ani", "email", email="a@x.am", telegram_id=CHAT)
        _prefer(api, pid, "telegram")
        decided = gate.send(
            pid, "a", ("sms", SMS_TEXT), ("telegram", TELEGRAM), ("email", EMAIL_TEXT)
        )
        assert (decided.decision, decided.channel) == ("queued", "email")
        assert decided.channel_reason.startswith(
            "email: next in order after telegram refused (no_consent)"
        )

    def test_when_no_channel_can_be_used_the_first_choice_is_stored_with_every_refusal(
        self, api: Api, process: Callable[[], int], gate: Gate
    ) -> None:
        pid = customer(api, process, "u-ani", email="a@x.am")
        decided = gate.send(pid, "a", ("email", EMAIL_TEXT), ("sms", SMS_TEXT))
        assert (decided.decision, decided.channel, decided.reasons) == (
            "suppressed",
            "email",
            ["no_consent"],
        )
        assert "sms refused (no_reachable_identifier)" in decided.channel_reason


class TestLearned:
    def test_the_channel_the_customer_engages_on_most_is_chosen_with_its_hour(
        self, api: Api, process: Callable[[], int], gate: Gate
    ) -> None:
        pid = customer(api, process, "u-ani", "email", "sms", email="a@x.am", phone="+37491234567")
        api.send(
            # clicks on SMS at 19:xx Yerevan (15:xx UTC); one email open in the morning
            _receipt("u-ani", 1, "Clicked", "sms", "2026-12-01T15:10:00Z"),
            _receipt("u-ani", 2, "Clicked", "sms", "2026-12-02T15:40:00Z"),
            _receipt("u-ani", 3, "Opened", "email", "2026-12-03T06:00:00Z"),
        )
        process()
        decided = gate.send(pid, "a", ("email", EMAIL_TEXT), ("sms", SMS_TEXT), choice="learned")
        assert decided.channel == "sms"
        assert decided.channel_reason == (
            "sms: the customer's most engaged channel (2 engagements, most often at 19:00 "
            "Asia/Yerevan)"
        )
        assert decided.choice["scores"] == {"sms": 2, "email": 1}
        assert decided.choice["best_hour"] == 19

    def test_a_purchase_within_a_day_of_a_message_counts_for_its_channel(
        self, api: Api, process: Callable[[], int], gate: Gate
    ) -> None:
        pid = customer(api, process, "u-ani", "email", "sms", email="a@x.am", phone="+37491234567")
        api.send(
            _receipt("u-ani", 1, "Opened", "email", "2026-12-01T06:00:00Z"),
            _receipt("u-ani", 2, "Message Sent", "sms", "2026-12-02T10:00:00Z"),
            {
                "type": "track",
                "event": "Order Completed",
                "userId": "u-ani",
                "messageId": "order-1",
                "timestamp": "2026-12-02T12:00:00Z",
                "properties": {"total": 10, "currency": "AMD"},
            },
            {
                "type": "track",
                "event": "Order Completed",
                "userId": "u-ani",
                "messageId": "order-2",
                "timestamp": "2026-12-05T12:00:00Z",  # three days later: not the message's
                "properties": {"total": 10, "currency": "AMD"},
            },
        )
        process()
        decided = gate.send(pid, "a", ("email", EMAIL_TEXT), ("sms", SMS_TEXT), choice="learned")
        assert decided.choice["scores"] == {"email": 1, "sms": 1}
        # a tie: the configured order breaks it (email before sms)
        assert decided.channel == "email"

    def test_without_engagement_the_default_order_is_used_and_said(
        self, api: Api, process: Callable[[], int], gate: Gate
    ) -> None:
        pid = customer(api, process, "u-ani", "email", "sms", email="a@x.am", phone="+37491234567")
        decided = gate.send(pid, "a", ("sms", SMS_TEXT), ("email", EMAIL_TEXT), choice="learned")
        assert decided.channel == "email"
        assert decided.channel_reason.endswith("(no engagement to learn from: default)")

    def test_without_own_engagement_the_segments_members_teach_the_choice(
        self, api: Api, process: Callable[[], int], gate: Gate
    ) -> None:
        pid = customer(
            api,
            process,
            "u-new",
            "email",
            "sms",
            email="n@x.am",
            phone="+37491234500",
            city="Gyumri",
        )
        customer(api, process, "u-old", "sms", phone="+37491234501", city="Gyumri")
        api.send(
            _receipt("u-old", 1, "Replied", "sms", "2026-12-01T15:10:00Z"),
            _receipt("u-old", 2, "Clicked", "sms", "2026-12-02T15:10:00Z"),
        )
        process()
        created = api.post("/api/segments", {"name": "Gyumri", "text": 'trait("city") == "Gyumri"'})
        assert created.status_code == 201, created.text
        assert created.json()["recomputed"]["members"] == 2
        segment = created.json()["segment"]["id"]
        decided = gate.send(
            pid, "a", ("email", EMAIL_TEXT), ("sms", SMS_TEXT), choice="learned", segment_id=segment
        )
        assert decided.channel == "sms"
        assert decided.channel_reason.startswith(f"sms: segment {segment}'s members' most engaged")
        assert decided.choice["from"] == f"segment {segment}'s members'"
