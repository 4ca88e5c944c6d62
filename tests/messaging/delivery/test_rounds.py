"""Delivery rounds with the real adapters and local providers: webhook destinations signed
and refused when they resolve inside; a provider's retry_after pauses its rate key; a dead
identifier is put on consent's suppression list."""

import hashlib
import hmac
import ipaddress
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.providers import TELEGRAM_BLOCKED, TELEGRAM_OK, TELEGRAM_TOO_MANY, fake_provider
from unison.channels.outbound.telegram import TelegramSender
from unison.channels.senders import ConfiguredSenders, Route, Suppressions, configured_senders
from unison.consent.ledger import suppression
from unison.kit.db import transaction
from unison.kit.settings import Settings
from unison.models import OutboundMessage
from unison.outbox.delivery import deliver_due
from unison.outbox.destinations import is_private, resolve_public
from unison.outbox.errors import DestinationRefused
from unison.outbox.queue import Outgoing, enqueue_many
from unison.outbox.ratelimit import RateLimits

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
SECRET = "whsec-destinations-0123456789"


def _queue(sessions: sessionmaker[Session], *rows: Outgoing) -> None:
    with transaction(sessions) as session:
        enqueue_many(session, list(rows))


def _rows(sessions: sessionmaker[Session]) -> list[OutboundMessage]:
    with sessions() as session:
        return list(session.execute(select(OutboundMessage).order_by(OutboundMessage.id)).scalars())


def _webhook(url: str, key: str = "w-1") -> Outgoing:
    content = {"url": url, "json": {"event": "order.shipped", "text": "Посылка в пути"}}
    return Outgoing(key, 7, "webhook", "url", url, "service", "ru", "", content=content)


class TestWebhookDestinations:
    @pytest.mark.parametrize(
        "address",
        [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.10",
            "169.254.169.254",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "0.0.0.0",  # noqa: S104 - an address under test, nothing binds it
            "224.0.0.1",
        ],
    )
    def test_inside_addresses_are_private(self, address: str) -> None:
        assert is_private(ipaddress.ip_address(address))

    def test_public_addresses_are_not(self) -> None:
        assert not is_private(ipaddress.ip_address("8.8.8.8"))
        assert not is_private(ipaddress.ip_address("2001:4860:4860::8888"))

    def test_a_name_resolving_to_loopback_is_refused_at_send_time(
        self, sessions: sessionmaker[Session], settings: Settings
    ) -> None:
        with fake_provider((200, {})) as receiver:
            url = receiver.url.replace("127.0.0.1", "localhost") + "/hook"
            _queue(sessions, _webhook(url))
            deliver_due(sessions, settings, configured_senders(settings), now=NOW)
            assert receiver.calls == []
        (row,) = _rows(sessions)
        assert row.status == "failed"
        assert "private, loopback or link-local" in (row.last_error or "")
        with pytest.raises(DestinationRefused) as refused:
            resolve_public("ftp://example.com/x", allow_private=False)
        assert refused.value.field == "url"

    def test_an_allowed_destination_gets_a_signed_body_and_the_idempotency_key(
        self, sessions: sessionmaker[Session], settings: Settings
    ) -> None:
        allowed = settings.model_copy(
            update={"webhook_allow_private": True, "webhook_signing_secret": SecretStr(SECRET)}
        )
        with fake_provider((204, {})) as receiver:
            _queue(sessions, _webhook(f"{receiver.url}/hook", key="order-1-shipped"))
            deliver_due(sessions, allowed, configured_senders(allowed), now=NOW)
        (call,) = receiver.calls
        assert call.path == "/hook"
        assert call.body == {"event": "order.shipped", "text": "Посылка в пути"}
        assert call.headers["idempotency-key"] == "order-1-shipped"
        stamp, _, mac = call.headers["x-unison-signature"].partition(",v1=")
        body = orjson.dumps(call.body)
        signed = f"{stamp.removeprefix('t=')}.".encode() + body
        assert hmac.compare_digest(
            mac, hmac.new(SECRET.encode(), signed, hashlib.sha256).hexdigest()
        )
        assert _rows(sessions)[0].status == "sent"


class TestRateLimits:
    def test_retry_after_pauses_the_bot_and_is_not_counted_as_an_attempt(
        self, sessions: sessionmaker[Session], settings: Settings
    ) -> None:
        clock = [1000.0]
        limits = RateLimits(
            clock=lambda: clock[0], sleep=lambda s: clock.__setitem__(0, clock[0] + s)
        )
        rows = [
            Outgoing(f"t-{n}", 7, "telegram", "telegram_id", "55", "marketing", "he", f"#{n}")
            for n in (1, 2)
        ]
        _queue(sessions, *rows)
        with fake_provider(TELEGRAM_OK, script=[TELEGRAM_TOO_MANY]) as api:
            senders = ConfiguredSenders(
                None, [Route(1, "telegram", TelegramSender("9:T", api=api.url))]
            )
            deliver_due(sessions, settings, senders, now=NOW, limits=limits)
            assert len(api.calls) == 1  # the second waits for the bot's pause too
            first, second = _rows(sessions)
            assert (first.status, first.attempts) == ("queued", 0)
            assert first.next_attempt_at == NOW + timedelta(seconds=5)
            assert (second.status, second.attempts) == ("queued", 0)
            assert second.next_attempt_at == NOW + timedelta(seconds=5)
            clock[0] += 5
            deliver_due(sessions, settings, senders, now=NOW + timedelta(seconds=5), limits=limits)
        assert [c.body["text"] for c in api.calls] == ["#1", "#1", "#2"]
        assert [r.status for r in _rows(sessions)] == ["sent", "sent"]


class TestUnreachable:
    def test_a_blocked_bot_puts_the_chat_on_the_suppression_list(
        self, sessions: sessionmaker[Session], settings: Settings
    ) -> None:
        _queue(
            sessions,
            Outgoing("b-1", 7, "telegram", "telegram_id", "445566", "marketing", "ka", "x"),
        )
        with fake_provider(TELEGRAM_BLOCKED) as api:
            senders = ConfiguredSenders(
                None, [Route(1, "telegram", TelegramSender("9:T", api=api.url))]
            )
            deliver_due(sessions, settings, senders, now=NOW, unreachable=Suppressions())
        assert _rows(sessions)[0].status == "failed"
        ident = ("telegram_id", "445566")
        with sessions() as session:
            listed = suppression.listed(session, [ident])
        assert [entry.reason for entry in listed[ident]] == ["hard_bounce"]
