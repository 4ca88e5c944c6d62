"""Messaging pages in a real browser (Debian's chromium through Playwright) against a real
`unison serve`: write an SMS template and watch its preview in Hebrew (right to left) and
Georgian with the segments counted; create a broadcast to a segment, watch its counts
refresh, pause it; an agent is refused the templates. Every page is photographed in English
and Hebrew at desktop and phone widths into /tmp/h6_shots/ (for a person to look at), and
must not scroll sideways nor have serious axe-core violations."""

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import Session, sessionmaker

from tests.api.live import LiveServer
from tests.browser import DESKTOP, PHONE, overflows_sideways
from tests.consent.conftest import Api
from tests.console.conftest import PASSWORD, make_user
from tests.console.messaging.conftest import people, segment, template
from tests.messaging.conftest import EMAIL_TEXT, SMS_TEXT, Gate
from unison.console.messaging.common import direction
from unison.kit.settings import Settings
from unison.messaging.broadcasts.tasks import FanOut

expect.set_options(timeout=30_000)  # each answer waits on a server round trip (htmx)
SHOTS = Path("/tmp/h6_shots")  # noqa: S108 - screenshots for a person to look at
GEORGIAN = "{{ traits.name }}, თქვენი შეკვეთა გზაშია. მადლობა, რომ ჩვენთან ყიდულობთ! ნახვამდის."
HEBREW = "{{ traits.name }}, ההזמנה שלך בדרך. תודה שקנית אצלנו!"


@pytest.fixture(scope="module")
def server(
    database_url: str, engine: object, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    log = tmp_path_factory.mktemp("messaging-pages") / "serve.log"
    # the tests drive processing and the fan-out themselves
    live = LiveServer(database_url, log, embedded_worker="false", broadcasts_enabled="false")
    yield live
    live.stop()


@pytest.fixture
def tab(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": DESKTOP, "height": 900})
    yield context.new_page()
    context.close()


def log_in(page: Page, server: LiveServer, sessions: sessionmaker[Session], role: str) -> None:
    make_user(sessions, f"{role}-1", role)
    page.goto(f"{server.url}/console/login")
    page.locator("#login-name").fill(f"{role}-1")
    page.locator("#login-password").fill(PASSWORD)
    page.locator("button.primary").click()
    page.wait_for_url(f"{server.url}/console/")


class TestTemplateEditor:
    def test_write_an_sms_preview_it_in_hebrew_and_georgian_see_the_segments(
        self,
        tab: Page,
        server: LiveServer,
        sessions: sessionmaker[Session],
        api: Api,
        process: Callable[[], int],
    ) -> None:
        nino = people(api, process)["u-nino"]
        log_in(tab, server, sessions, "marketer")
        tab.goto(f"{server.url}/console/messaging/templates")
        tab.get_by_label("Channel of a new template").select_option("sms")
        tab.get_by_role("button", name="New template").click()
        tab.locator("#tpl-name").fill("შეკვეთა გზაშია")
        tab.locator("#v0-locale").fill("ka")
        tab.locator("#v0-text").fill(GEORGIAN)
        tab.locator("#v1-locale").fill("he")
        tab.locator("#v1-text").fill(HEBREW)
        tab.locator("#preview-customer").fill(str(nino))
        tab.locator("#preview-locale").fill("he")

        rendered = tab.locator("#preview-box .rendered")
        expect(rendered).to_have_attribute("dir", "rtl")
        expect(rendered).to_contain_text("ההזמנה שלך בדרך")
        expect(rendered).to_contain_text("ნინო ჯაფარიძე")  # the customer's name, isolated
        shot(tab, "template-editor-preview-he")

        tab.locator("#preview-locale").fill("ka")
        expect(rendered).to_have_attribute("dir", "ltr")
        expect(rendered).to_contain_text("თქვენი შეკვეთა გზაშია")
        info = tab.locator("#sms-info")
        expect(info).to_contain_text("UCS-2")
        expect(info).to_contain_text("2 of at most 6")  # Georgian: 67 UTF-16 units a part

        tab.locator("#v0-text").fill("{{ traits.nickname }} " + GEORGIAN)
        expect(tab.locator("#preview-box [role=alert]")).to_contain_text("variants.ka.text")
        expect(tab.locator("#preview-box [role=alert]")).to_contain_text("traits.nickname")
        tab.locator("#v0-text").fill(GEORGIAN)
        expect(rendered).to_contain_text("თქვენი შეკვეთა გზაშია")

        tab.get_by_role("button", name="Save and publish a new version").click()
        expect(tab.get_by_role("status").first).to_contain_text("Version 1 is published.")

    def test_an_email_previews_its_html_in_a_sandboxed_frame_right_to_left(
        self,
        tab: Page,
        server: LiveServer,
        sessions: sessionmaker[Session],
        api: Api,
        process: Callable[[], int],
    ) -> None:
        yael = people(api, process)["u-yael"]
        variants = {"he": {"subject": "שלום {{ traits.name }}", "html": "<p>ההזמנה שלך בדרך</p>"}}
        template_id = template(api, "הזמנה", "email", **variants)
        log_in(tab, server, sessions, "analyst")  # analysts read and preview
        tab.goto(f"{server.url}/console/messaging/templates/{template_id}?customer={yael}")
        frame = tab.locator("iframe.html-preview")
        expect(frame).to_have_attribute("sandbox", "")  # no scripts, no same origin
        body = tab.frame_locator("iframe.html-preview").locator("body")
        expect(body).to_contain_text("ההזמנה שלך בדרך")
        expect(body.locator("[dir=rtl]")).to_contain_text("ההזמנה שלך בדרך")
        expect(tab.locator("#preview-box .subject")).to_contain_text("יעל כהן")
        expect(tab.get_by_role("button", name="Save and publish a new version")).to_have_count(0)

    def test_a_typed_locale_turns_its_text_boxes_at_once(
        self, tab: Page, server: LiveServer, sessions: sessionmaker[Session]
    ) -> None:
        """Typing a locale gives the variant's text boxes its direction before anything is
        saved, the one the server gives them once saved; the HTML box stays left to right
        and the other variants keep theirs."""
        log_in(tab, server, sessions, "marketer")
        tab.goto(f"{server.url}/console/messaging/templates/new?channel=email")
        locale, subject, text = (
            tab.locator(f"#v0-{part}") for part in ("locale", "subject", "text")
        )
        expect(text).to_have_attribute("dir", "ltr")  # the new editor starts in English
        expect(tab.locator("#v1-text")).to_have_attribute("dir", "auto")
        for code in ("he", "ar", "fa", "ur", "yi", "he-IL", "ka", "en", "ru", "hy", "uk"):
            locale.fill(code)
            expected = direction(code)  # what the server draws after saving
            expect(subject).to_have_attribute("dir", expected)
            expect(text).to_have_attribute("dir", expected)
        locale.fill("he")
        expect(text).to_have_attribute("dir", "rtl")
        expect(tab.locator("#v0-html")).to_have_attribute("dir", "ltr")
        expect(tab.locator("#v1-text")).to_have_attribute("dir", "auto")
        text.fill(HEBREW)
        shot(tab, "template-editor-typed-locale-he")
        locale.fill("")
        expect(text).to_have_attribute("dir", "auto")

    def test_an_agent_is_refused_the_templates(
        self, tab: Page, server: LiveServer, sessions: sessionmaker[Session]
    ) -> None:
        log_in(tab, server, sessions, "agent")
        answer = tab.goto(f"{server.url}/console/messaging/templates")
        assert answer is not None
        assert answer.status == 403
        expect(tab.get_by_role("navigation", name="Main navigation")).not_to_contain_text(
            "Templates"
        )


class TestBroadcast:
    def test_create_to_a_segment_see_the_counts_refresh_pause_it(
        self,
        tab: Page,
        server: LiveServer,
        sessions: sessionmaker[Session],
        settings: Settings,
        api: Api,
        process: Callable[[], int],
    ) -> None:
        people(api, process)
        segment_id, template_id = segment(api), template(api, "Winter news")
        log_in(tab, server, sessions, "marketer")
        tab.goto(f"{server.url}/console/messaging/broadcasts")
        tab.get_by_role("link", name="New broadcast").click()
        tab.locator("#bc-name").fill("ზამთრის ფასდაკლება")
        tab.locator("#bc-segment").select_option(str(segment_id))
        tab.locator("#bc-template").select_option(str(template_id))
        tab.locator("#bc-holdout").fill("0")
        tab.get_by_role("button", name="Create the broadcast").click()
        expect(tab.get_by_role("status").first).to_contain_text("The broadcast was created.")
        expect(tab.locator("#count-targeted")).to_have_text("0")

        broadcast_id = int(tab.url.split("/")[-1].split("?")[0])
        chunked = settings.model_copy(update={"broadcasts_chunk_size": 2})
        FanOut(sessions, chunked).chunk(broadcast_id)  # two of the three, as the loop would
        expect(tab.locator("#count-targeted")).to_have_text("2")  # polled, no reload
        expect(tab.locator("#live-status")).to_have_text("running")

        pause = tab.locator("form[action$='/pause']")
        pause.get_by_role("checkbox").check()
        pause.get_by_role("button", name="Pause").click()
        expect(tab.get_by_role("status").first).to_contain_text("The broadcast is paused.")
        expect(tab.locator("#live-status")).to_have_text("paused")
        expect(tab.locator("form[action$='/resume']")).to_be_visible()
        shot(tab, "broadcast-paused")


class TestLooks:
    def test_every_page_in_english_and_hebrew_desktop_and_phone(
        self,
        browser: Browser,
        server: LiveServer,
        sessions: sessionmaker[Session],
        settings: Settings,
        api: Api,
        process: Callable[[], int],
        gate: Gate,
    ) -> None:
        ids = people(api, process)
        gate.send(ids["u-nino"], "welcome-1", ("email", EMAIL_TEXT))
        gate.send(ids["u-nino"], "promo-2", ("sms", SMS_TEXT))
        sms = template(api, "שלום", "sms", he={"text": HEBREW}, ka={"text": GEORGIAN})
        segment_id = segment(api)
        created = api.post(
            "/api/broadcasts", {"name": "Տոներ", "segment_id": segment_id, "template_id": sms}
        )
        FanOut(sessions, settings.model_copy(update={"broadcasts_chunk_size": 2})).chunk(
            created.json()["id"]
        )
        pages = {
            "templates": "/console/messaging/templates",
            "template": f"/console/messaging/templates/{sms}?customer={ids['u-yael']}",
            "template-new": "/console/messaging/templates/new?channel=email",
            "broadcasts": "/console/messaging/broadcasts",
            "broadcast": f"/console/messaging/broadcasts/{created.json()['id']}",
            "broadcast-new": "/console/messaging/broadcasts/new",
            "customer": f"/console/customers/{ids['u-nino']}",
        }
        make_user(sessions, "admin-1", "admin")
        axe, serious, wide = Axe(), {}, []
        for width in (DESKTOP, PHONE):
            context = browser.new_context(viewport={"width": width, "height": 900})
            tab = context.new_page()
            tab.goto(f"{server.url}/console/login")
            tab.locator("#login-name").fill("admin-1")
            tab.locator("#login-password").fill(PASSWORD)
            tab.locator("button.primary").click()
            tab.wait_for_url(f"{server.url}/console/")
            for language in ("en", "he"):
                for name, path in pages.items():
                    sep = "&" if "?" in path else "?"
                    tab.goto(f"{server.url}{path}{sep}lang={language}")
                    _settled(tab, name)
                    tab.screenshot(
                        path=str(SHOTS / f"{name}-{language}-{width}.png"), full_page=True
                    )
                    if overflows_sideways(tab):
                        wide.append(f"{name}-{language}-{width}")
                    if width == DESKTOP:
                        serious[f"{name}-{language}"] = _serious(axe, tab)
            context.close()
        assert wide == []
        assert {k: v for k, v in serious.items() if v} == {}


def _settled(tab: Page, name: str) -> None:
    """Wait for what htmx loads after the page."""
    if name in ("template", "template-new"):
        expect(tab.locator("#preview-box")).not_to_contain_text("…")
    if name == "template":
        expect(tab.locator("#preview-box .rendered")).to_be_visible()
    if name == "customer":
        expect(tab.locator("#messages-section table")).to_be_visible()


def shot(tab: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _serious(axe: Axe, page: Page) -> list[str]:
    violations = axe.run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in violations
        if v["impact"] in {"serious", "critical"}
    ]
