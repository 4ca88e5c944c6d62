"""Email through a real local SMTP server (aiosmtpd): STARTTLS and implicit TLS verified
against the relay's certificate, a DKIM signature that verifies, RFC 8058 one-click
unsubscribe headers, a text part generated from HTML, and tracked links and an open pixel
whose hits become `Opened` / `Clicked` receipts through the real endpoints."""

import base64
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dkim
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.smtp import self_signed, smtp_server
from unison.channels.senders import configured_senders
from unison.kit.db import transaction
from unison.kit.settings import Settings
from unison.models import Event, OutboundMessage
from unison.outbox.delivery import deliver_due
from unison.outbox.queue import Outgoing, enqueue

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
META = {"message_id": 900, "template_id": 4, "template_version": 2, "campaign_id": "spring"}
HTML = (
    '<html><body dir="rtl"><h1>מבצע אביב</h1><p>שלום נינו, '
    '<a href="https://shop.example/sale?a=1&amp;b=2">לחנות</a></p></body></html>'
)


def _queue(sessions: sessionmaker[Session], profile_id: int, **content: Any) -> None:
    with transaction(sessions) as session:
        enqueue(
            session,
            Outgoing(
                idempotency_key="email-900",
                profile_id=profile_id,
                channel="email",
                recipient_type="email",
                recipient="nino@example.ge",
                purpose="marketing",
                language="he",
                body="",
                content={"subject": "מבצע אביב", **content},
                meta=META,
            ),
        )


def _relay(settings: Settings, port: int, **extra: Any) -> Settings:
    return settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": port, "public_url": "https://u.example"}
        | extra
    )


class TestTransport:
    def test_starttls_is_used_and_the_relays_certificate_verified(
        self, sessions: sessionmaker[Session], settings: Settings, tmp_path: Path
    ) -> None:
        cert, key = self_signed(tmp_path)
        with smtp_server(tls=(cert, key)) as (box, port):
            relay = _relay(settings, port, smtp_starttls=True, smtp_ca_file=cert)
            _queue(sessions, 7, text="שלום")
            deliver_due(sessions, relay, configured_senders(relay), now=NOW)
        assert box.tls == [True]
        assert box.messages[0].get_content().strip() == "שלום"

    def test_implicit_tls_from_the_first_byte(
        self, sessions: sessionmaker[Session], settings: Settings, tmp_path: Path
    ) -> None:
        cert, key = self_signed(tmp_path)
        with smtp_server(tls=(cert, key), implicit=True) as (box, port):
            relay = _relay(settings, port, smtp_tls=True, smtp_ca_file=cert)
            _queue(sessions, 7, text="שלום")
            deliver_due(sessions, relay, configured_senders(relay), now=NOW)
        assert len(box.messages) == 1

    def test_an_untrusted_certificate_is_not_sent_to(
        self, sessions: sessionmaker[Session], settings: Settings, tmp_path: Path
    ) -> None:
        cert, key = self_signed(tmp_path)
        with smtp_server(tls=(cert, key)) as (box, port):
            relay = _relay(settings, port, smtp_starttls=True)  # no CA file: not trusted
            _queue(sessions, 7, text="שלום")
            deliver_due(sessions, relay, configured_senders(relay), now=NOW)
        assert box.messages == []
        with sessions() as session:
            row = session.execute(select(OutboundMessage)).scalar_one()
        assert (row.status, row.last_error) == (
            "queued",
            "SMTP connection failed: SSLCertVerificationError",
        )


class TestMessage:
    def test_dkim_signed_with_one_click_unsubscribe_and_a_generated_text_part(
        self, sessions: sessionmaker[Session], settings: Settings
    ) -> None:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        ).decode()
        public = key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        with smtp_server() as (box, port):
            relay = _relay(
                settings,
                port,
                dkim_domain="shop.example",
                dkim_selector="s1",
                dkim_private_key=SecretStr(pem),
                smtp_from="Shop <news@shop.example>",
            )
            _queue(sessions, 7, html=HTML)
            deliver_due(sessions, relay, configured_senders(relay), now=NOW)
        (raw,) = box.raw
        record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)

        def dns(name: bytes, timeout: int = 5) -> bytes:
            assert name == b"s1._domainkey.shop.example."
            return record

        assert dkim.verify(raw, dnsfunc=dns)
        message = box.messages[0]
        assert message["List-Unsubscribe"].startswith("<https://u.example/unsubscribe/")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert "list-unsubscribe" in message["DKIM-Signature"].lower()
        text = message.get_body(("plain",)).get_content()
        assert "מבצע אביב" in text
        assert "שלום נינו" in text


def _receipts(sessions: sessionmaker[Session]) -> dict[str, dict[str, Any]]:
    with sessions() as session:
        rows = session.execute(select(Event)).scalars()
        return {
            e.payload["event"]: e.payload["properties"]
            for e in rows
            if str(e.message_id).startswith("receipt-")
        }


class TestTracking:
    def test_a_click_and_an_open_become_receipts_once_and_the_click_redirects(
        self,
        sessions: sessionmaker[Session],
        settings: Settings,
        client: TestClient,
        customer: int,
    ) -> None:
        with smtp_server() as (box, port):
            relay = _relay(settings, port)
            _queue(sessions, customer, html=HTML)
            deliver_due(sessions, relay, configured_senders(relay), now=NOW)
        html = box.messages[0].get_body(("html",)).get_content()
        (click,) = re.findall(r'href="https://u\.example(/t/c/[^"]+)"', html)
        (pixel,) = re.findall(r'src="https://u\.example(/t/o/[^"]+)"', html)
        assert "shop.example/sale" not in html  # the link goes through the redirect
        opened = client.get(pixel)
        assert (opened.status_code, opened.headers["content-type"]) == (200, "image/gif")
        for _ in range(2):  # a second click is not a second receipt
            clicked = client.get(click, follow_redirects=False)
            assert clicked.status_code == 302
            assert clicked.headers["location"] == "https://shop.example/sale?a=1&b=2"
        receipts = _receipts(sessions)
        assert set(receipts) == {"Message Sent", "Opened", "Clicked"}
        assert receipts["Clicked"]["url"] == "https://shop.example/sale?a=1&b=2"
        assert receipts["Clicked"]["campaign_id"] == "spring"
        assert receipts["Opened"]["template_id"] == 4

    def test_an_altered_link_is_refused_and_redirects_nowhere(
        self, client: TestClient, settings: Settings
    ) -> None:
        from unison.messaging.tracking.links import sign

        token = sign(settings, "c", 1, "https://shop.example/")
        forged = token.split(".")[0][:-2] + "AA." + token.split(".")[1]
        response = client.get(f"/t/c/{forged}", follow_redirects=False)
        assert response.status_code == 403
        assert response.json()["error"] == "TrackingLinkInvalid"
        assert response.json()["field"] == "token"


class TestUnsubscribed:
    def test_one_click_unsubscribe_from_the_message_becomes_its_unsubscribed_receipt(
        self,
        sessions: sessionmaker[Session],
        settings: Settings,
        client: TestClient,
        customer: int,
        process: Callable[[], int],
    ) -> None:
        with smtp_server() as (box, port):
            relay = _relay(settings, port)
            _queue(sessions, customer, html=HTML)
            deliver_due(sessions, relay, configured_senders(relay), now=NOW)
        link = box.messages[0]["List-Unsubscribe"].strip("<>")
        path = link.removeprefix("https://u.example")
        answer = client.post(
            path,
            content="List-Unsubscribe=One-Click",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert answer.status_code == 200, answer.text
        process()
        receipts = _receipts(sessions)
        assert receipts["Unsubscribed"]["reason"] == "marketing"
        assert receipts["Unsubscribed"]["message_id"] == 900
