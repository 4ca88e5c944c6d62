"""One lease through the send-time gate (GateCheck.check_many) mixing every rule: its reads
are done for the whole lease at once, each message still judged on its own, in lease order."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from tests.consent.conftest import Api
from tests.messaging.conftest import SMS_TEXT, Gate, customer
from unison.kit.db import transaction
from unison.messaging.send_time import GateCheck
from unison.models import Event, Identifier, Message
from unison.outbox.delivery import envelope_of
from unison.outbox.envelope import Defer, Send, Suppress

HELLO = {"text": "Բարև", "buttons": [], "image_url": None}
ANI_CHAT, ARAM, NOA, LEVON = "574839201", "+37491000101", "+972501234501", "+37491000103"
GIORGI, GIORGI_WA, MARIAM = "+995577000104", "995577000104", "+37491000105"


def _customers(api: Api, process: Callable[[], int]) -> dict[str, int]:
    return {
        "ani": customer(api, process, "u-ani", "telegram", email="ani@ex.am", telegram_id=ANI_CHAT),
        "aram": customer(api, process, "u-aram", "sms", phone=ARAM),
        "noa": customer(api, process, "u-noa", "sms", email="noa@ex.co.il", phone=NOA),
        "levon": customer(api, process, "u-levon", "sms", phone=LEVON),
        "mariam": customer(api, process, "u-mariam", "sms", phone=MARIAM),
        "giorgi": customer(
            api, process, "u-giorgi", "whatsapp", phone=GIORGI, whatsapp_id=GIORGI_WA
        ),
    }


def _whatsapp_from_giorgi(api: Api, process: Callable[[], int]) -> None:
    """Opens the customer-service window now (it closes a day later)."""
    message = {"type": "track", "event": "Message Received", "userId": "u-giorgi"}
    context = {"context": {"channel": "whatsapp"}, "properties": {"text": "Hello"}}
    api.send({**message, **context, "messageId": "wa-in-1"})
    process()


def _after_enqueue(api: Api, sessions: sessionmaker[Session], later: datetime) -> None:
    """What changed while the messages waited: Aram said STOP on his number, Noa's number
    left her profile, Levon set quiet hours around `later`, Mariam's message `retry` was
    released before (as was her `earlier`), one message was erased."""
    stop = {"purpose": "marketing", "channel": "sms", "status": "withdrawn", "identifier": ARAM}
    assert api.record(api.profile_of("phone", ARAM), stop).status_code == 201
    quiet = {
        "quiet_start": (later - timedelta(hours=1)).strftime("%H:%M"),
        "quiet_end": (later + timedelta(hours=1)).strftime("%H:%M"),
        "time_zone": "UTC",
    }
    levon = api.profile_of("phone", LEVON)
    headers = {"Authorization": f"Bearer {api.token}"}
    saved = api.client.put(f"/api/profiles/{levon}/preferences", json=quiet, headers=headers)
    assert saved.status_code == 200, saved.text
    with transaction(sessions) as session:
        # As a split or an erasure would leave it: the number is no longer the profile's.
        session.execute(delete(Identifier).where(Identifier.value == NOA))
        released = later - timedelta(hours=2)
        session.execute(
            update(Message)
            .where(Message.idempotency_key.in_(["earlier", "retry"]))
            .values(send_decision="send", released_at=released)
        )
        session.execute(delete(Message).where(Message.idempotency_key == "erased"))


class TestOneLeaseOfEveryKind:
    def test_each_message_of_the_lease_gets_its_own_verdict_in_lease_order(
        self, api: Api, process: Callable[[], int], gate: Gate
    ) -> None:
        sessions, settings = gate.sessions, gate.settings
        who = _customers(api, process)
        _whatsapp_from_giorgi(api, process)
        now = datetime.now(UTC)
        later = now + timedelta(hours=25)  # the queue ran a day late: the window has closed
        queued = [
            gate.send(who["ani"], "first", ("telegram", HELLO), now=now),
            gate.send(who["ani"], "second", ("telegram", HELLO), now=now),
            gate.send(who["aram"], "withdrawn", ("sms", SMS_TEXT), now=now),
            gate.send(who["noa"], "changed", ("sms", SMS_TEXT), now=now),
            gate.send(who["levon"], "quiet", ("sms", SMS_TEXT), now=now),
            gate.send(who["mariam"], "earlier", ("sms", SMS_TEXT), now=now),
            gate.send(who["mariam"], "retry", ("sms", SMS_TEXT), now=now),
            gate.send(who["ani"], "erased", ("telegram", HELLO), now=now),
            gate.send(who["giorgi"], "window", ("whatsapp", {"text": "hi"}), now=now),
        ]
        assert {m.decision for m in queued} == {"queued"}
        _after_enqueue(api, sessions, later)
        settings.messaging_frequency_caps = {"all": "1/7d"}  # tightened while they waited
        outbox = {row.idempotency_key: envelope_of(row) for row in gate.outbox()}
        keys = ["first", "second", "withdrawn", "changed", "quiet", "retry", "erased", "window"]
        lease = [outbox[m.outbox_key] for key in keys for m in queued if m.idempotency_key == key]

        with transaction(sessions) as session:
            verdicts = GateCheck(settings).check_many(session, lease, later)

        found = dict(zip(keys, verdicts, strict=True))
        assert found["first"] == Send()
        assert found["retry"] == Send()  # already counted when first released: no caps
        suppressed = {
            k: v.reason.split(":")[0] for k, v in found.items() if isinstance(v, Suppress)
        }
        assert suppressed == {
            "second": "frequency_cap",  # the first, released in this lease, counts
            "withdrawn": "withdrawn",
            "changed": "no_reachable_identifier",
            "erased": "the message's gate decision is gone (erased)",
            "window": "whatsapp_window_closed",
        }
        deferred = found["quiet"]
        assert isinstance(deferred, Defer)
        assert deferred.until == (later + timedelta(hours=1)).replace(second=0, microsecond=0)
        stored = {m.idempotency_key: m for m in gate.messages()}
        assert (stored["first"].send_decision, stored["first"].released_at) == ("send", later)
        assert stored["retry"].released_at == later - timedelta(hours=2)  # the first release
        assert [stored[k].send_decision for k in ("second", "changed", "quiet")] == [
            "suppress",
            "suppress",
            "defer",
        ]
        with sessions() as session:
            receipts = session.execute(select(Event).where(Event.event == "Suppressed")).scalars()
            reasons = {e.payload["properties"]["reason"] for e in receipts}
        assert reasons == {
            "frequency_cap:all",
            "withdrawn",
            "no_reachable_identifier",
            "whatsapp_window_closed",
        }
