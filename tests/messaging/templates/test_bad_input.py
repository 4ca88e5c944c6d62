"""Bad templates and bad requests: a 4xx naming the field, nothing stored or queued."""

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.messaging.templates.conftest import Api
from unison.models import OutboundMessage, Template, TemplateVersion

ESCAPES = [
    "{{ ''.__class__.__mro__ }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ traits._secret }}",
    "{{ traits['__class__'] }}",
    "{{ '{0.__class__}'.format(traits) }}",
    "{{ '{0.x}'.format_map(traits) }}",
    "{{ traits | attr('__class__') }}",
    "{{ traits | attr('format') }}",
    "{{ traits | attr(name) }}",
    "{{ [traits] | map(attribute='__class__') | list }}",
    "{{ [traits] | selectattr('__dict__') | list }}",
    "{{ lipsum.__globals__['os'] }}",
    "{{ range.__self__ }}",
    "{{ (1).real.__class__ }}",
    "{% include 'other' %}",
    "{% from 'x' import y %}",
    "{% extends 'base' %}",
]


def _counts(sessions: sessionmaker[Session]) -> tuple[int, int, int]:
    with sessions() as session:
        return (
            session.execute(select(func.count()).select_from(Template)).scalar_one(),
            session.execute(select(func.count()).select_from(TemplateVersion)).scalar_one(),
            session.execute(select(func.count()).select_from(OutboundMessage)).scalar_one(),
        )


def _refused(
    api: Api, sessions: sessionmaker[Session], body: dict[str, Any], status: int = 400
) -> dict[str, Any]:
    before = _counts(sessions)
    response = api.post("/api/templates", {"name": "bad", **body})
    assert response.status_code == status, response.text
    assert _counts(sessions) == before, "a refused template changed the database"
    found: dict[str, Any] = response.json()
    return found


class TestSandboxEscapes:
    @pytest.mark.parametrize("escape", ESCAPES)
    def test_an_escape_is_refused_at_save_naming_the_part_and_line(
        self, api: Api, sessions: sessionmaker[Session], escape: str
    ) -> None:
        body = {"channel": "email", "variants": {"en": {"subject": "s", "html": "<p>\n" + escape}}}
        error = _refused(api, sessions, body)
        assert error["error"] == "TemplateUnsafe"
        assert error["field"] == "variants.en.html"
        assert "line 2" in error["detail"]

    def test_a_data_key_named_like_a_method_may_still_be_read(self, api: Api) -> None:
        pid = api.customer("u1")
        template = api.create("sms", {"en": {"text": "{{ event.properties.format }}"}})
        event = {"event": "Book Viewed", "properties": {"format": "hardcover"}}
        assert api.rendered(template["id"], pid, event=event)["content"]["text"] == "hardcover"

    @pytest.mark.parametrize(
        "text",
        [
            "{{ 'x' * 10000000 }}",
            "{% for i in range(1000000) %}{% endfor %}",
            "{{ 10 ** 100000 }}",
            "{% set n = '__class__' %}{{ traits[n] }}",
            "{% set seen = [] %}{{ seen.append(1) }}",  # the sandbox is immutable
            "{{ traits.update({'a': 1}) }}",
            "{{ money('1e999999999', 'GEL') }}",
            "{{ money(5, 'XYZ') }}",
            "{{ date('yesterday') }}",
            "{{ 1 / 0 }}",
            "{{ traits + 1 }}",
        ],
    )
    def test_what_passes_the_save_check_is_still_stopped_by_the_sandbox(
        self, api: Api, text: str
    ) -> None:
        pid = api.customer("u2")
        template = api.create("sms", {"en": {"text": text}})
        response = api.preview(template["id"], pid)
        assert response.status_code == 400, response.text
        assert response.json()["error"] == "TemplateRenderFailed"
        assert response.json()["field"] == "variants.en.text"

    def test_a_huge_output_fails_the_render(self, api: Api) -> None:
        pid = api.customer("u3")
        source = "{% for i in range(10000) %}{{ 'x' * 99999 }}{% endfor %}"
        template = api.create("email", {"en": {"subject": "s", "text": source}})
        response = api.preview(template["id"], pid)
        assert response.status_code == 400
        assert "longer than" in response.json()["detail"]


class TestSyntax:
    @pytest.mark.parametrize(
        ("part", "jinja", "line"),
        [
            ("subject", "Hello {{ name ", 1),
            ("html", "<p>\n\n{% if x %}never closed", 3),
            ("text", "ok\n{{ }}", 2),
            ("html", "{% for %}", 1),
            ("text", "{{ x | no_such_filter }}", 1),
            ("text", "{{ " + "(" * 3000 + "1" + ")" * 3000 + " }}", None),
        ],
    )
    def test_invalid_jinja_is_400_naming_part_and_line(
        self, api: Api, sessions: sessionmaker[Session], part: str, jinja: str, line: int | None
    ) -> None:
        parts = {"subject": "s", "text": "t", part: jinja}
        error = _refused(api, sessions, {"channel": "email", "variants": {"ka": parts}})
        assert error["error"] == "TemplateSyntaxInvalid"
        assert error["field"] == f"variants.ka.{part}"
        where = f"line {line}:" if line else "nested too deeply"
        assert error["detail"].startswith(f"variants.ka.{part}: {where}")

    def test_invalid_jinja_in_an_update_stores_no_version(
        self, api: Api, sessions: sessionmaker[Session]
    ) -> None:
        template = api.create("sms", {"en": {"text": "fine"}})
        before = _counts(sessions)
        response = api.patch(
            f"/api/templates/{template['id']}", {"variants": {"en": {"text": "{% if %}"}}}
        )
        assert response.status_code == 400
        assert response.json()["field"] == "variants.en.text"
        assert _counts(sessions) == before
        assert api.get(f"/api/templates/{template['id']}").json()["current"]["version"] == 1


class TestUnknownVariables:
    def test_preview_names_the_missing_variable(self, api: Api) -> None:
        pid = api.customer("u4", first_name="Ana")
        template = api.create("email", {"en": {"subject": "Hi {{ traits.nickname }}", "text": "t"}})
        response = api.preview(template["id"], pid)
        assert response.status_code == 400
        assert response.json() == {
            "error": "TemplateRenderFailed",
            "detail": "variants.en.subject: traits.nickname is undefined "
            "(give a default: x | default(''))",
            "field": "variants.en.subject",
            "variable": "traits.nickname",
        }

    def test_a_test_send_with_a_missing_variable_queues_nothing(
        self, api: Api, sessions: sessionmaker[Session]
    ) -> None:
        pid = api.customer("u5")
        template = api.create("sms", {"en": {"text": "{{ unknown_top_level }}"}})
        before = _counts(sessions)
        response = api.post(
            f"/api/templates/{template['id']}/test-send",
            {"profile_id": pid, "recipients": ["+995555123456"]},
        )
        assert response.status_code == 400
        assert response.json()["variable"] == "unknown_top_level"
        assert _counts(sessions) == before


class TestSmsTooLong:
    def test_a_body_past_the_segment_limit_is_refused_at_save(
        self, api: Api, sessions: sessionmaker[Session]
    ) -> None:
        # the fixture allows 3 segments: 3 x 67 UCS-2 units
        error = _refused(api, sessions, {"channel": "sms", "variants": {"ka": {"text": "ა" * 202}}})
        assert error["error"] == "SmsTooLong"
        assert error["field"] == "variants.ka.text"
        assert "4 UCS-2 segments" in error["detail"]
        assert api.create("sms", {"ka": {"text": "ა" * 201}})["current"]["version"] == 1

    def test_a_body_that_grows_past_the_limit_fails_the_render(self, api: Api) -> None:
        pid = api.customer("u6", bio="x" * 500)
        template = api.create("sms", {"en": {"text": "{{ traits.bio }}"}})
        response = api.preview(template["id"], pid)
        assert response.status_code == 400
        assert response.json()["error"] == "SmsTooLong"
        assert "4 GSM-7 segments" in response.json()["detail"]


class TestUnknownLocales:
    @pytest.mark.parametrize(
        ("extra", "field"),
        [
            ({"variants": {"xx": {"text": "t"}}}, "variants.xx"),
            ({"variants": {"en": {"text": "t"}, "klingon": {"text": "t"}}}, "variants.klingon"),
            (
                {"variants": {"en": {"text": "t"}}, "fallback_locales": ["ru", "zz"]},
                "fallback_locales[1]",
            ),
            ({"variants": {"en": {"text": "t"}}, "default_locale": "qq"}, "default_locale"),
            ({"variants": {"en": {"text": "t"}}, "default_locale": "ru"}, "default_locale"),
            (
                {"variants": {"en": {"text": "t"}, "en-us": {"text": "u"}, "EN": {"text": "v"}}},
                "variants.EN",
            ),
        ],
    )
    def test_an_unknown_locale_code_is_refused(
        self, api: Api, sessions: sessionmaker[Session], extra: dict[str, Any], field: str
    ) -> None:
        error = _refused(api, sessions, {"channel": "sms", **extra})
        assert error["field"] == field

    def test_preview_in_an_unknown_locale_is_refused(self, api: Api) -> None:
        pid = api.customer("u7")
        template = api.create("sms", {"en": {"text": "t"}})
        response = api.preview(template["id"], pid, locale="not-a-locale")
        assert response.status_code == 400
        assert (response.json()["error"], response.json()["field"]) == ("LocaleUnknown", "locale")


MISSING = [
    ("email", {"html": "<p>x</p>"}, "variants.en.subject", "TemplatePartMissing"),
    ("email", {"subject": "s"}, "variants.en.html", "TemplatePartMissing"),
    ("email", {"subject": "  ", "text": "t"}, "variants.en.subject", "TemplatePartInvalid"),
    (
        "email",
        {"subject": "s", "text": "t", "body": "b"},
        "variants.en.body",
        "TemplatePartInvalid",
    ),
    ("sms", {}, "variants.en.text", "TemplatePartMissing"),
    ("sms", {"text": 5}, "variants.en.text", "TemplatePartInvalid"),
    ("telegram", {"buttons": []}, "variants.en.text", "TemplatePartMissing"),
    (
        "telegram",
        {"text": "t", "buttons": [{"text": "b"}]},
        "variants.en.buttons[0]",
        "TemplatePartInvalid",
    ),
    (
        "telegram",
        {"text": "t", "buttons": [[{"text": "b", "url": "u", "callback_data": "c"}]]},
        "variants.en.buttons[0][0]",
        "TemplatePartInvalid",
    ),
    (
        "viber",
        {"text": "t", "buttons": [{"text": "b", "callback_data": "c"}]},
        "variants.en.buttons[0]",
        "TemplatePartInvalid",
    ),
    ("whatsapp", {}, "variants.en.text", "TemplatePartMissing"),
    (
        "whatsapp",
        {"template": {"language": "en"}},
        "variants.en.template.name",
        "TemplatePartMissing",
    ),
    (
        "whatsapp",
        {"template": {"name": "n", "body": "x"}},
        "variants.en.template.body",
        "TemplatePartInvalid",
    ),
    ("push", {"title": "t"}, "variants.en.body", "TemplatePartMissing"),
    (
        "push",
        {"title": "t", "body": "b", "data": {"n": 1}},
        "variants.en.data",
        "TemplatePartInvalid",
    ),
    ("webhook", {"json": {}}, "variants.en.url", "TemplatePartMissing"),
    ("webhook", {"url": "https://x.example"}, "variants.en.json", "TemplatePartMissing"),
    (
        "webhook",
        {"url": "file:///etc/passwd", "json": {}},
        "variants.en.url",
        "TemplatePartInvalid",
    ),
]


class TestRequiredParts:
    @pytest.mark.parametrize(("channel", "parts", "field", "error"), MISSING)
    def test_a_missing_or_malformed_part_is_named(
        self,
        api: Api,
        sessions: sessionmaker[Session],
        channel: str,
        parts: dict[str, Any],
        field: str,
        error: str,
    ) -> None:
        found = _refused(api, sessions, {"channel": channel, "variants": {"en": parts}})
        assert (found["error"], found["field"]) == (error, field)

    def test_no_variants_and_an_unknown_channel_are_refused(
        self, api: Api, sessions: sessionmaker[Session]
    ) -> None:
        assert _refused(api, sessions, {"channel": "sms", "variants": {}})["field"] == "variants"
        shape = _refused(api, sessions, {"channel": "fax", "variants": {"en": {}}}, status=422)
        assert shape["field"] == "channel"

    def test_the_channel_cannot_change_and_names_are_unique(
        self, api: Api, sessions: sessionmaker[Session]
    ) -> None:
        first = api.create("sms", {"en": {"text": "t"}}, name="welcome")
        duplicate = _refused(
            api,
            sessions,
            {"name": "welcome", "channel": "sms", "variants": {"en": {"text": "t"}}},
            status=409,
        )
        assert duplicate["field"] == "name"
        change = api.patch(f"/api/templates/{first['id']}", {"channel": "email"})
        assert change.status_code == 422
        assert change.json()["field"] == "channel"


class TestSeedSendInput:
    @pytest.mark.parametrize(
        ("channel", "variants", "recipients", "field"),
        [
            ("email", {"en": {"subject": "s", "text": "t"}}, ["not-an-email"], "recipients[0]"),
            ("sms", {"en": {"text": "t"}}, ["+995555123456", "12"], "recipients[1]"),
            ("sms", {"en": {"text": "t"}}, [], "recipients"),
            ("sms", {"en": {"text": "t"}}, ["+99555512345"] * 21, "recipients"),
            ("push", {"en": {"title": "t", "body": "b"}}, ["a token with spaces"], "recipients[0]"),
            ("webhook", {"en": {"url": "https://h.example", "json": {}}}, ["x"], "recipients"),
        ],
    )
    def test_bad_recipients_are_named_and_nothing_is_queued(
        self,
        api: Api,
        sessions: sessionmaker[Session],
        channel: str,
        variants: dict[str, Any],
        recipients: list[str],
        field: str,
    ) -> None:
        pid = api.customer("u8")
        template = api.create(channel, variants)
        before = _counts(sessions)
        response = api.post(
            f"/api/templates/{template['id']}/test-send",
            {"profile_id": pid, "recipients": recipients},
        )
        assert response.status_code == 400, response.text
        assert (response.json()["error"], response.json()["field"]) == ("RecipientInvalid", field)
        assert _counts(sessions) == before

    def test_an_unknown_profile_or_template_is_404(self, api: Api) -> None:
        pid = api.customer("u9")
        template = api.create("sms", {"en": {"text": "t"}})
        assert api.preview(template["id"], pid + 1000).status_code == 404
        assert api.preview(template["id"] + 1000, pid).status_code == 404
        assert api.preview(template["id"], pid, version=7).json()["field"] == "version"
