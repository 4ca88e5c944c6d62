# ruff: noqa: RUF001  (customers write in Hebrew, Armenian, Georgian and Cyrillic script)
"""Inbound email: raw RFC 5322 messages, multipart and in non-Latin scripts, broken ones,
threading, and the X-Unison-Signature check (with its replay window)."""

import base64
import time
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.channels.conftest import UNISON_SECRET, Hooks, events, only


@pytest.fixture
def mailbox(hooks: Hooks) -> dict[str, Any]:
    return hooks.connector("email", "support-inbox", {"secret": UNISON_SECRET})


def b64(text: str, charset: str = "utf-8") -> str:
    return base64.b64encode(text.encode(charset)).decode("ascii")


MULTIPART_GEORGIAN = f"""From: =?UTF-8?B?{b64("ნინო ბერიძე")}?= <Nino.Beridze@Example.GE>
To: support@shop.example
Subject: =?UTF-8?B?{b64("შეკვეთა #4521 — დაგვიანება")}?=
Date: Mon, 01 Dec 2025 13:30:00 +0400
Message-ID: <CAF3kq1@mail.example.ge>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: multipart/alternative; boundary="inner"

--inner
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: base64

{b64("გამარჯობა, შეკვეთა ჯერ არ მოსულა.")}
--inner
Content-Type: text/html; charset="utf-8"

<p>HTML version</p>
--inner--

--outer
Content-Type: application/pdf; name="=?UTF-8?B?{b64("ქვითარი.pdf")}?="
Content-Disposition: attachment; filename="=?UTF-8?B?{b64("ქვითარი.pdf")}?="
Content-Transfer-Encoding: base64

JVBERi0xLjQKJcfs
--outer--
""".replace("\n", "\r\n").encode("ascii")


class TestParsing:
    def test_a_multipart_georgian_message(
        self, hooks: Hooks, mailbox: dict[str, Any], sessions: sessionmaker[Session]
    ) -> None:
        response = hooks.signed(
            "email", "support-inbox", MULTIPART_GEORGIAN, content_type="message/rfc822"
        )
        assert response.status_code == 200, response.text
        event = only(sessions)
        assert (event.event, event.channel) == ("Message Received", "email")
        assert event.message_id == "support-inbox:<CAF3kq1@mail.example.ge>"
        assert event.payload["context"]["traits"] == {
            "email": "nino.beridze@example.ge",
            "name": "ნინო ბერიძე",
        }
        props = event.payload["properties"]
        assert props["subject"] == "შეკვეთა #4521 — დაგვიანება"
        assert props["text"] == "გამარჯობა, შეკვეთა ჯერ არ მოსულა."
        assert props["attachments"] == [
            {
                "type": "file",
                "file_name": "ქვითარი.pdf",
                "mime_type": "application/pdf",
                "file_size": 12,
            }
        ]
        assert props["thread_key"] == "email:support-inbox:<CAF3kq1@mail.example.ge>"
        assert event.timestamp.isoformat() == "2025-12-01T09:30:00+00:00"

    def test_a_reply_joins_the_thread_of_its_first_message(
        self, hooks: Hooks, mailbox: dict[str, Any], sessions: sessionmaker[Session]
    ) -> None:
        reply = (
            "From: Олег <oleg@example.ru>\r\nSubject: Re: Заказ\r\nMessage-ID: <r2@example.ru>\r\n"
            "In-Reply-To: <r1@shop.example>\r\nReferences: <r0@example.ru> <r1@shop.example>\r\n"
            "Content-Type: text/plain; charset=koi8-r\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        ).encode() + "Спасибо, получил.".encode("koi8-r")  # RFC 6532 UTF-8 headers
        hooks.signed("email", "support-inbox", reply)
        props = only(sessions).payload["properties"]
        assert props["text"] == "Спасибо, получил."
        assert props["subject"] == "Re: Заказ"
        assert props["in_reply_to"] == "<r1@shop.example>"
        assert props["references"] == ["<r0@example.ru>", "<r1@shop.example>"]
        assert props["thread_key"] == "email:support-inbox:<r0@example.ru>"

    def test_an_html_only_hebrew_message_gives_its_text(
        self, hooks: Hooks, mailbox: dict[str, Any], sessions: sessionmaker[Session]
    ) -> None:
        raw = (
            "From: yossi@example.co.il\r\nSubject: =?windows-1255?B?"
            + b64("שאלה", "windows-1255")
            + "?=\r\n"
            "Message-ID: <h1@example.co.il>\r\nContent-Type: text/html; charset=windows-1255\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n"
            + b64(
                "<html><body><p>שלום,</p><p>מתי &amp; איך?</p><script>x()</script></body></html>",
                "windows-1255",
            )
        ).encode("ascii")
        hooks.signed("email", "support-inbox", raw)
        props = only(sessions).payload["properties"]
        assert props["subject"] == "שאלה"
        assert props["text"] == "שלום,\nמתי & איך?"
        assert props["html_only"] is True

    def test_broken_encodings_are_tolerated(
        self, hooks: Hooks, mailbox: dict[str, Any], sessions: sessionmaker[Session]
    ) -> None:
        unknown_charset = (
            b"From: a@example.com\r\nMessage-ID: <b1@example.com>\r\n"
            b"Subject: =?x-unknown?Q?caf=E9?=\r\n"
            b"Content-Type: text/plain; charset=x-no-such-charset\r\n\r\nhello \xff\xfe world"
        )
        lying_charset = (
            b"From: b@example.com\r\nMessage-ID: <b2@example.com>\r\n"
            b"Subject: =?utf-8?B?broken base64?=\r\n"
            b"Content-Type: text/plain; charset=utf-8\r\n\r\n" + "Привет".encode("cp1251")
        )
        raw_8bit_header = (
            b"From: \xd0\x9e\xd0\xbb\xd0\xb3\xd0\xb0 <c@example.com>\r\n"
            b"Message-ID: <b3@example.com>\r\nSubject: \xe4\xf6\r\n\r\nbody"
        )
        for raw in (unknown_charset, lying_charset, raw_8bit_header):
            response = hooks.signed("email", "support-inbox", raw)
            assert response.status_code == 200, response.text
        first, second, third = events(sessions)
        assert first.payload["properties"]["text"] == "hello \ufffd\ufffd world"
        assert "\ufffd" in second.payload["properties"]["text"]
        assert third.payload["properties"]["text"] == "body"
        assert third.payload["context"]["traits"]["email"] == "c@example.com"

    def test_a_message_without_message_id_is_deduplicated_by_content(
        self, hooks: Hooks, mailbox: dict[str, Any], sessions: sessionmaker[Session]
    ) -> None:
        raw = b"From: d@example.com\r\nSubject: hi\r\n\r\nno id here"
        assert hooks.signed("email", "support-inbox", raw).json()["accepted"] == 1
        assert hooks.signed("email", "support-inbox", raw).json()["duplicates"] == 1
        assert only(sessions).message_id.startswith("support-inbox:sha256:")

    def test_a_message_without_a_sender_is_400(
        self, hooks: Hooks, mailbox: dict[str, Any], sessions: sessionmaker[Session]
    ) -> None:
        response = hooks.signed("email", "support-inbox", b"Subject: who?\r\n\r\nnobody")
        assert response.status_code == 400
        assert response.json()["field"] == "From"
        assert hooks.signed("email", "support-inbox", b"  ").status_code == 400
        assert events(sessions) == []

    def test_a_long_georgian_body_is_cut_to_fit_the_event(
        self, hooks: Hooks, mailbox: dict[str, Any], sessions: sessionmaker[Session]
    ) -> None:
        body = ("ა" * 30_000).encode("utf-8")  # 90 KB of text
        raw = (
            b"From: e@example.ge\r\nMessage-ID: <long@example.ge>\r\n"
            b"Content-Type: text/plain; charset=utf-8\r\n\r\n" + body
        )
        assert hooks.signed("email", "support-inbox", raw).json()["accepted"] == 1
        text = only(sessions).payload["properties"]["text"]
        assert set(text) == {"ა"}
        assert len(text.encode("utf-8")) <= 16_000


class TestSignature:
    def test_unsigned_wrongly_signed_and_stale_requests_are_refused(
        self, hooks: Hooks, mailbox: dict[str, Any], sessions: sessionmaker[Session]
    ) -> None:
        unsigned = hooks.client.post("/hooks/email/support-inbox", content=MULTIPART_GEORGIAN)
        assert unsigned.status_code == 401
        assert unsigned.json()["field"] == "X-Unison-Timestamp"
        wrong = hooks.signed("email", "support-inbox", MULTIPART_GEORGIAN, secret="another-secret")
        assert wrong.status_code == 401
        assert wrong.json()["field"] == "X-Unison-Signature"
        replayed = hooks.signed("email", "support-inbox", MULTIPART_GEORGIAN, at=time.time() - 3600)
        assert replayed.status_code == 401
        assert "replay" in replayed.json()["detail"]
        assert events(sessions) == []

    def test_the_signing_secret_is_generated_and_shown_once(
        self, hooks: Hooks, sessions: sessionmaker[Session]
    ) -> None:
        created = hooks.connector("email", "sales-inbox", {})
        secret = created["generated_secrets"]["secret"]
        raw = b"From: f@example.com\r\nMessage-ID: <g1@example.com>\r\n\r\nhello"
        assert hooks.signed("email", "sales-inbox", raw, secret=secret).status_code == 200
        listed = hooks.api("GET", "/api/connectors").text
        assert secret not in listed


class TestLimits:
    def test_an_email_over_the_limit_is_413_and_nothing_is_stored(
        self, hooks: Hooks, mailbox: dict[str, Any], sessions: sessionmaker[Session]
    ) -> None:
        attachment = base64.b64encode(b"\x00" * 300_000).decode("ascii")  # 400 KB > 256 KB
        raw = (
            "From: big@example.com\r\nMessage-ID: <big@example.com>\r\n"
            "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + attachment
        ).encode("ascii")
        response = hooks.signed("email", "support-inbox", raw)
        assert response.status_code == 413
        assert response.json()["field"] == "body"
        assert events(sessions) == []
