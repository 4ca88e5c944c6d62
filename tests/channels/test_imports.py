# ruff: noqa: RUF001  (customers write in Hebrew, Armenian, Georgian and Cyrillic script)
"""Store purchases and CRM contacts from files: `unison import FILE --mapping pos|crm-contacts`,
with the sample files in samples/; receipts deduplicate re-imports."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from tests.channels.conftest import SECRET_KEY, Hooks, events, rejected
from unison.cli import app
from unison.kit.settings import get_settings


def run(database_url: str, *args: str) -> Any:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("UNISON_DATABASE_URL", database_url)
        mp.setenv("UNISON_SECRET_KEY", SECRET_KEY)
        get_settings.cache_clear()
        try:
            return CliRunner().invoke(app, list(args))
        finally:
            get_settings.cache_clear()


class TestPos:
    def test_the_sample_receipts_become_orders_once(
        self, database_url: str, project_root: Path, sessions: sessionmaker[Session]
    ) -> None:
        sample = project_root / "samples" / "pos_receipts.csv"
        first = run(database_url, "import", str(sample), "--mapping", "pos")
        assert first.exit_code == 0, first.output
        assert "5 lines: 5 stored, 0 already stored, 0 rejected" in first.output
        second = run(database_url, "import", str(sample), "--mapping", "pos")
        assert "5 lines: 0 stored, 5 already stored" in second.output
        orders = events(sessions)
        assert [e.message_id for e in orders] == [
            "pos:TBS-Vake:R-000981",
            "pos:TBS-Saburtalo:R-001204",
            "pos:MSK-Arbat:0045-7781",
            "pos:TLV-Dizengoff:TA-55310",
            "pos:EVN-Center:E-2211",
        ]
        vake, saburtalo, arbat, tlv, _evn = (e.payload for e in orders)
        assert vake["event"] == "Order Completed"
        assert vake["context"]["channel"] == "pos"
        assert vake["context"]["traits"] == {"phone": "+995 599 12-34-56", "name": "ნინო ბერიძე"}
        assert vake["properties"]["total"] == 27
        assert vake["properties"]["currency"] == "GEL"
        assert [p["name"] for p in vake["properties"]["products"]] == ["მწვანე ჩაი", "მთის თაფლი"]
        assert vake["timestamp"] == "2026-11-28T14:42:00.000Z"
        assert saburtalo["properties"]["total"] == 12.5  # decimal comma
        assert saburtalo["context"]["traits"]["loyalty_card"] == "LC-440021"
        assert arbat["properties"]["total"] == 269.9
        assert tlv["context"]["traits"] == {"loyalty_card": "LC-770045", "name": "יוסי כהן"}

    def test_bad_receipts_are_reported_with_their_line(
        self, database_url: str, tmp_path: Path, sessions: sessionmaker[Session]
    ) -> None:
        path = tmp_path / "bad.csv"
        path.write_text(
            "store,receipt,purchased_at,phone,item,amount,currency\n"
            "S1,1,2026-11-28T10:00:00Z,,tea,5,GEL\n"
            "S1,2,2026-11-28T10:00:00Z,+995599000001,tea,five,GEL\n"
            "S1,3,last tuesday,+995599000001,tea,5,GEL\n"
            "S1,4,2026-11-28T10:00:00Z,+995599000001,tea,5,LARI\n"
            "S1,5,2026-11-28T10:00:00Z,+995599000001,tea,5,GEL\n",
            encoding="utf-8",
        )
        result = run(database_url, "import", str(path), "--mapping", "pos")
        assert result.exit_code == 0, result.output
        assert "5 lines: 1 stored, 0 already stored, 4 rejected" in result.output
        assert "line 2: a receipt needs column 'phone' or 'loyalty_card'" in result.output
        assert "'amount'" in result.output
        assert "purchased_at" in result.output
        assert "ISO 4217" in result.output
        assert len(rejected(sessions)) == 4

    def test_an_unknown_mapping_is_refused(self, database_url: str, tmp_path: Path) -> None:
        path = tmp_path / "x.csv"
        path.write_text("a\n1\n", encoding="utf-8")
        result = run(database_url, "import", str(path), "--mapping", "sap")
        assert result.exit_code == 2
        assert "pos, crm-contacts" in result.output


class TestCrm:
    def test_the_sample_contacts_become_profiles(
        self,
        database_url: str,
        project_root: Path,
        hooks: Hooks,
        process: Callable[[], int],
        sessions: sessionmaker[Session],
    ) -> None:
        sample = project_root / "samples" / "crm_contacts.csv"
        first = run(database_url, "import", str(sample), "--mapping", "crm-contacts")
        assert "5 lines: 5 stored" in first.output, first.output
        assert (
            "0 stored, 5 already stored"
            in run(database_url, "import", str(sample), "--mapping", "crm-contacts").output
        )
        process()
        olga = hooks.api("GET", "/api/profiles/lookup?type=crm_id&value=crm-1002").json()
        assert olga["traits"]["name"]["value"] == "Ольга Петрова"
        assert olga["traits"]["city"]["value"] == "Москва"
        assert {"type": "email", "value": "olga.petrova@example.ru"} in [
            {"type": i["type"], "value": i["value"]} for i in olga["identifiers"]
        ]
        aram = hooks.api("GET", "/api/profiles/lookup?type=phone&value=%2B37491234567").json()
        assert aram["traits"]["first_name"]["value"] == "Արամ"
        assert [e.type for e in events(sessions)] == ["identify"] * 5

    def test_a_changed_contact_is_recorded_again(
        self, database_url: str, tmp_path: Path, sessions: sessionmaker[Session]
    ) -> None:
        path = tmp_path / "crm.csv"
        path.write_text("crm_id,first_name,city\ncrm-1,Олег,Москва\n", encoding="utf-8")
        run(database_url, "import", str(path), "--mapping", "crm-contacts")
        path.write_text("crm_id,first_name,city\ncrm-1,Олег,Казань\n,Без,ид\n", encoding="utf-8")
        result = run(database_url, "import", str(path), "--mapping", "crm-contacts")
        assert "2 lines: 1 stored, 0 already stored, 1 rejected" in result.output
        assert "crm_id" in result.output
        assert len(events(sessions)) == 2
