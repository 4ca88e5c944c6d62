"""The preference center and the one-click unsubscribe: signed expiring links, plain HTML
forms, six languages (Hebrew right to left), double opt-in, RFC 8058."""

import re
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.consent.conftest import Api, identify
from unison.consent.preference_center import links
from unison.kit.settings import Settings
from unison.models import ConsentRecord, OutboundMessage

EMAIL, PHONE = "dana@example.co.il", "+972501234567"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _dana(api: Api, process: Callable[[], int]) -> int:
    api.send(identify("u-dana", "d1", email=EMAIL, phone=PHONE, name="דנה לוי"))
    process()
    return api.profile_of("email", EMAIL)


def _path(url: str) -> str:
    return url.removeprefix("https://unison.example")


def _link(api: Api, pid: int, language: str | None = None) -> str:
    params = f"?language={language}" if language else ""
    response = api.post(f"/api/profiles/{pid}/preference-link{params}", None)
    assert response.status_code == 200, response.text
    return _path(response.json()["url"])


class TestLinks:
    def test_a_tampered_foreign_or_expired_link_gets_403(
        self, api: Api, process: Callable[[], int], settings: Settings
    ) -> None:
        pid = _dana(api, process)
        path = _link(api, pid)
        assert api.client.get(path).status_code == 200
        token = path.rsplit("/", 1)[1]
        flipped = token[:20] + ("A" if token[20] != "A" else "B") + token[21:]
        assert api.client.get(f"/preferences/{flipped}").status_code == 403
        assert api.client.get(f"/preferences/{token[:-4]}").status_code == 403
        assert EMAIL not in token  # sealed: no PII in URLs (access logs, mail scanners)
        assert api.client.get("/preferences/garbage").status_code == 403
        expired = links.sign(settings, "preferences", {"p": pid}, 60)
        assert api.client.get(f"/preferences/{expired}").status_code == 200
        assert (
            api.client.post(
                f"/preferences/{links.sign(settings, 'preferences', {'p': pid}, -10)}",
                content="",
                headers=FORM,
            ).status_code
            == 403
        )
        unsubscribe_token = links.sign(
            settings, "unsubscribe", {"p": pid, "e": EMAIL, "u": "newsletter"}, 60
        )
        assert api.client.get(f"/preferences/{unsubscribe_token}").status_code == 403  # wrong kind

    def test_pages_are_localized_accessible_and_hebrew_is_right_to_left(
        self, api: Api, process: Callable[[], int]
    ) -> None:
        pid = _dana(api, process)
        hebrew = api.client.get(_link(api, pid, "he"))
        assert '<html lang="he" dir="rtl">' in hebrew.text
        assert "העדפות התקשורת שלך" in hebrew.text
        assert hebrew.headers["x-frame-options"] == "DENY"
        for code, phrase in {
            "ka": "კომუნიკაციის",
            "hy": "հաղորդակցման",
            "ru": "рассылок",
            "uk": "розсилок",
            "en": "preferences",
        }.items():
            page = api.client.get(_link(api, pid), params={"lang": code}).text
            assert f'lang="{code}" dir="ltr"' in page
            assert phrase in page
        page = api.client.get(_link(api, pid)).text
        assert "<script" not in page
        for control in re.findall(r'<input type="checkbox" id="([^"]+)"', page):
            assert f'<label for="{control}">' in page  # every control has its label
        assert "<fieldset>" in page
        assert "<legend>" in page
        accept = api.client.get(_link(api, pid), headers={"Accept-Language": "uk-UA,uk;q=0.9"}).text
        assert 'lang="uk"' in accept


class TestForm:
    def test_changes_apply_at_once_with_source_preference_center_and_email_needs_confirmation(
        self, api: Api, process: Callable[[], int], sessions: sessionmaker[Session]
    ) -> None:
        pid = _dana(api, process)
        path = _link(api, pid, "he")
        form = (
            "c:newsletter:email=on&c:promotions:sms=on&preferred_channel=sms&preferred_language=he"
            "&frequency=weekly&quiet_start=22:00&quiet_end=08:00&time_zone=Asia/Jerusalem"
        )
        saved = api.client.post(path, content=form, headers=FORM)
        assert saved.status_code == 200
        assert "ההעדפות שלכם נשמרו" in saved.text
        assert api.decision(pid, "promotions", "sms")["allowed"]
        assert api.decision(pid, "newsletter", "email")["reason"] == "pending_confirmation"
        prefs = api.get(f"/api/profiles/{pid}/preferences").json()
        assert prefs == {
            "preferred_channel": "sms",
            "preferred_language": "he",
            "frequency": "weekly",
            "quiet_start": "22:00",
            "quiet_end": "08:00",
            "time_zone": "Asia/Jerusalem",
        }
        with sessions() as session:
            records = list(session.execute(select(ConsentRecord)).scalars())
            message = session.execute(select(OutboundMessage)).scalar_one()
        assert {r.source for r in records} == {"preference_center"}
        assert message.recipient == EMAIL
        assert message.language == "he"
        confirm = _path(re.search(r"https://\S+", message.body).group(0))  # type: ignore[union-attr]
        page = api.client.get(confirm)
        assert page.status_code == 200
        assert 'method="post"' in page.text
        assert (
            api.decision(pid, "newsletter", "email")["reason"] == "pending_confirmation"
        )  # GET changes nothing
        assert api.client.post(confirm, content="", headers=FORM).status_code == 200
        assert api.decision(pid, "newsletter", "email")["allowed"]

    def test_stop_all_marketing_withdraws_every_marketing_purpose_but_not_service(
        self, api: Api, process: Callable[[], int]
    ) -> None:
        pid = _dana(api, process)
        api.record(
            pid,
            {"purpose": "promotions", "channel": "sms", "status": "granted"},
            {"purpose": "service", "channel": "sms", "status": "granted"},
        )
        path = _link(api, pid)
        response = api.client.post(
            path, content="c:promotions:sms=on&c:service:sms=on&stop_all=on", headers=FORM
        )
        assert response.status_code == 200
        assert api.decision(pid, "promotions", "sms")["reason"] == "withdrawn"
        assert api.decision(pid, "service", "sms")["allowed"]

    def test_bad_values_get_400_naming_the_field_and_change_nothing(
        self, api: Api, process: Callable[[], int]
    ) -> None:
        pid = _dana(api, process)
        path = _link(api, pid)
        bad = api.client.post(
            path,
            content="c:promotions:sms=on&time_zone=Mars/Olympus&quiet_start=25:00",
            headers=FORM,
        )
        assert bad.status_code == 400
        assert "quiet_start" in bad.text
        bad_zone = api.client.post(
            path, content="c:promotions:sms=on&time_zone=Mars/Olympus", headers=FORM
        )
        assert bad_zone.status_code == 400
        assert "time_zone" in bad_zone.text
        assert api.decision(pid, "promotions", "sms")["reason"] == "no_consent"


class TestOneClick:
    def test_rfc8058_headers_and_one_click_post(self, api: Api, process: Callable[[], int]) -> None:
        pid = _dana(api, process)
        api.record(pid, {"purpose": "newsletter", "channel": "email", "status": "granted"})
        headers = api.get(
            f"/api/profiles/{pid}/unsubscribe-headers", email=EMAIL, purpose="newsletter"
        ).json()
        assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        url = headers["List-Unsubscribe"].strip("<>")
        assert url.startswith("https://unison.example/unsubscribe/")
        path = _path(url)
        assert api.client.get(path).status_code == 200
        assert api.decision(pid, "newsletter", "email")["allowed"]  # GET does not unsubscribe
        assert api.client.post(path, content="", headers=FORM).status_code == 400
        done = api.client.post(path, content="List-Unsubscribe=One-Click", headers=FORM)
        assert done.status_code == 200
        decision = api.decision(pid, "newsletter", "email")
        assert decision["reason"] == "withdrawn"
        assert "(one_click)" in decision["detail"]
        assert (
            api.client.post(
                path[:-3] + "xyz", content="List-Unsubscribe=One-Click", headers=FORM
            ).status_code
            == 403
        )


class TestServiceBox:
    def test_service_shows_on_without_a_grant_and_saving_unchanged_records_nothing(
        self, api: Api, process: Callable[[], int], sessions: sessionmaker[Session]
    ) -> None:
        pid = _dana(api, process)
        path = _link(api, pid)
        page = api.client.get(path).text
        assert 'name="c:service:sms" value="on" checked' in page
        assert 'name="c:promotions:sms" value="on" checked' not in page
        api.client.post(
            path,
            content="c:service:sms=on&c:service:email=on&c:service:phone_call=on",
            headers=FORM,
        )
        with sessions() as session:
            assert session.execute(select(ConsentRecord)).first() is None
        api.client.post(path, content="c:service:email=on", headers=FORM)
        assert api.decision(pid, "service", "sms")["reason"] == "withdrawn"
        assert api.decision(pid, "service", "email")["allowed"]
