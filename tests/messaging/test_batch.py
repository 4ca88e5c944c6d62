"""The batch path decides a chunk at once with the rules of one at a time: a message earlier
in the chunk counts against the caps of the next, a key repeated in the chunk is decided
once, quiet hours defer in the outbox, bad input refuses only its own message."""

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.consent.conftest import Api
from tests.messaging.conftest import EMAIL_TEXT, SMS_TEXT, Gate, customer
from unison.kit.settings import Settings
from unison.messaging.enqueue import Candidate, Draft
from unison.messaging.errors import ChannelUnknown, ProfileNotFound
from unison.messaging.schemas import MessageDecision
from unison.models import Event

GIORGI = "giorgi@example.ge"


def _draft(pid: int, key: str, channel: str = "email", purpose: str = "marketing") -> Draft:
    content = EMAIL_TEXT if channel == "email" else SMS_TEXT
    return Draft(pid, purpose, key, [Candidate(channel, content)])


def _decided(outcomes: list[MessageDecision | Exception]) -> list[MessageDecision]:
    assert all(isinstance(o, MessageDecision) for o in outcomes), outcomes
    return [o for o in outcomes if isinstance(o, MessageDecision)]


class TestOneChunk:
    def test_the_chunks_own_messages_count_against_the_caps(
        self, api: Api, process: Callable[[], int], gate: Gate, settings: Settings
    ) -> None:
        settings.messaging_frequency_caps = {"all": "2/7d"}
        pid = customer(
            api, process, "u-giorgi", "email", "sms", email=GIORGI, phone="+995577000111"
        )
        drafts = [
            _draft(pid, "a"),
            _draft(pid, "b", "sms"),
            _draft(pid, "c"),
            _draft(pid, "d", purpose="service"),  # transactional: not capped, not counted
        ]
        a, b, c, d = _decided(gate.send_many(drafts))
        assert [a.decision, b.decision, d.decision] == ["queued"] * 3
        assert (c.decision, c.reasons) == ("suppressed", ["frequency_cap:all"])
        assert sorted(row.idempotency_key for row in gate.outbox()) == sorted(
            f"message:{m.id}" for m in (a, b, d)
        )
        # and the next chunk counts what this one queued
        (e,) = _decided(gate.send_many([_draft(pid, "e")]))
        assert e.reasons == ["frequency_cap:all"]

    def test_a_key_repeated_in_the_chunk_is_decided_once(
        self, api: Api, process: Callable[[], int], gate: Gate
    ) -> None:
        pid = customer(api, process, "u-giorgi", "email", email=GIORGI)
        first, again = _decided(gate.send_many([_draft(pid, "same"), _draft(pid, "same")]))
        assert (again.id, again.replayed, first.replayed) == (first.id, True, False)
        assert len(gate.messages()) == 1
        assert len(gate.outbox()) == 1

    def test_quiet_hours_defer_in_the_outbox_and_suppressions_leave_receipts(
        self,
        api: Api,
        process: Callable[[], int],
        gate: Gate,
        settings: Settings,
        sessions: sessionmaker[Session],
    ) -> None:
        settings.messaging_quiet_start, settings.messaging_quiet_end = "22:00", "09:00"
        giorgi = customer(api, process, "u-giorgi", "sms", phone="+995577000111")
        noa = customer(api, process, "u-noa", "sms", phone="+972501234567")
        nobody = customer(api, process, "u-nino", phone="+995577000333")  # no consent
        evening = datetime(2026, 12, 7, 18, 30, tzinfo=UTC)  # 22:30 Tbilisi, 20:30 Jerusalem
        drafts = [_draft(p, f"k{p}", "sms") for p in (giorgi, noa, nobody)]
        deferred, sent, refused = _decided(gate.send_many(drafts, evening))
        assert (deferred.decision, deferred.reasons) == ("deferred", ["consent", "quiet_hours"])
        assert deferred.deliver_after == datetime(2026, 12, 8, 5, 0, tzinfo=UTC)
        assert sent.decision == "queued"
        assert (refused.decision, refused.reasons) == ("suppressed", ["no_consent"])
        rows = {row.recipient: row for row in gate.outbox()}
        assert rows["+995577000111"].next_attempt_at == deferred.deliver_after
        assert rows["+972501234567"].next_attempt_at is None
        assert set(rows) == {"+995577000111", "+972501234567"}
        with sessions() as session:
            receipt = session.execute(select(Event).where(Event.event == "Suppressed")).scalar_one()
        assert receipt.payload["properties"]["message_id"] == refused.id
        assert receipt.payload["properties"]["reason"] == "no_consent"

    def test_bad_input_refuses_only_its_own_message(
        self, api: Api, process: Callable[[], int], gate: Gate
    ) -> None:
        pid = customer(api, process, "u-giorgi", "email", email=GIORGI)
        drafts = [
            _draft(999_999, "missing"),
            Draft(pid, "marketing", "fax", [Candidate("fax", {"text": "x"})]),
            _draft(pid, "good"),
        ]
        missing, fax, good = gate.send_many(drafts)
        assert isinstance(missing, ProfileNotFound)
        assert missing.field == "profile_id"
        assert isinstance(fax, ChannelUnknown)
        assert fax.field == "template_id"
        assert isinstance(good, MessageDecision)
        assert good.decision == "queued"
        assert [m.idempotency_key for m in gate.messages()] == ["good"]
        assert len(gate.outbox()) == 1
