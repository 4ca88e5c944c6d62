"""The call-to-chat-to-store scenario, end to end through the real entry points: a call
to the contact center (telephony webhook), then the Telegram bot with the same phone shared,
then a store purchase imported from the POS file. One profile, one timeline."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from tests.channels.conftest import SECRET_KEY, UNISON_SECRET, Hooks
from tests.channels.payloads import NINO, tg_message
from unison.cli import app
from unison.kit.settings import get_settings

POS_CSV = (
    "store,receipt,purchased_at,phone,customer_name,item,quantity,unit_price,amount,currency\n"
    "TBS-Vake,R-000981,2026-12-03T18:42:00+04:00,+995 599 12-34-56,ნინო,ჩაი,2,4.50,9.00,GEL\n"
    "TBS-Vake,R-000981,2026-12-03T18:42:00+04:00,+995 599 12-34-56,ნინო,თაფლი,1,18,18,GEL\n"
)


def _import(database_url: str, path: Path) -> str:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("UNISON_DATABASE_URL", database_url)
        mp.setenv("UNISON_SECRET_KEY", SECRET_KEY)
        get_settings.cache_clear()
        try:
            result = CliRunner().invoke(app, ["import", str(path), "--mapping", "pos"])
        finally:
            get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    return result.output


def test_a_call_a_chat_and_a_purchase_land_on_one_profile_and_one_timeline(
    hooks: Hooks,
    telegram_bot: dict[str, Any],
    process: Callable[[], int],
    sessions: sessionmaker[Session],
    database_url: str,
    tmp_path: Path,
) -> None:
    hooks.connector("telephony", "pbx", {"secret": UNISON_SECRET}, region="GE")
    call = {
        "event": "call.completed",
        "call_id": "c-77",
        "occurred_at": "2025-11-30T09:15:00Z",  # before the chat (2025-12-01)
        "direction": "inbound",
        "from": "599 12 34 56",  # a local spelling, read in the connector's region (GE)
        "to": "+995322000000",
        "agent": {"id": "ag-3"},
        "duration_seconds": 185,
    }
    assert hooks.signed("telephony", "pbx", call).status_code == 200
    process()
    by_phone = hooks.api("GET", "/api/profiles/lookup?type=phone&value=%2B995599123456")
    assert by_phone.status_code == 200, by_phone.text
    caller = by_phone.json()["id"]

    hooks.telegram(tg_message(501, 31, text="გამარჯობა, დღეს დაგირეკეთ"))
    contact = {"phone_number": "995599123456", "first_name": "ნინო", "user_id": NINO["id"]}
    hooks.telegram(tg_message(502, 32, contact=contact))
    process()

    pos = tmp_path / "pos.csv"
    pos.write_text(POS_CSV, encoding="utf-8")
    assert "1 stored" in _import(database_url, pos)
    assert "1 already stored" in _import(database_url, pos)  # the receipt dedupes
    process()

    ids = {
        hooks.api("GET", f"/api/profiles/lookup?type={kind}&value={value}").json()["id"]
        for kind, value in (
            ("phone", "%2B995599123456"),
            ("telegram_id", str(NINO["id"])),
        )
    }
    assert ids == {caller}, "the call, the chat and the purchase should be one person"
    profile = hooks.api("GET", f"/api/profiles/{caller}").json()
    assert profile["stats"]["order_count"] == 1
    assert profile["stats"]["revenue"] == {"GEL": 27.0}
    timeline = hooks.api("GET", f"/api/profiles/{caller}/timeline").json()["items"]
    assert [(e["channel"], e["event"]) for e in reversed(timeline)] == [
        ("call_center", "Call Completed"),
        ("telegram", "Message Received"),
        ("telegram", "Contact Shared"),
        ("pos", "Order Completed"),
    ]
    purchase = timeline[0]["payload"]["properties"]
    assert (purchase["total"], purchase["currency"], purchase["store"]) == (27, "GEL", "TBS-Vake")
    [conversation] = hooks.api("GET", f"/api/profiles/{caller}/conversations").json()["items"]
    assert conversation["channel"] == "telegram"
    assert conversation["message_count"] == 2
