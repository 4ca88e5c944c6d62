"""Every way a customer speaks counts: `Consent Updated`, Segment consent categories, stop
keywords (answered through the outbox), messenger unsubscribes; every change is announced
as a `consent.changed` event that the consent processor does not consume again."""

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.consent.conftest import Api, identify
from unison.consent.ledger.processor import consent_processor
from unison.events import log as offsets
from unison.models import ConsentRecord, Event, OutboundMessage

EMAIL, PHONE = "oksana@example.ua", "+380501234567"


def _oksana(api: Api, process: Callable[[], int]) -> int:
    api.send(identify("u-oksana", "id1", email=EMAIL, phone=PHONE, name="Оксана Коваленко"))
    process()
    return api.profile_of("email", EMAIL)


def _inbound(
    message_id: str, channel: str, text: str, traits: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    return {
        "type": "track",
        "event": "Message Received",
        "messageId": message_id,
        "anonymousId": f"anon-{message_id}",
        "context": {"channel": channel, "traits": traits, **extra},
        "properties": {
            "text": text,
            "connector": f"{channel}-test",
            "provider_message_id": f"prov-{message_id}",
        },
    }


def _records(sessions: sessionmaker[Session]) -> list[ConsentRecord]:
    with sessions() as session:
        return list(session.execute(select(ConsentRecord).order_by(ConsentRecord.id)).scalars())


def _messages(sessions: sessionmaker[Session]) -> list[OutboundMessage]:
    with sessions() as session:
        return list(session.execute(select(OutboundMessage).order_by(OutboundMessage.id)).scalars())


class TestConsentUpdatedEvent:
    def test_the_documented_event_records_consent_with_its_proof(
        self, api: Api, process: Callable[[], int], sessions: sessionmaker[Session]
    ) -> None:
        pid = _oksana(api, process)
        api.send(
            {
                "type": "track",
                "userId": "u-oksana",
                "event": "Consent Updated",
                "messageId": "cu1",
                "timestamp": "2026-03-03T09:00:00Z",
                "context": {"ip": "192.0.2.7", "userAgent": "Mozilla/5.0", "channel": "web"},
                "properties": {
                    "purpose": ["newsletter", "promotions"],
                    "channel": "email",
                    "status": "granted",
                    "notice_version": "2026-01",
                    "notice_text": "Ми надсилатимемо новини",
                    "expires_at": "2027-03-03T00:00:00Z",
                },
            }
        )
        process()
        records = _records(sessions)
        assert [(r.purpose, r.channel, r.status, r.identifier_value) for r in records] == [
            ("newsletter", "email", "granted", EMAIL),
            ("promotions", "email", "granted", EMAIL),
        ]
        assert records[0].source == "event"
        assert records[0].profile_id == pid
        assert records[0].proof["ip"] == "192.0.2.7"
        assert records[0].proof["notice_version"] == "2026-01"
        assert records[0].expires_at is not None
        assert records[0].expires_at.year == 2027

    def test_segment_category_preferences_are_recorded_once_not_on_every_event(
        self, api: Api, process: Callable[[], int], sessions: sessionmaker[Session]
    ) -> None:
        _oksana(api, process)
        consent = {
            "consent": {
                "categoryPreferences": {"marketing": False, "newsletter": True, "Advertising": True}
            }
        }
        api.send(
            *[
                {
                    "type": "page",
                    "userId": "u-oksana",
                    "messageId": f"pg{i}",
                    "context": {**consent, "traits": {"email": EMAIL}},
                }
                for i in range(3)
            ]
        )
        process()
        records = _records(sessions)
        assert sorted((r.purpose, r.status) for r in records) == [
            ("marketing", "denied"),
            ("newsletter", "granted"),
        ]
        assert {r.channel for r in records} == {"email"}


class TestKeywords:
    def test_stop_withdraws_marketing_on_that_channel_and_queues_one_localized_reply(
        self, api: Api, process: Callable[[], int], sessions: sessionmaker[Session]
    ) -> None:
        pid = _oksana(api, process)
        api.record(
            pid,
            {"purpose": "promotions", "channel": "sms", "status": "granted"},
            {"purpose": "promotions", "channel": "email", "status": "granted"},
        )
        stop = _inbound("in1", "sms", " стоп! ", {"phone": PHONE}, locale="uk-UA")
        api.send(stop)
        process()
        api.send(stop)  # the connector retries: deduplicated by messageId
        process()
        assert not api.decision(pid, "promotions", "sms")["allowed"]
        assert api.decision(pid, "promotions", "email")["allowed"]  # another channel: untouched
        assert api.decision(pid, "service", "sms")["allowed"]  # service has its own rule
        messages = _messages(sessions)
        assert len(messages) == 1
        reply = messages[0]
        assert (reply.channel, reply.recipient, reply.status, reply.language) == (
            "sms",
            PHONE,
            "queued",
            "ru",
        )
        assert "Вы отписаны" in reply.body
        with sessions() as session:  # the reply leaves through the account that received STOP
            inbound = session.execute(select(Event).where(Event.message_id == "in1")).scalar_one()
        assert reply.via_source_id == inbound.source_id
        keyword = [r for r in _records(sessions) if r.source == "keyword"]
        assert {r.purpose for r in keyword} == {"marketing", "newsletter", "promotions", "surveys"}
        assert keyword[0].proof["connector"] == "sms-test"
        assert keyword[0].proof["provider_message_id"] == "prov-in1"

    def test_a_sentence_containing_stop_is_conversation_not_an_opt_out(
        self, api: Api, process: Callable[[], int], sessions: sessionmaker[Session]
    ) -> None:
        _oksana(api, process)
        api.send(_inbound("in2", "sms", "please don't stop my order", {"phone": PHONE}))
        process()
        assert _records(sessions) == []
        assert _messages(sessions) == []

    def test_configured_keywords_work_on_whatsapp_and_telegram(
        self, api: Api, process: Callable[[], int], sessions: sessionmaker[Session], settings: Any
    ) -> None:
        settings.consent_keywords = ["ГАТАЧ", "STOPALL"]
        api.send(
            _inbound("w1", "whatsapp", "stopall", {"whatsapp_id": "995599112233"}),
            _inbound("t1", "telegram", "ОТПИСАТЬСЯ", {"telegram_id": "777000111"}),
        )
        process()
        records = _records(sessions)
        assert {(r.channel, r.identifier_type) for r in records} == {
            ("whatsapp", "whatsapp_id"),
            ("telegram", "telegram_id"),
        }
        assert {m.channel for m in _messages(sessions)} == {"whatsapp", "telegram"}


class TestMessengerUnsubscribe:
    def test_a_viber_unsubscribe_withdraws_marketing_on_viber_without_a_reply(
        self, api: Api, process: Callable[[], int], sessions: sessionmaker[Session]
    ) -> None:
        api.send(
            {
                "type": "track",
                "event": "Unsubscribed",
                "anonymousId": "v-anon",
                "messageId": "vu1",
                "context": {"channel": "viber", "traits": {"viber_id": "01234567890A="}},
            }
        )
        process()
        records = _records(sessions)
        assert records
        assert {(r.channel, r.status, r.source) for r in records} == {
            ("viber", "withdrawn", "channel_unsubscribe")
        }
        assert _messages(sessions) == []


class TestPropagation:
    def test_each_change_is_one_consent_changed_event_attributed_and_not_consumed_again(
        self, api: Api, process: Callable[[], int], sessions: sessionmaker[Session]
    ) -> None:
        pid = _oksana(api, process)
        api.record(pid, {"purpose": "newsletter", "channel": "email", "status": "granted"})
        for _ in range(3):
            process()
        with sessions() as session:
            changed = list(
                session.execute(select(Event).where(Event.event == "consent.changed")).scalars()
            )
        assert len(changed) == 1
        assert changed[0].payload["properties"]["changes"][0]["status"] == "granted"
        assert len(_records(sessions)) == 1  # the processor did not turn it into a new record
        timeline = api.get(f"/api/profiles/{pid}/timeline", event="consent.changed").json()["items"]
        assert len(timeline) == 1


class TestReplay:
    def test_a_replayed_batch_records_nothing_twice_and_queues_no_second_reply(
        self, api: Api, process: Callable[[], int], sessions: sessionmaker[Session], settings: Any
    ) -> None:
        _oksana(api, process)
        api.send(_inbound("r1", "viber", "STOP", {"viber_id": "viber-oksana-1"}))
        process()
        before = len(_records(sessions))
        with sessions() as session:
            events = offsets.read_after(session, offsets.Claim(0, 0, "", 0), 1000)
        with sessions.begin() as session:
            consent_processor(settings).process(session, events)
        assert len(_records(sessions)) == before > 0
        assert len(_messages(sessions)) == 1
