"""The template pages over HTTP: list, create and update (each a published, audited version),
the live preview (right to left for Hebrew, SMS segments counted, errors naming the field),
test sends, and refusals: bad input is a 4xx naming the field with nothing stored, and a
role without the permission gets 403."""

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.consent.conftest import Api
from tests.console.conftest import Login
from tests.console.messaging.conftest import csrf, people, template
from unison.auth import audit
from unison.models import OutboundMessage, Template, TemplateVersion

NEW = "/console/messaging/templates/new"
PREVIEW = "/console/messaging/templates/preview"


def _count(sessions: sessionmaker[Session], model: type) -> int:
    with sessions() as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def _actions(sessions: sessionmaker[Session]) -> list[tuple[str, str]]:
    with sessions() as session:
        return [(e.action, e.target) for e in audit.entries(session)]


def _sms_form(token: str, **extra: str) -> dict[str, str]:
    return {
        "csrf_token": token,
        "channel": "sms",
        "name": "order shipped",
        "v0_locale": "ka",
        "v0_text": "{{ traits.name | default('') }}, შეკვეთა გზაშია",
        "v1_locale": "he",
        "v1_text": "{{ traits.name | default('') }}, ההזמנה בדרך",
        "v2_locale": "en",
        "v2_text": "{{ traits.name | default('') }}, your order is on its way",
        **extra,
    }


class TestCreatingAndChanging:
    def test_a_marketer_publishes_a_template_and_its_next_version(
        self, as_role: Login, sessions: sessionmaker[Session]
    ) -> None:
        console = as_role("marketer")
        token = csrf(console, f"{NEW}?channel=sms")
        saved = console.post(NEW, data=_sms_form(token), follow_redirects=False)
        assert saved.status_code == 303, saved.text
        page = console.get(saved.headers["location"])
        assert "Version 1 is published." in page.text
        template_id = int(saved.headers["location"].split("/")[-1].split("?")[0])

        change = _sms_form(token, name="order shipped (v2)", v2_text="Your order ships today")
        again = console.post(
            f"/console/messaging/templates/{template_id}", data=change, follow_redirects=False
        )
        assert again.status_code == 303
        listing = console.get("/console/messaging/templates")
        assert "order shipped (v2)" in listing.text
        assert all(code in listing.text for code in (">ka<", ">he<", ">en<"))
        assert _actions(sessions) == [
            ("template.publish", f"template:{template_id}"),
            ("template.publish", f"template:{template_id}"),
        ]
        assert _count(sessions, TemplateVersion) == 2

    @pytest.mark.parametrize(
        ("part", "source", "field", "error"),
        [
            ("v1_text", "{% if %}", "variants.he.text", "TemplateSyntax"),
            ("v1_text", "{{ ''.__class__.__mro__ }}", "variants.he.text", "_"),
            ("v0_locale", "xx-nope", "variants.xx-nope", "not a known locale"),
        ],
    )
    def test_bad_source_is_refused_naming_the_field_and_nothing_is_stored(
        self,
        as_role: Login,
        sessions: sessionmaker[Session],
        part: str,
        source: str,
        field: str,
        error: str,
    ) -> None:
        console = as_role("marketer")
        token = csrf(console, f"{NEW}?channel=sms")
        refused = console.post(NEW, data=_sms_form(token, **{part: source}))
        assert refused.status_code == 400
        assert field in refused.text
        assert 'aria-invalid="true"' in refused.text  # the input itself is marked
        assert _count(sessions, Template) == 0
        assert _actions(sessions) == []

    def test_json_that_does_not_parse_names_its_part(
        self, as_role: Login, sessions: sessionmaker[Session]
    ) -> None:
        console = as_role("marketer")
        token = csrf(console, f"{NEW}?channel=telegram")
        form = {
            "csrf_token": token,
            "channel": "telegram",
            "name": "tg",
            "v0_locale": "en",
            "v0_text": "Hi",
            "v0_buttons": '[{"text": "Open"',
        }
        refused = console.post(NEW, data=form)
        assert refused.status_code == 400
        assert "variants.en.buttons" in refused.text
        assert 'id="v0-buttons" name="v0_buttons"' in refused.text
        assert _count(sessions, Template) == 0

    def test_a_missing_name_is_refused_naming_it(
        self, as_role: Login, sessions: sessionmaker[Session]
    ) -> None:
        console = as_role("marketer")
        token = csrf(console, f"{NEW}?channel=sms")
        refused = console.post(NEW, data=_sms_form(token, name=""))
        assert refused.status_code == 400
        assert "<strong>name</strong>" in refused.text or ">name</a>" in refused.text
        assert _count(sessions, Template) == 0

    def test_an_update_without_a_name_changes_nothing(
        self, as_role: Login, api: Api, sessions: sessionmaker[Session]
    ) -> None:
        template_id = template(api, "sms news", "sms", ka={"text": "გამარჯობა"})
        console = as_role("marketer")
        page = f"/console/messaging/templates/{template_id}"
        token = csrf(console, page)
        form = {"csrf_token": token, "name": " ", "v0_locale": "ka", "v0_text": "ახალი"}
        refused = console.post(page, data=form)
        assert refused.status_code == 400
        assert 'href="#tpl-name">name</a>' in refused.text
        assert _count(sessions, TemplateVersion) == 1

    def test_the_area_opens_on_what_the_role_may_read(self, as_role: Login) -> None:
        answer = as_role("marketer").get("/console/messaging", follow_redirects=False)
        assert answer.headers["location"] == "/console/messaging/templates"

    def test_without_the_csrf_token_nothing_is_saved(
        self, as_role: Login, sessions: sessionmaker[Session]
    ) -> None:
        console = as_role("marketer")
        refused = console.post(NEW, data=_sms_form("forged"))
        assert refused.status_code == 403
        assert _count(sessions, Template) == 0


class TestPreview:
    def test_hebrew_renders_right_to_left_and_georgian_counts_ucs2_segments(
        self, as_role: Login, api: Api, process: Callable[[], int]
    ) -> None:
        ids = people(api, process)
        console = as_role("marketer")
        token = csrf(console, f"{NEW}?channel=sms")
        form = _sms_form(token, preview_customer=str(ids["u-nino"]), preview_locale="he")
        hebrew = console.post(PREVIEW, data=form)
        assert hebrew.status_code == 200
        assert 'dir="rtl" lang="he"' in hebrew.text
        assert "ההזמנה בדרך" in hebrew.text

        form["preview_locale"] = "ka"
        georgian = console.post(PREVIEW, data=form)
        assert 'dir="ltr" lang="ka"' in georgian.text
        assert "ნინო ჯაფარიძე, შეკვეთა გზაშია" in georgian.text
        assert "UCS-2" in georgian.text
        assert "1 of at most 6" in georgian.text

    def test_a_customer_found_by_name_and_the_gsm7_count(
        self, as_role: Login, api: Api, process: Callable[[], int]
    ) -> None:
        people(api, process)
        console = as_role("analyst")  # analysts read templates and preview them
        token = csrf(console, "/console/messaging/templates")
        form = _sms_form(
            token, preview_customer="Արամ", preview_locale="en", v2_text="Hello " + "x" * 200
        )
        answer = console.post(PREVIEW, data=form)
        assert "GSM-7" in answer.text
        assert "2 of at most 6" in answer.text

    def test_a_missing_variable_is_named_with_its_field(
        self, as_role: Login, api: Api, process: Callable[[], int]
    ) -> None:
        ids = people(api, process)
        console = as_role("marketer")
        token = csrf(console, f"{NEW}?channel=sms")
        form = _sms_form(
            token,
            v1_text="{{ traits.nickname }}, שלום",
            preview_customer=str(ids["u-yael"]),
            preview_locale="he",
        )
        answer = console.post(PREVIEW, data=form)
        assert 'role="alert"' in answer.text
        assert 'href="#v1-text">variants.he.text</a>' in answer.text
        assert "traits.nickname" in answer.text

    def test_without_a_customer_the_source_is_counted(self, as_role: Login) -> None:
        console = as_role("marketer")
        token = csrf(console, f"{NEW}?channel=sms")
        answer = console.post(PREVIEW, data=_sms_form(token, preview_locale="ka"))
        assert "UCS-2" in answer.text
        assert "Choose a customer" in answer.text

    def test_an_unknown_customer_is_named(self, as_role: Login) -> None:
        console = as_role("marketer")
        token = csrf(console, f"{NEW}?channel=sms")
        answer = console.post(PREVIEW, data=_sms_form(token, preview_customer="nobody-here"))
        assert "preview_customer" in answer.text


class TestTestSend:
    def test_queued_to_the_seed_addresses_and_audited(
        self, as_role: Login, api: Api, process: Callable[[], int], sessions: sessionmaker[Session]
    ) -> None:
        ids = people(api, process)
        template_id = template(api, "sms news", "sms", ka={"text": "გამარჯობა {{ traits.name }}"})
        console = as_role("marketer")
        page = f"/console/messaging/templates/{template_id}"
        token = csrf(console, page)
        sent = console.post(
            f"{page}/test-send",
            data={
                "csrf_token": token,
                "customer": str(ids["u-nino"]),
                "recipients": "+995 599 00 00 01\n+995599000002",
            },
            follow_redirects=False,
        )
        assert sent.status_code == 303, sent.text
        assert "2 messages queued" in console.get(sent.headers["location"]).text
        with sessions() as session:
            rows = session.execute(select(OutboundMessage)).scalars().all()
            assert sorted(r.recipient for r in rows) == ["+995599000001", "+995599000002"]
            assert {r.purpose for r in rows} == {"test"}
        assert ("template.test_send", f"template:{template_id}") in _actions(sessions)

    def test_a_bad_address_names_it_and_queues_nothing(
        self, as_role: Login, api: Api, process: Callable[[], int], sessions: sessionmaker[Session]
    ) -> None:
        ids = people(api, process)
        template_id = template(api, "sms news", "sms", ka={"text": "გამარჯობა"})
        console = as_role("marketer")
        page = f"/console/messaging/templates/{template_id}"
        token = csrf(console, page)
        refused = console.post(
            f"{page}/test-send",
            data={
                "csrf_token": token,
                "customer": str(ids["u-nino"]),
                "recipients": "+995599000001\nnot a phone",
            },
        )
        assert refused.status_code == 400
        assert "recipients[1]" in refused.text
        assert _count(sessions, OutboundMessage) == 0


class TestRoles:
    @pytest.mark.parametrize(
        "path",
        ["/console/messaging/templates", NEW, "/console/messaging/broadcasts"],
    )
    def test_an_agent_is_forbidden(self, as_role: Login, path: str) -> None:
        console = as_role("agent")
        assert console.get(path).status_code == 403

    def test_an_agent_cannot_preview_nor_save(
        self, as_role: Login, console: TestClient, sessions: sessionmaker[Session]
    ) -> None:
        agent = as_role("agent")
        token = csrf(agent, "/console/")
        assert agent.post(PREVIEW, data=_sms_form(token)).status_code == 403
        assert agent.post(NEW, data=_sms_form(token)).status_code == 403
        assert _count(sessions, Template) == 0

    def test_an_analyst_reads_but_cannot_publish(
        self, as_role: Login, api: Api, sessions: sessionmaker[Session]
    ) -> None:
        template_id = template(api)
        analyst = as_role("analyst")
        page = analyst.get(f"/console/messaging/templates/{template_id}")
        assert page.status_code == 200
        assert "Save and publish" not in page.text
        token = csrf(analyst, "/console/messaging/templates")
        assert analyst.post(NEW, data=_sms_form(token)).status_code == 403
        assert analyst.get(NEW).status_code == 403
        assert _count(sessions, Template) == 1

    @pytest.mark.parametrize(
        ("role", "shown"),
        [("agent", False), ("analyst", True), ("marketer", True)],
    )
    def test_the_navigation_shows_what_the_role_may_open(
        self, as_role: Login, role: str, shown: bool
    ) -> None:
        home = as_role(role).get("/console/").text
        assert ('href="/console/messaging/templates"' in home) is shown
        assert ('href="/console/messaging/broadcasts"' in home) is shown
