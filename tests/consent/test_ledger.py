"""The ledger: records with proof, history, current state, state at a past moment, and a
hash chain that `unison consent verify` checks."""

from collections.abc import Callable

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from tests.consent.conftest import Api, identify
from unison.cli import app
from unison.consent import service
from unison.kit.settings import get_settings

EMAIL = "nino.beridze@example.ge"


def _nino(api: Api, process: Callable[[], int]) -> int:
    api.send(identify("u-nino", "m1", email=EMAIL, name="ნინო ბერიძე", phone="+995555123456"))
    process()
    return api.profile_of("email", EMAIL)


class TestRecording:
    def test_a_grant_is_recorded_with_its_proof_and_shows_as_current(
        self, api: Api, process: Callable[[], int]
    ) -> None:
        pid = _nino(api, process)
        response = api.record(
            pid,
            {
                "purpose": "newsletter",
                "channel": "email",
                "status": "granted",
                "proof": {
                    "notice_version": "v3",
                    "notice_text": "Мы будем писать вам",
                    "ip": "10.0.0.1",
                },
            },
        )
        assert response.status_code == 201, response.text
        record = response.json()["items"][0]
        assert record["identifier_value"] == EMAIL
        assert record["source"] == "api"
        assert record["actor"] == "agent:admin-token"
        assert record["proof"]["notice_version"] == "v3"
        assert len(record["proof"]["notice_hash"]) == 64
        assert "notice_text" not in record["proof"]
        current = api.get(f"/api/profiles/{pid}/consents").json()["items"]
        assert [(c["purpose"], c["channel"], c["status"]) for c in current] == [
            ("newsletter", "email", "granted")
        ]

    def test_history_keeps_every_change_and_at_gives_the_state_then(
        self, api: Api, process: Callable[[], int]
    ) -> None:
        pid = _nino(api, process)
        change = {"purpose": "promotions", "channel": "sms"}
        api.record(pid, {**change, "status": "granted", "occurred_at": "2026-03-01T10:00:00Z"})
        api.record(pid, {**change, "status": "withdrawn", "occurred_at": "2026-03-05T10:00:00Z"})
        history = api.get(f"/api/profiles/{pid}/consents/history").json()["items"]
        assert [h["status"] for h in history] == ["granted", "withdrawn"]
        assert history[1]["prev_hash"] == history[0]["hash"]
        then = api.get(f"/api/profiles/{pid}/consents", at="2026-03-03T12:00:00Z").json()
        assert [i["status"] for i in then["items"]] == ["granted"]
        before = api.get(f"/api/profiles/{pid}/consents", at="2026-02-01T00:00:00Z").json()
        assert before["items"] == []
        now = api.get(f"/api/profiles/{pid}/consents").json()["items"]
        assert [i["status"] for i in now] == ["withdrawn"]

    def test_a_late_record_of_an_earlier_moment_does_not_overwrite_the_current_state(
        self, api: Api, process: Callable[[], int]
    ) -> None:
        pid = _nino(api, process)
        change = {"purpose": "surveys", "channel": "email"}
        api.record(pid, {**change, "status": "withdrawn", "occurred_at": "2026-05-01T00:00:00Z"})
        api.record(pid, {**change, "status": "granted", "occurred_at": "2026-04-01T00:00:00Z"})
        now = api.get(f"/api/profiles/{pid}/consents").json()["items"]
        assert [i["status"] for i in now] == ["withdrawn"]

    def test_bad_input_is_refused_precisely_and_changes_nothing(
        self, api: Api, process: Callable[[], int]
    ) -> None:
        pid = _nino(api, process)
        unknown = api.record(
            pid, {"purpose": "horoscopes", "channel": "email", "status": "granted"}
        )
        assert unknown.status_code == 400
        assert unknown.json()["field"] == "changes.0.purpose"
        foreign = api.record(
            pid,
            {
                "purpose": "newsletter",
                "channel": "email",
                "status": "granted",
                "identifier": "x@y.am",
            },
        )
        assert foreign.status_code == 409
        assert foreign.json()["field"] == "changes.0.identifier"
        shape = api.record(pid, {"purpose": "newsletter", "channel": "fax", "status": "granted"})
        assert shape.status_code == 422
        missing = api.record(
            pid, {"purpose": "newsletter", "channel": "viber", "status": "granted"}
        )
        assert missing.status_code == 409
        assert missing.json()["error"] == "NoReachableIdentifier"
        assert api.get(f"/api/profiles/{pid}/consents/history").json()["items"] == []
        assert api.get("/api/profiles/999999/consents").status_code == 404


class TestVerify:
    def test_an_intact_ledger_verifies_and_a_tampered_row_is_reported(
        self,
        api: Api,
        process: Callable[[], int],
        sessions: sessionmaker[Session],
    ) -> None:
        pid = _nino(api, process)
        for status in ("granted", "withdrawn", "granted"):
            api.record(pid, {"purpose": "newsletter", "channel": "email", "status": status})
        with sessions() as session:
            result = service.verify(session)
        assert (result.chains, result.records, result.breaks) == (1, 3, [])
        with sessions.begin() as session:
            session.execute(
                text(
                    "UPDATE consent_records SET status = 'granted' "
                    "WHERE seq = 2 AND profile_id = :p"
                ),
                {"p": pid},
            )
        with sessions() as session:
            breaks = service.verify(session).breaks
        assert [(b.seq, b.problem) for b in breaks] == [(2, "content does not match its hash")]

    def test_a_deleted_row_breaks_the_chain_and_the_cli_exits_1(
        self,
        api: Api,
        process: Callable[[], int],
        sessions: sessionmaker[Session],
        database_url: str,
    ) -> None:
        mp = pytest.MonkeyPatch()
        pid = _nino(api, process)
        for status in ("granted", "withdrawn", "granted"):
            api.record(pid, {"purpose": "newsletter", "channel": "sms", "status": status})
        runner = CliRunner()
        mp.setenv("UNISON_DATABASE_URL", database_url)
        get_settings.cache_clear()
        try:
            ok = runner.invoke(app, ["consent", "verify"])
            assert ok.exit_code == 0, ok.output
            assert "0 breaks" in ok.output
            with sessions.begin() as session:
                session.execute(text("DELETE FROM consent_records WHERE seq = 2"))
            broken = runner.invoke(app, ["consent", "verify"])
        finally:
            mp.undo()
            get_settings.cache_clear()
        assert broken.exit_code == 1
        assert "missing record(s) before" in broken.output
