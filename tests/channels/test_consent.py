"""Connector events speak the consent processor's language: a Telegram "STOP", a Viber
unsubscribe and a blocked Telegram bot withdraw marketing for that channel identifier."""

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.channels.conftest import Hooks
from tests.channels.payloads import OKSANA, tg_blocked, tg_message, viber_event
from unison.models import ConsentRecord, OutboundMessage


def _records(sessions: sessionmaker[Session]) -> list[ConsentRecord]:
    with sessions() as session:
        return list(session.execute(select(ConsentRecord).order_by(ConsentRecord.id)).scalars())


class TestWithdrawals:
    def test_stop_sent_to_the_telegram_bot_withdraws_marketing_on_telegram(
        self,
        hooks: Hooks,
        telegram_bot: dict[str, Any],
        process: Callable[[], int],
        sessions: sessionmaker[Session],
    ) -> None:
        assert hooks.telegram(tg_message(9001, 90, text="STOP")).status_code == 200
        process()
        records = _records(sessions)
        assert records, "no consent record was written"
        assert {(r.channel, r.status, r.source) for r in records} == {
            ("telegram", "withdrawn", "keyword")
        }
        assert {r.identifier_value for r in records} == {"574839201"}
        assert {r.purpose for r in records} >= {"marketing", "newsletter"}
        assert records[0].proof["connector"] == "shop-bot"
        assert records[0].proof["provider_message_id"] == "90"
        with sessions() as session:
            reply = session.execute(select(OutboundMessage)).scalar_one()
        assert (reply.channel, reply.recipient, reply.language) == ("telegram", "574839201", "en")

    def test_a_russian_stop_word_is_understood_too(
        self,
        hooks: Hooks,
        telegram_bot: dict[str, Any],
        process: Callable[[], int],
        sessions: sessionmaker[Session],
    ) -> None:
        hooks.telegram(tg_message(9002, 91, text="Стоп!"))
        process()
        assert {r.status for r in _records(sessions)} == {"withdrawn"}

    def test_an_ordinary_message_changes_no_consent(
        self,
        hooks: Hooks,
        telegram_bot: dict[str, Any],
        process: Callable[[], int],
        sessions: sessionmaker[Session],
    ) -> None:
        hooks.telegram(tg_message(9003, 92, text="please don't stop sending discounts"))
        process()
        assert _records(sessions) == []

    def test_blocking_the_telegram_bot_withdraws(
        self,
        hooks: Hooks,
        telegram_bot: dict[str, Any],
        process: Callable[[], int],
        sessions: sessionmaker[Session],
    ) -> None:
        hooks.telegram(tg_blocked(9004))
        process()
        assert {(r.channel, r.status, r.source) for r in _records(sessions)} == {
            ("telegram", "withdrawn", "channel_unsubscribe")
        }

    def test_a_viber_unsubscribe_withdraws_for_that_viber_id(
        self,
        hooks: Hooks,
        viber_bot: dict[str, Any],
        process: Callable[[], int],
        sessions: sessionmaker[Session],
    ) -> None:
        hooks.viber(viber_event("unsubscribed", 9005, user_id=OKSANA["id"]))
        process()
        records = _records(sessions)
        assert {(r.channel, r.status, r.identifier_value) for r in records} == {
            ("viber", "withdrawn", OKSANA["id"])
        }
