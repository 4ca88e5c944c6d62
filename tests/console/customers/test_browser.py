"""Customers, segments and customer value in a real browser (Debian's chromium through
Playwright) against a real `unison serve`: find a customer by a local phone number, open
the profile, record a consent change, build a segment and see its text; axe-core on every
page of these areas in English and Hebrew."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import Session, sessionmaker

from tests.api.live import LiveServer
from tests.clv.conftest import NOW
from tests.clv.test_refresh import shoppers
from tests.console.conftest import PASSWORD, make_user
from unison.clv import service as clv
from unison.kit.db import transaction
from unison.kit.settings import Settings
from unison.profiles import service as profiles

Send = Callable[[list[dict[str, Any]]], None]
# Each answer waits on a server round trip (htmx): patient on a loaded test machine.
expect.set_options(timeout=30_000)
PEOPLE = [
    ("u-nino", "ნინო ჯაფარიძე", "+995599123456", "nino@example.ge", "თბილისი"),
    ("u-tamar", "თამარ ბერიძე", "+995577001122", "tamar@example.ge", "თბილისი"),
    ("u-aram", "Արամ Պետրոսյան", "+37491234567", "aram@example.am", "Երևան"),
    ("u-yael", "יעל כהן", "+972501234567", "yael@example.co.il", "חיפה"),
]


@pytest.fixture(scope="module")
def server(
    database_url: str, engine: object, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    log = tmp_path_factory.mktemp("console-pages") / "serve.log"
    # the tests drive processing themselves (send + process): nothing runs behind their back
    live = LiveServer(database_url, log, embedded_worker="false")
    yield live
    live.stop()


@pytest.fixture
def tab(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    yield context.new_page()
    context.close()


@pytest.fixture
def people(sessions: sessionmaker[Session], send: Send, process: Callable[[], int]) -> int:
    send(
        [
            {
                "type": "identify",
                "userId": user,
                "traits": {"name": name, "phone": phone, "email": email, "city": city},
            }
            for user, name, phone, email, city in PEOPLE
        ]
    )
    process()
    with sessions() as session:
        return profiles.lookup(session, "user_id", "u-nino").id


def log_in(page: Page, server: LiveServer, sessions: sessionmaker[Session], role: str) -> None:
    make_user(sessions, f"{role}-1", role)
    page.goto(f"{server.url}/console/login")
    page.locator("#login-name").fill(f"{role}-1")
    page.locator("#login-password").fill(PASSWORD)
    page.locator("button.primary").click()
    page.wait_for_url(f"{server.url}/console/")


class TestCustomers:
    def test_find_by_a_local_phone_number_open_the_profile_record_consent(
        self, tab: Page, server: LiveServer, sessions: sessionmaker[Session], people: int
    ) -> None:
        log_in(tab, server, sessions, "marketer")
        search = tab.get_by_role("searchbox", name="Search customers")
        search.fill("599 12 34 56")  # Georgian mobile, typed without +995
        search.press("Enter")
        tab.get_by_role("link", name="ნინო ჯაფარიძე").click()
        expect(tab.get_by_role("heading", level=1)).to_contain_text("ნინო ჯაფარიძე")
        expect(tab.locator("#identifiers ~ .table-wrap").first).to_contain_text("+995599123456")

        tab.get_by_label("Purpose").select_option("newsletter")
        tab.locator("#c-channel").select_option("sms")
        tab.locator("#c-status").select_option("granted")
        tab.get_by_label("Reference (call or message id)").fill("call-2041")
        tab.get_by_role("button", name="Record consent change").click()
        expect(tab.get_by_role("status").first).to_contain_text("The consent change was recorded.")
        row = tab.locator("section[aria-labelledby=consent] tbody tr").first
        expect(row).to_contain_text("newsletter")
        expect(row).to_contain_text("granted")
        expect(row).to_contain_text("+995599123456")


class TestSegmentBuilder:
    def test_build_a_segment_see_the_text_edit_the_text_see_the_rows(
        self, tab: Page, server: LiveServer, sessions: sessionmaker[Session], people: int
    ) -> None:
        log_in(tab, server, sessions, "marketer")
        tab.goto(f"{server.url}/console/segments/new")
        tab.locator("#r0-name").fill("city")
        tab.locator("#r0-op").select_option("eq")
        tab.locator("#r0-value").fill("თბილისი")
        tab.locator("#r0-value").blur()
        text = tab.locator("#segment-text")
        expect(text).to_have_value('trait("city") == "თბილისი"')
        expect(tab.locator("#preview")).to_contain_text("2 customers match now")

        tab.get_by_role("button", name="Add a condition").click()
        # changed the moment the new row appears, before htmx has settled the swap (the
        # editor's listener is on the document, so nothing waits for htmx to bind the row)
        tab.locator("#r1-kind").select_option("identifier")
        # the row comes back drawn for its new kind
        expect(tab.locator("label[for=r1-name]")).to_have_text("Identifier type")
        tab.locator("#r1-name").fill("email")
        tab.locator("#r1-name").blur()
        expect(text).to_have_value('trait("city") == "თბილისი" and has_identifier("email")')

        text.fill('trait("city") == "Երևան" or reachable("telegram")')
        expect(tab.locator("#r0-value")).to_have_value("Երևան")
        expect(tab.locator("#r1-kind")).to_have_value("reachable")
        expect(tab.locator("#join")).to_have_value("or")
        expect(tab.locator("#preview")).to_contain_text("1 customers match now")

        broken = 'trait("city") == "Երևան" or reachabel("telegram")'
        text.fill(broken)
        expect(tab.locator("mark.error-at")).to_have_text("r")
        expect(tab.locator("#text-error")).to_contain_text(f"position {broken.index('reachabel')}")

        text.fill('trait("city") == "თბილისი"')
        expect(tab.locator("#preview")).to_contain_text("2 customers match now")
        tab.get_by_label("Name", exact=True).fill("Tbilisi")
        tab.get_by_role("button", name="Save segment").click()
        expect(tab.get_by_role("heading", level=1)).to_have_text("Tbilisi")
        expect(tab.locator("main")).to_contain_text("2 members now")
        expect(tab.locator("#membership-chart svg")).to_be_visible()


class TestAccessibility:
    @pytest.mark.parametrize("language", ["en", "he"])
    def test_axe_finds_no_serious_violations_on_these_pages(
        self,
        tab: Page,
        server: LiveServer,
        settings: Settings,
        sessions: sessionmaker[Session],
        send: Send,
        process: Callable[[], int],
        people: int,
        language: str,
    ) -> None:
        send(shoppers(25))
        process()
        with transaction(sessions) as session:
            clv.refresh(session, settings, NOW)
        log_in(tab, server, sessions, "admin")
        tab.goto(f"{server.url}/console/segments/new?lang={language}")
        tab.locator("#seg-name").fill("Tbilisi")
        tab.locator("#segment-text").fill('trait("city") == "თბილისი"')
        expect(tab.locator("#preview")).to_contain_text("2")
        tab.locator("button.primary").click()
        tab.wait_for_url("**/console/segments/*?saved=1")
        segment = tab.url.split("?")[0]
        pages = [
            "/console/customers?q=599",
            f"/console/customers/{people}",
            "/console/segments",
            "/console/segments/new",
            segment.removeprefix(server.url),
            f"/console/value?calibration_end=2026-01-31&observation_end={NOW.date()}",
        ]
        axe, found = Axe(), {}
        for path in pages:
            tab.goto(f"{server.url}{path}")
            for box in tab.locator("[hx-trigger=load]").all():
                expect(box.locator("svg, table, .alert").first).to_be_attached(timeout=60_000)
            found[path] = _serious(axe, tab)
        assert {path: v for path, v in found.items() if v} == {}


def _serious(axe: Axe, page: Page) -> list[str]:
    violations = axe.run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in violations
        if v["impact"] in {"serious", "critical"}
    ]
