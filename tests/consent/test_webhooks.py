"""Webhook subscriptions deliver consent changes signed with HMAC-SHA256, retrying with
backoff; a local HTTP server plays the receiver (fails first, then accepts)."""

import hashlib
import hmac
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.consent.conftest import Api, identify
from unison.consent.ledger.webhooks import CHANNEL, webhook_channel
from unison.kit.clock import utcnow
from unison.kit.settings import Settings
from unison.models import ConsentWebhook, OutboundMessage
from unison.outbox.delivery import deliver_due as deliver_outbox

EMAIL = "lilit@example.am"


class Receiver:
    """Answers with the queued status codes (then 200) and keeps what it received."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.received: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers.items()), body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/consent-hook"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver([503])
    thread = threading.Thread(target=found.server.serve_forever, daemon=True)
    thread.start()
    yield found
    found.server.shutdown()
    found.server.server_close()


def deliver_due(sessions: sessionmaker[Session], settings: Settings, *, now: datetime) -> int:
    """One round of the outbox on the consent-webhook channel."""
    return deliver_outbox(sessions, settings, webhook_channel(sessions, settings), now=now)


def _deliveries(sessions: sessionmaker[Session]) -> list[OutboundMessage]:
    with sessions() as session:
        query = select(OutboundMessage).where(OutboundMessage.channel == CHANNEL)
        return list(session.execute(query).scalars())


class TestDelivery:
    def test_a_change_is_signed_retried_after_a_failure_and_delivered_once(
        self,
        api: Api,
        process: Callable[[], int],
        sessions: sessionmaker[Session],
        settings: Settings,
        receiver: Receiver,
    ) -> None:
        created = api.post("/api/consent/webhooks", {"url": receiver.url})
        assert created.status_code == 201, created.text
        secret = created.json()["secret"]
        api.send(identify("u-lilit", "l1", email=EMAIL, name="Լիլիթ Հակոբյան"))
        process()
        pid = api.profile_of("email", EMAIL)
        api.record(pid, {"purpose": "newsletter", "channel": "email", "status": "granted"})
        now = utcnow()
        assert deliver_due(sessions, settings, now=now) == 1  # the receiver answers 503
        failed = _deliveries(sessions)[0]
        assert (failed.status, failed.attempts, failed.last_error) == ("queued", 1, "HTTP 503")
        assert failed.next_attempt_at >= now + timedelta(seconds=29)
        assert deliver_due(sessions, settings, now=now + timedelta(seconds=5)) == 0  # backing off
        assert deliver_due(sessions, settings, now=now + timedelta(seconds=31)) == 1
        done = _deliveries(sessions)[0]
        assert (done.status, done.attempts) == ("sent", 2)
        assert deliver_due(sessions, settings, now=now + timedelta(hours=1)) == 0
        headers, body = receiver.received[-1]
        stamp, _, mac = headers["X-Unison-Signature"].partition(",v1=")
        expected = hmac.new(
            secret.encode(), f"{stamp.removeprefix('t=')}.".encode() + body, hashlib.sha256
        )
        assert hmac.compare_digest(mac, expected.hexdigest())
        payload = orjson.loads(body)
        assert payload["type"] == "consent.changed"
        assert (payload["data"]["status"], payload["data"]["identifier"]) == ("granted", EMAIL)
        assert len(receiver.received) == 2

    def test_a_receiver_that_never_accepts_is_given_up_after_the_limit(
        self,
        api: Api,
        process: Callable[[], int],
        sessions: sessionmaker[Session],
        settings: Settings,
        receiver: Receiver,
    ) -> None:
        settings.consent_webhook_max_attempts = 3
        receiver.statuses = [500, 500, 500]
        api.post("/api/consent/webhooks", {"url": receiver.url})
        api.send(identify("u-lilit", "l1", email=EMAIL))
        process()
        api.record(
            api.profile_of("email", EMAIL),
            {"purpose": "surveys", "channel": "email", "status": "withdrawn"},
        )
        moment = utcnow()
        for _ in range(4):
            deliver_due(sessions, settings, now=moment)
            moment += timedelta(hours=7)
        (delivery,) = _deliveries(sessions)
        assert (delivery.status, delivery.attempts) == ("failed", 3)


class TestSubscriptions:
    def test_secrets_are_stored_encrypted_and_deleting_cancels_pending_deliveries(
        self, api: Api, process: Callable[[], int], sessions: sessionmaker[Session]
    ) -> None:
        created = api.post(
            "/api/consent/webhooks",
            {"url": "https://crm.example/hooks/consent", "secret": "a-very-long-shared-secret"},
        ).json()
        assert created["secret"] == "a-very-long-shared-secret"
        with sessions() as session:
            stored = session.execute(select(ConsentWebhook)).scalar_one()
        assert b"a-very-long-shared-secret" not in stored.secret_encrypted
        listed = api.get("/api/consent/webhooks").json()
        assert [h["url"] for h in listed] == ["https://crm.example/hooks/consent"]
        assert "secret" not in listed[0]
        api.send(identify("u-lilit", "l1", email=EMAIL))
        process()
        api.record(
            api.profile_of("email", EMAIL),
            {"purpose": "newsletter", "channel": "email", "status": "granted"},
        )
        headers = {"Authorization": f"Bearer {api.token}"}
        assert (
            api.client.delete(f"/api/consent/webhooks/{created['id']}", headers=headers).status_code
            == 204
        )
        assert [d.status for d in _deliveries(sessions)] == ["cancelled"]
        assert (
            api.client.delete(f"/api/consent/webhooks/{created['id']}", headers=headers).status_code
            == 404
        )
        bad = api.post("/api/consent/webhooks", {"url": "ftp://files.example/x"})
        assert bad.status_code == 400
        assert bad.json()["field"] == "url"


class TestErasure:
    def test_erasing_someone_whose_telegram_id_is_a_subscription_id_keeps_others_deliveries(
        self, api: Api, process: Callable[[], int], sessions: sessionmaker[Session]
    ) -> None:
        # Webhook rows live in the outbox, whose erasure also matches recipients; a
        # webhook's recipient is its subscription id, which must not be taken for a person's.
        hook = api.post("/api/consent/webhooks", {"url": "https://crm.example/hooks"}).json()
        aram = "aram@example.am"
        api.send(
            identify("u-lilit", "l1", email=EMAIL),
            identify("u-aram", "a1", email=aram, telegram_id=str(hook["id"])),
        )
        process()
        lilit = api.profile_of("email", EMAIL)
        api.record(lilit, {"purpose": "newsletter", "channel": "email", "status": "granted"})
        erased = api.post("/api/privacy/erase", {"profile_id": api.profile_of("email", aram)})
        assert erased.status_code == 200, erased.text
        assert [(d.profile_id, d.status) for d in _deliveries(sessions)] == [(lilit, "queued")]
