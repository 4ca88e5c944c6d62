"""One decision point: allow or deny with the reason, per channel; the suppression list;
who may ask and who may change."""

from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from tests.consent.conftest import Api, identify
from unison.consent import service
from unison.consent.ledger.decision import can_contact
from unison.kit.settings import Settings

EMAIL, PHONE = "giorgi@example.ge", "+995577000111"


def _giorgi(api: Api, process: Callable[[], int]) -> int:
    api.send(identify("u-giorgi", "g1", email=EMAIL, phone=PHONE))
    process()
    return api.profile_of("email", EMAIL)


class TestReasons:
    def test_every_reason_is_named(self, api: Api, process: Callable[[], int]) -> None:
        pid = _giorgi(api, process)
        assert api.decision(pid, "newsletter", "email")["reason"] == "no_consent"
        assert api.decision(pid, "newsletter", "viber")["reason"] == "no_reachable_identifier"
        api.record(
            pid,
            {
                "purpose": "newsletter",
                "channel": "email",
                "status": "granted",
                "expires_at": "2026-01-01T00:00:00Z",
                "occurred_at": "2025-01-01T00:00:00Z",
            },
        )
        assert api.decision(pid, "newsletter", "email")["reason"] == "expired"
        api.record(pid, {"purpose": "promotions", "channel": "email", "status": "pending"})
        assert api.decision(pid, "promotions", "email")["reason"] == "pending_confirmation"
        api.record(
            pid,
            {
                "purpose": "surveys",
                "channel": "sms",
                "status": "withdrawn",
                "occurred_at": "2026-03-03T12:00:00Z",
            },
        )
        withdrawn = api.decision(pid, "surveys", "sms")
        assert withdrawn["reason"] == "withdrawn"
        assert withdrawn["detail"] == "withdrawn on 2026-03-03T12:00:00.000Z via sms (api)"
        api.record(pid, {"purpose": "marketing", "channel": "email", "status": "granted"})
        allowed = api.decision(pid, "marketing", "email")
        assert allowed["allowed"]
        assert allowed["reason"] == "consent"
        assert allowed["identifier"] == EMAIL

    def test_at_asks_about_the_past(self, api: Api, process: Callable[[], int]) -> None:
        pid = _giorgi(api, process)
        api.record(
            pid,
            {
                "purpose": "newsletter",
                "channel": "sms",
                "status": "granted",
                "occurred_at": "2026-03-01T00:00:00Z",
            },
        )
        api.record(
            pid,
            {
                "purpose": "newsletter",
                "channel": "sms",
                "status": "withdrawn",
                "occurred_at": "2026-03-10T00:00:00Z",
            },
        )
        assert api.decision(pid, "newsletter", "sms", at="2026-03-05T00:00:00Z")["allowed"]
        assert not api.decision(pid, "newsletter", "sms")["allowed"]

    def test_service_messages_follow_their_own_rule(
        self, api: Api, process: Callable[[], int]
    ) -> None:
        pid = _giorgi(api, process)
        assert api.decision(pid, "service", "email")["allowed"]
        api.post(
            "/api/consent/suppressions",
            {"identifier_type": "email", "identifier": EMAIL, "reason": "objection"},
        )
        assert api.decision(pid, "service", "email")["allowed"]  # objection is to marketing
        assert api.decision(pid, "newsletter", "email")["reason"] == "objection"
        api.record(pid, {"purpose": "service", "channel": "sms", "status": "withdrawn"})
        assert api.decision(pid, "service", "sms")["reason"] == "withdrawn"


class TestSuppression:
    def test_a_hard_bounce_stops_even_service_and_is_stored_hashed(
        self, api: Api, process: Callable[[], int]
    ) -> None:
        pid = _giorgi(api, process)
        api.record(pid, {"purpose": "newsletter", "channel": "email", "status": "granted"})
        created = api.post(
            "/api/consent/suppressions",
            {
                "identifier_type": "email",
                "identifier": " Giorgi@Example.GE ",
                "reason": "hard_bounce",
            },
        )
        assert created.status_code == 201, created.text
        assert EMAIL not in created.text
        assert len(created.json()["identifier_hash"]) == 64
        for purpose in ("newsletter", "service"):
            decision = api.decision(pid, purpose, "email")
            assert (decision["allowed"], decision["reason"]) == (False, "suppressed_hard_bounce")
        listed = api.get("/api/consent/suppressions", reason="hard_bounce").json()["items"]
        assert [s["id"] for s in listed] == [created.json()["id"]]
        assert (
            api.client.delete(
                f"/api/consent/suppressions/{listed[0]['id']}",
                headers={"Authorization": f"Bearer {api.token}"},
            ).status_code
            == 204
        )
        assert api.decision(pid, "newsletter", "email")["allowed"]

    def test_bad_suppressions_are_refused(self, api: Api) -> None:
        bad_type = api.post(
            "/api/consent/suppressions",
            {"identifier_type": "user_id", "identifier": "x", "reason": "manual"},
        )
        assert bad_type.status_code == 400
        assert bad_type.json()["field"] == "identifier_type"
        bad_value = api.post(
            "/api/consent/suppressions",
            {"identifier_type": "phone", "identifier": "12", "reason": "manual"},
        )
        assert bad_value.status_code == 400
        assert bad_value.json()["field"] == "identifier"


class TestPurposes:
    def test_purposes_come_from_settings_and_the_api(
        self, api: Api, process: Callable[[], int]
    ) -> None:
        pid = _giorgi(api, process)
        created = api.post("/api/consent/purposes", {"name": "loyalty_club", "kind": "marketing"})
        assert created.status_code == 201
        assert api.post("/api/consent/purposes", {"name": "newsletter"}).status_code == 409
        names = {p["name"]: p["declared_in"] for p in api.get("/api/consent/purposes").json()}
        assert names["loyalty_club"] == "api"
        assert names["service"] == "settings"
        assert (
            api.record(
                pid, {"purpose": "loyalty_club", "channel": "sms", "status": "granted"}
            ).status_code
            == 201
        )
        assert api.decision(pid, "loyalty_club", "sms")["allowed"]
        assert api.get(f"/api/profiles/{pid}/reachability", purpose="nope").status_code == 400


class TestRoles:
    def test_agents_read_reachability_only_and_marketers_write(
        self, api: Api, process: Callable[[], int], tokens: dict[str, str]
    ) -> None:
        pid = _giorgi(api, process)
        change = {"changes": [{"purpose": "newsletter", "channel": "email", "status": "granted"}]}
        assert (
            api.get(f"/api/profiles/{pid}/reachability", token=tokens["agent"]).status_code == 200
        )
        assert api.get(f"/api/profiles/{pid}/consents", token=tokens["agent"]).status_code == 403
        assert (
            api.post(f"/api/profiles/{pid}/consents", change, token=tokens["agent"]).status_code
            == 403
        )
        assert (
            api.post(f"/api/profiles/{pid}/consents", change, token=tokens["analyst"]).status_code
            == 403
        )
        assert api.get(f"/api/profiles/{pid}/consents", token=tokens["analyst"]).status_code == 200
        assert (
            api.post(f"/api/profiles/{pid}/consents", change, token=tokens["marketer"]).status_code
            == 201
        )
        assert (
            api.post(
                "/api/privacy/export", {"profile_id": pid}, token=tokens["marketer"]
            ).status_code
            == 403
        )
        assert (
            api.post(
                "/api/consent/webhooks", {"url": "https://x.example/h"}, token=tokens["marketer"]
            ).status_code
            == 403
        )
        assert api.client.get(f"/api/profiles/{pid}/reachability").status_code == 401


class TestQuietHours:
    def test_reachability_says_when_it_is_quiet_in_the_customers_time_zone(
        self, api: Api, process: Callable[[], int]
    ) -> None:
        pid = _giorgi(api, process)
        prefs = {"quiet_start": "22:00", "quiet_end": "08:00", "time_zone": "Asia/Tbilisi"}
        headers = {"Authorization": f"Bearer {api.token}"}
        assert (
            api.client.put(
                f"/api/profiles/{pid}/preferences", json=prefs, headers=headers
            ).status_code
            == 200
        )
        path = f"/api/profiles/{pid}/reachability"
        night = api.get(path, at="2026-03-03T20:30:00Z").json()  # 00:30 in Tbilisi
        day = api.get(path, at="2026-03-03T10:00:00Z").json()  # 14:00 in Tbilisi
        assert (night["in_quiet_hours"], day["in_quiet_hours"]) == (True, False)
        assert night["preferences"]["time_zone"] == "Asia/Tbilisi"
        bad = api.client.put(
            f"/api/profiles/{pid}/preferences", json={"time_zone": "Mars/Base"}, headers=headers
        )
        assert bad.status_code == 400
        assert bad.json()["field"] == "time_zone"


class TestManyProfilesAtOnce:
    def test_each_batched_answer_is_the_one_can_contact_gives(
        self,
        api: Api,
        process: Callable[[], int],
        sessions: sessionmaker[Session],
        settings: Settings,
    ) -> None:
        api.send(
            identify("u-granted", "m1", email="nino@example.ge", name="ნინო"),
            identify("u-withdrawn", "m2", email="aram@example.am", name="Արամ"),
            identify("u-bounced", "m3", email="dana@example.co.il", name="דנה"),
            identify("u-pending", "m4", email="ivan@example.ru", name="Иван"),
            identify("u-phone", "m5", phone="+380501234567", name="Олена"),
            identify("u-silent", "m6", email="alice@example.com", name="Alice"),
        )
        process()
        ids = [
            api.profile_of("user_id", user)
            for user in (
                "u-granted",
                "u-withdrawn",
                "u-bounced",
                "u-pending",
                "u-phone",
                "u-silent",
            )
        ]
        for pid, status in zip(ids, ("granted", "withdrawn", "granted", "pending"), strict=False):
            response = api.record(
                pid, {"purpose": "newsletter", "channel": "email", "status": status}
            )
            assert response.status_code == 201, response.text
        bounced = api.post(
            "/api/consent/suppressions",
            {
                "identifier_type": "email",
                "identifier": "dana@example.co.il",
                "reason": "hard_bounce",
            },
        )
        assert bounced.status_code == 201, bounced.text
        asked = [*ids, 987_654_321]  # the last names no profile
        with sessions() as session:
            kinds = service.kinds(session, settings)
            for purpose in ("newsletter", "service"):
                kind = kinds[purpose]
                many = service.contactable(session, asked, purpose, "email", kind=kind)
                one = {pid: can_contact(session, pid, purpose, "email", kind=kind) for pid in asked}
                assert many == one, purpose
            newsletter = service.contactable(
                session, asked, "newsletter", "email", kind=kinds["newsletter"]
            )
        assert [newsletter[pid].reason for pid in asked] == [
            "consent",
            "withdrawn",
            "suppressed_hard_bounce",
            "pending_confirmation",
            "no_reachable_identifier",
            "no_consent",
            "unknown_profile",
        ]
