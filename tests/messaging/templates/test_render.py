"""`render()`: what the send pipeline calls. The context (traits, identifiers, computed
traits, event, campaign), the locale fallback chain, right to left, the helpers, versions."""

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.messaging.templates.conftest import Api
from unison.consent.preference_center import links
from unison.kit.db import transaction
from unison.kit.settings import Settings
from unison.messaging.templates import Rendered, TemplateNotFound, TemplateRenderFailed, render
from unison.profiles import computed_traits

ORDER = {
    "event": "Order Completed",
    "properties": {
        "order_id": "A-17",
        "total": 1234.5,
        "currency": "GEL",
        "products": [
            {"name": "ჩაი", "price": 12.5, "quantity": 2},
            {"name": "Coffee", "price": 30, "quantity": 1, "currency": "USD"},
        ],
    },
}


def _render(
    sessions: sessionmaker[Session], settings: Settings, template_id: int, **kwargs: Any
) -> Rendered:
    with transaction(sessions) as session:
        return render(session, template_id, settings=settings, **kwargs)


def _failure(
    sessions: sessionmaker[Session], settings: Settings, template_id: int, **kwargs: Any
) -> TemplateRenderFailed:
    with pytest.raises(TemplateRenderFailed) as caught:
        _render(sessions, settings, template_id, **kwargs)
    return caught.value


class TestContext:
    def test_traits_identifiers_event_and_campaign_fill_the_template(
        self, api: Api, sessions: sessionmaker[Session], settings: Settings
    ) -> None:
        pid = api.customer("u1", first_name="ნინო", email="Nino@Example.ge", city="Tbilisi")
        text = (
            "{{ profile.traits.first_name }} {{ traits.city }} {{ profile.identifiers.email }} "
            "#{{ event.properties.order_id }} {{ campaign.name }} {{ profile.id }}"
        )
        template = api.create("sms", {"ka": {"text": text}})
        rendered = _render(
            sessions,
            settings,
            template["id"],
            profile_id=pid,
            locale_chain=["ka"],
            event=ORDER,
            campaign={"name": "winter"},
        )
        assert rendered == Rendered(
            "sms",
            {"text": f"ნინო Tbilisi nino@example.ge #A-17 winter {pid}"},
            template["id"],
            1,
            "ka",
        )

    def test_computed_traits_clv_and_rfm_are_in_the_context(
        self, api: Api, sessions: sessionmaker[Session], settings: Settings
    ) -> None:
        pid = api.customer("u2", first_name="Ana")
        with transaction(sessions) as session:
            now = datetime(2026, 12, 1, tzinfo=UTC)
            computed_traits.write(
                session, "clv", [(pid, "clv_12m", 321.5), (pid, "clv_tier", "gold")], now
            )
            computed_traits.write(
                session, "rfm", [(pid, "rfm_cell", "champions"), (pid, "rfm_r", 5)], now
            )
        text = "{{ clv.predicted_12m }} {{ clv.tier }} {{ rfm.cell }}/{{ rfm.r }} "
        text += "{{ computed.clv_tier }}"
        template = api.create("sms", {"en": {"text": text}})
        rendered = _render(sessions, settings, template["id"], profile_id=pid, locale_chain=["en"])
        assert rendered.content == {"text": "321.5 gold champions/5 gold"}


class TestMissingVariables:
    def test_a_missing_trait_fails_naming_its_whole_path(
        self, api: Api, sessions: sessionmaker[Session], settings: Settings
    ) -> None:
        pid = api.customer("u3", first_name="Ana")
        template = api.create(
            "email", {"en": {"subject": "Hi", "text": "Dear {{ profile.traits.last_name }}"}}
        )
        failure = _failure(sessions, settings, template["id"], profile_id=pid, locale_chain=["en"])
        assert failure.variable == "profile.traits.last_name"
        assert failure.field == "variants.en.text"
        assert failure.to_dict()["variable"] == "profile.traits.last_name"

    def test_a_missing_event_and_a_missing_product_key_are_named(
        self, api: Api, sessions: sessionmaker[Session], settings: Settings
    ) -> None:
        pid = api.customer("u4")
        no_event = api.create("sms", {"en": {"text": "{{ event.properties.order_id }}"}})
        failure = _failure(sessions, settings, no_event["id"], profile_id=pid, locale_chain=[])
        assert failure.variable == "event"
        sku = api.create(
            "sms", {"en": {"text": "{% for p in products() %}{{ p.sku }}{% endfor %}"}}
        )
        failure = _failure(
            sessions, settings, sku["id"], profile_id=pid, locale_chain=[], event=ORDER
        )
        assert failure.variable == "products[0].sku"

    def test_a_default_stands_in_for_a_missing_variable(
        self, api: Api, sessions: sessionmaker[Session], settings: Settings
    ) -> None:
        pid = api.customer("u5")
        text = "Hi {{ traits.first_name | default('friend') }}"
        text += "{% if traits.vip is defined %}!{% endif %}"
        template = api.create("sms", {"en": {"text": text}})
        rendered = _render(sessions, settings, template["id"], profile_id=pid, locale_chain=["en"])
        assert rendered.content["text"] == "Hi friend"

    def test_an_unknown_template_or_version_is_not_found(
        self, api: Api, sessions: sessionmaker[Session], settings: Settings
    ) -> None:
        pid = api.customer("u6")
        template = api.create("sms", {"en": {"text": "x"}})
        with pytest.raises(TemplateNotFound):
            _render(sessions, settings, template["id"] + 1, profile_id=pid, locale_chain=[])
        with pytest.raises(TemplateNotFound):
            _render(sessions, settings, template["id"], profile_id=pid, locale_chain=[], version=2)


VARIANTS = {
    "ka": {"text": "გამარჯობა"},
    "ru": {"text": "Привет"},
    "en": {"text": "Hello"},
    "hy": {"text": "Բարեւ"},
    "uk": {"text": "Привіт"},
}


class TestLocaleFallback:
    @pytest.mark.parametrize(
        ("chain", "expected"),
        [
            (["hy"], "hy"),
            (["uk-UA"], "uk"),  # the language of a regional locale
            (["de", "ru"], "ru"),  # the customer's second choice before the fallback
            (["de"], "ka"),  # then the chain ka -> ru -> en
            (["not a locale!"], "ka"),  # an unreadable customer locale is passed over
        ],
    )
    def test_the_first_variant_along_the_chain_is_used(
        self,
        api: Api,
        sessions: sessionmaker[Session],
        settings: Settings,
        chain: list[str],
        expected: str,
    ) -> None:
        pid = api.customer("u7")
        template = api.create("sms", VARIANTS)
        rendered = _render(sessions, settings, template["id"], profile_id=pid, locale_chain=chain)
        assert (rendered.locale, rendered.content["text"]) == (expected, VARIANTS[expected]["text"])

    def test_the_default_chain_skips_what_the_template_lacks(
        self, api: Api, sessions: sessionmaker[Session], settings: Settings
    ) -> None:
        pid = api.customer("u8")
        template = api.create("sms", {"en": {"text": "Hello"}, "ru": {"text": "Привет"}})
        assert (
            _render(sessions, settings, template["id"], profile_id=pid, locale_chain=["fr"]).locale
            == "ru"
        )

    def test_a_template_chain_and_the_setting_change_the_order(
        self, api: Api, sessions: sessionmaker[Session], settings: Settings
    ) -> None:
        pid = api.customer("u9")
        own = api.create("sms", VARIANTS, fallback_locales=["en", "ru"])
        assert (
            _render(sessions, settings, own["id"], profile_id=pid, locale_chain=["fr"]).locale
            == "en"
        )
        plain = api.create("sms", VARIANTS)
        english_first = settings.model_copy(update={"templates_fallback_locales": ["uk", "en"]})
        assert (
            _render(
                sessions, english_first, plain["id"], profile_id=pid, locale_chain=["fr"]
            ).locale
            == "uk"
        )

    def test_a_language_matches_a_regional_variant(
        self, api: Api, sessions: sessionmaker[Session], settings: Settings
    ) -> None:
        pid = api.customer("u22")
        template = api.create("sms", {"ka": {"text": "ა"}, "pt-BR": {"text": "Olá"}})
        found = _render(sessions, settings, template["id"], profile_id=pid, locale_chain=["pt"])
        assert (found.locale, found.content["text"]) == ("pt-BR", "Olá")

    def test_the_default_locale_ends_every_chain(
        self, api: Api, sessions: sessionmaker[Session], settings: Settings
    ) -> None:
        pid = api.customer("u10")
        template = api.create(
            "sms", {"de": {"text": "Hallo"}, "fr": {"text": "Salut"}}, default_locale="fr"
        )
        assert (
            _render(sessions, settings, template["id"], profile_id=pid, locale_chain=["ja"]).locale
            == "fr"
        )

    def test_without_a_chain_the_profiles_own_language_is_used(
        self, api: Api, sessions: sessionmaker[Session], settings: Settings
    ) -> None:
        pid = api.customer("u11", locale="hy-AM")
        template = api.create("sms", VARIANTS)
        assert (
            _render(sessions, settings, template["id"], profile_id=pid, locale_chain=None).locale
            == "hy"
        )


class TestRightToLeft:
    def test_hebrew_html_gets_dir_rtl_and_values_are_isolated(
        self, api: Api, sessions: sessionmaker[Session], settings: Settings
    ) -> None:
        pid = api.customer("u12", first_name="David <b>")
        template = api.create(
            "email",
            {
                "he": {
                    "subject": "שלום {{ traits.first_name }}",
                    "html": "<html><body><p>שלום {{ traits.first_name }}, הזמנה {{ 17 }}</p>"
                    "</body></html>",
                }
            },
        )
        content = _render(
            sessions, settings, template["id"], profile_id=pid, locale_chain=["he"]
        ).content
        assert content["subject"] == "שלום \u2068David <b>\u2069"
        assert content["html"] == (
            '<html dir="rtl" lang="he"><body><p>שלום <bdi>David &lt;b&gt;</bdi>, הזמנה '
            "<bdi>17</bdi></p></body></html>"
        )
        # the generated text part keeps the isolation
        assert content["text"] == "שלום \u2068David <b>\u2069, הזמנה \u206817\u2069"

    def test_a_fragment_is_wrapped_and_left_to_right_is_left_alone(
        self, api: Api, sessions: sessionmaker[Session], settings: Settings
    ) -> None:
        pid = api.customer("u13", first_name="Ann")
        html = "<p>{{ traits.first_name }}</p>"
        template = api.create(
            "email", {"he": {"subject": "s", "html": html}, "en": {"subject": "s", "html": html}}
        )
        hebrew = _render(sessions, settings, template["id"], profile_id=pid, locale_chain=["he"])
        assert hebrew.content["html"] == '<div dir="rtl" lang="he"><p><bdi>Ann</bdi></p></div>'
        english = _render(sessions, settings, template["id"], profile_id=pid, locale_chain=["en"])
        assert english.content["html"] == "<p>Ann</p>"

    def test_urls_are_never_isolated(
        self, api: Api, sessions: sessionmaker[Session], settings: Settings
    ) -> None:
        pid = api.customer("u14")
        button = {"text": "{{ 'קנה' }}", "url": "https://shop.example/{{ profile.id }}"}
        template = api.create("telegram", {"he": {"text": "x", "buttons": [[button]]}})
        content = _render(
            sessions, settings, template["id"], profile_id=pid, locale_chain=["he"]
        ).content
        assert content["buttons"] == [
            [{"text": "\u2068קנה\u2069", "url": f"https://shop.example/{pid}"}]
        ]


class TestHelpers:
    @pytest.mark.parametrize(
        ("locale", "money", "day"),
        [
            ("en", "GEL1,234.50", "Dec 7, 2026"),
            ("ru", "1\xa0234,50\xa0GEL", "7 дек. 2026\u202fг."),  # noqa: RUF001 - Russian
            ("ka", "1\xa0234,50\xa0₾", "7 დეკ. 2026"),
        ],
    )
    def test_money_and_dates_in_the_customers_locale(
        self,
        api: Api,
        sessions: sessionmaker[Session],
        settings: Settings,
        locale: str,
        money: str,
        day: str,
    ) -> None:
        pid = api.customer("u15")
        text = "{{ money(event.properties.total) }}|{{ date('2026-12-07T10:00:00Z') }}"
        template = api.create("sms", {locale: {"text": text}})
        rendered = _render(
            sessions, settings, template["id"], profile_id=pid, locale_chain=[locale], event=ORDER
        )
        assert rendered.content["text"] == f"{money}|{day}"

    def test_the_customers_region_formats_dates_of_a_language_variant(
        self, api: Api, sessions: sessionmaker[Session], settings: Settings
    ) -> None:
        pid = api.customer("u16")
        template = api.create("sms", {"en": {"text": "{{ date('2026-12-07', 'short') }}"}})
        us = _render(sessions, settings, template["id"], profile_id=pid, locale_chain=["en-US"])
        gb = _render(sessions, settings, template["id"], profile_id=pid, locale_chain=["en-GB"])
        assert (us.locale, us.content["text"], gb.content["text"]) == (
            "en",
            "12/7/26",
            "07/12/2026",
        )

    def test_times_are_in_the_customers_time_zone(
        self, api: Api, sessions: sessionmaker[Session], settings: Settings
    ) -> None:
        pid = api.customer("u17")
        saved = api.client.put(
            f"/api/profiles/{pid}/preferences",
            json={"time_zone": "Asia/Tbilisi"},
            headers={"Authorization": f"Bearer {api.token}"},
        )
        assert saved.status_code in (200, 204), saved.text
        text = "{{ datetime('2026-12-07T20:30:00Z', 'short') }}|{{ date('2026-12-07T20:30:00Z') }}"
        text += "|{{ date('2026-12-07') }}"  # a calendar day stays that day
        template = api.create("sms", {"en": {"text": text}})
        rendered = _render(sessions, settings, template["id"], profile_id=pid, locale_chain=["en"])
        assert rendered.content["text"] == "12/8/26, 12:30\u202fAM|Dec 8, 2026|Dec 7, 2026"

    def test_products_of_an_order_and_of_a_product_event(
        self, api: Api, sessions: sessionmaker[Session], settings: Settings
    ) -> None:
        pid = api.customer("u18")
        text = "{% for p in products() %}{{ p.name }} x{{ p.quantity | default(1) }} "
        text += "{{ money(p.price, p.currency) }};{% endfor %}"
        template = api.create("sms", {"en": {"text": text}})
        order = _render(
            sessions, settings, template["id"], profile_id=pid, locale_chain=["en"], event=ORDER
        )
        assert order.content["text"] == "ჩაი x2 GEL12.50;Coffee x1 $30.00;"
        viewed = {
            "event": "Product Viewed",
            "properties": {"name": "Tea", "price": 3, "currency": "EUR"},
        }
        one = _render(
            sessions, settings, template["id"], profile_id=pid, locale_chain=["en"], event=viewed
        )
        assert one.content["text"] == "Tea x1 €3.00;"

    def test_unsubscribe_and_preference_links_are_consents_signed_links(
        self, api: Api, sessions: sessionmaker[Session], settings: Settings
    ) -> None:
        pid = api.customer("u19", email="nino@example.ge")
        text = "{{ unsubscribe_url('newsletter') }} {{ preference_center_url() }}"
        template = api.create("email", {"ka": {"subject": "s", "text": text}})
        rendered = _render(sessions, settings, template["id"], profile_id=pid, locale_chain=["ka"])
        unsubscribe, preferences = rendered.content["text"].split(" ")
        assert unsubscribe.startswith("https://unison.example/unsubscribe/")
        claims = links.verify(settings, "unsubscribe", unsubscribe.rsplit("/", 1)[1])
        assert (claims["p"], claims["e"], claims["u"]) == (pid, "nino@example.ge", "newsletter")
        claims = links.verify(settings, "preferences", preferences.rsplit("/", 1)[1])
        assert (claims["p"], claims["l"]) == (pid, "ka")

    def test_a_helper_given_a_bad_value_fails_the_render_naming_the_part(
        self, api: Api, sessions: sessionmaker[Session], settings: Settings
    ) -> None:
        pid = api.customer("u20")
        template = api.create("sms", {"en": {"text": "{{ money('lots', 'GEL') }}"}})
        failure = _failure(sessions, settings, template["id"], profile_id=pid, locale_chain=["en"])
        assert failure.field == "variants.en.text"
        assert "'lots' is not a number" in failure.detail


class TestVersions:
    def test_render_records_the_version_and_an_old_version_still_renders(
        self, api: Api, sessions: sessionmaker[Session], settings: Settings
    ) -> None:
        pid = api.customer("u21")
        template = api.create("sms", {"en": {"text": "one"}})
        changed = api.patch(
            f"/api/templates/{template['id']}", {"variants": {"en": {"text": "two"}}}
        )
        assert changed.status_code == 200, changed.text
        now = _render(sessions, settings, template["id"], profile_id=pid, locale_chain=["en"])
        old = _render(
            sessions, settings, template["id"], profile_id=pid, locale_chain=["en"], version=1
        )
        assert (now.version, now.content["text"]) == (2, "two")
        assert (old.version, old.content["text"]) == (1, "one")
