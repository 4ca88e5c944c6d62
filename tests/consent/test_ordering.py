"""Ties at a provider's time resolution: Telegram stamps messages in whole seconds, so a STOP
sent 200 ms after an API grant carries a time before it; the withdrawal must still win."""

from collections.abc import Callable
from typing import Any

from tests.channels.conftest import TELEGRAM_SECRET, Hooks
from tests.channels.payloads import tg_message
from tests.consent.conftest import Api

STOP_AT = 1780304400  # 2026-06-01T09:00:00Z, as Telegram's whole-second `date`
GRANT_AT = "2026-06-01T09:00:00.300000Z"  # the API grant, 200 ms before the STOP was sent
CHANGE = {"purpose": "promotions", "channel": "telegram"}


def _telegram_customer(api: Api, hooks: Hooks, process: Callable[[], int]) -> int:
    hooks.connector("telegram", "shop-bot", {"token": "123456:ABC-DEF", "secret": TELEGRAM_SECRET})
    hello = tg_message(2001, 70, text="გამარჯობა")
    hello["message"]["date"] = STOP_AT - 3600
    assert hooks.telegram(hello).status_code == 200
    process()
    return api.profile_of("telegram_id", "574839201")


def _stop(hooks: Hooks, update_id: int, date: int) -> None:
    update: dict[str, Any] = tg_message(update_id, 71, text="STOP")
    update["message"]["date"] = date
    assert hooks.telegram(update).status_code == 200


class TestSameSecondStop:
    def test_a_stop_in_the_same_second_as_a_grant_wins(
        self, api: Api, process: Callable[[], int]
    ) -> None:
        hooks = Hooks(api.client, api.token)
        pid = _telegram_customer(api, hooks, process)
        granted = api.record(pid, {**CHANGE, "status": "granted", "occurred_at": GRANT_AT})
        assert granted.status_code == 201, granted.text
        assert api.decision(pid, "promotions", "telegram")["allowed"] is True
        _stop(hooks, 2002, STOP_AT)
        process()
        decision = api.decision(pid, "promotions", "telegram")
        assert (decision["allowed"], decision["reason"]) == (False, "withdrawn")
        current = api.get(f"/api/profiles/{pid}/consents").json()["items"]
        assert {(c["purpose"], c["status"]) for c in current if c["channel"] == "telegram"} >= {
            ("promotions", "withdrawn")
        }
        history = api.get(f"/api/profiles/{pid}/consents/history").json()["items"]
        promotions = [
            (h["status"], h["source"])
            for h in history
            if (h["purpose"], h["channel"]) == ("promotions", "telegram")
        ]
        assert sorted(promotions) == [("granted", "api"), ("withdrawn", "keyword")]
        later = api.get(f"/api/profiles/{pid}/consents", at="2026-06-01T09:00:05Z").json()
        assert [
            i["status"]
            for i in later["items"]
            if (i["purpose"], i["channel"]) == tuple(CHANGE.values())
        ] == ["withdrawn"]

    def test_a_grant_in_the_same_second_as_a_stop_does_not_undo_it(
        self, api: Api, process: Callable[[], int]
    ) -> None:
        hooks = Hooks(api.client, api.token)
        pid = _telegram_customer(api, hooks, process)
        _stop(hooks, 2003, STOP_AT)
        process()
        api.record(pid, {**CHANGE, "status": "granted", "occurred_at": GRANT_AT})
        assert api.decision(pid, "promotions", "telegram")["reason"] == "withdrawn"

    def test_a_grant_a_second_after_the_stop_second_is_ordered_after_it(
        self, api: Api, process: Callable[[], int]
    ) -> None:
        hooks = Hooks(api.client, api.token)
        pid = _telegram_customer(api, hooks, process)
        _stop(hooks, 2004, STOP_AT)
        process()
        api.record(pid, {**CHANGE, "status": "granted", "occurred_at": "2026-06-01T09:00:01Z"})
        assert api.decision(pid, "promotions", "telegram")["allowed"] is True
