"""The console in a real browser (Debian's chromium via Playwright) against a real
`unison serve`: logging in, refusals, right-to-left Hebrew, and axe-core on every page."""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from tests.api.live import LiveServer
from tests.console.conftest import PASSWORD, make_user
from unison.kit.clock import utcnow
from unison.kit.db import transaction
from unison.models import ConsentPurpose, StaffSession

MAX_FAILURES = 3
OWN_PAGES = [
    "/console/",
    "/console/account/password",
    "/console/settings/sources",
    "/console/settings/connectors",
    "/console/settings/purposes",
    "/console/settings/users",
    "/console/settings/audit",
]


@pytest.fixture(scope="module")
def server(
    database_url: str, engine: object, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    log = tmp_path_factory.mktemp("console") / "serve.log"
    # No background work: these pages need none, and on PostgreSQL its reads would hold
    # locks that the per-test TRUNCATE waits on (a deadlock).
    quiet = {
        "embedded_worker": "false",
        "consent_webhooks_enabled": "false",
        "outbox_delivery_enabled": "false",
        "clv_refresh_hours": "0",
    }
    live = LiveServer(database_url, log, console_login_max_failures=str(MAX_FAILURES), **quiet)
    yield live
    live.stop()


@pytest.fixture
def tab(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    yield context.new_page()
    context.close()


def log_in(page: Page, server: LiveServer, name: str, password: str = PASSWORD) -> None:
    page.goto(f"{server.url}/console/login")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


class TestLogin:
    def test_logging_in_lands_on_the_start_page(
        self, tab: Page, server: LiveServer, sessions: sessionmaker[Session]
    ) -> None:
        make_user(sessions, "Ნინო", "admin")
        log_in(tab, server, "Ნინო")
        tab.wait_for_url(f"{server.url}/console/")
        navigation = tab.get_by_role("navigation", name="Main navigation")
        assert navigation.get_by_role("link", name="Settings").is_visible()

    def test_a_wrong_password_is_refused_without_a_hint_then_rate_limited(
        self, tab: Page, server: LiveServer, sessions: sessionmaker[Session]
    ) -> None:
        make_user(sessions, "gurgen", "agent")
        log_in(tab, server, "gurgen", "not the password")
        wrong_password = tab.get_by_role("alert").inner_text()
        log_in(tab, server, "no-such-user", PASSWORD)
        assert tab.get_by_role("alert").inner_text() == wrong_password == "Wrong name or password."
        for _ in range(MAX_FAILURES - 1):
            log_in(tab, server, "gurgen", "still not it")
        log_in(tab, server, "gurgen", PASSWORD)  # right, but too late
        assert "Too many failed logins" in tab.get_by_role("alert").inner_text()
        assert tab.url.startswith(f"{server.url}/console/login")


class TestRefusals:
    def test_a_forged_csrf_token_changes_nothing(
        self, tab: Page, server: LiveServer, sessions: sessionmaker[Session]
    ) -> None:
        make_user(sessions, "root", "admin")
        log_in(tab, server, "root")
        tab.goto(f"{server.url}/console/settings/purposes")
        tab.eval_on_selector_all(
            "input[name=csrf_token]", "inputs => inputs.forEach(i => { i.value = 'forged'; })"
        )
        tab.get_by_label("Name", exact=True).fill("forged_purpose")
        tab.get_by_role("button", name="Add purpose").click()
        assert tab.get_by_role("heading", name="The form has expired").is_visible()
        with sessions() as session:
            assert session.execute(select(func.count()).select_from(ConsentPurpose)).scalar() == 0

    def test_an_expired_session_goes_back_to_login_and_then_to_the_page(
        self, tab: Page, server: LiveServer, sessions: sessionmaker[Session]
    ) -> None:
        make_user(sessions, "tako", "admin")
        log_in(tab, server, "tako")
        tab.wait_for_url(f"{server.url}/console/")
        with transaction(sessions) as session:
            session.execute(update(StaffSession).values(expires_at=utcnow() - timedelta(1)))
        tab.goto(f"{server.url}/console/settings/users")
        assert "/console/login?next=%2Fconsole%2Fsettings%2Fusers" in tab.url
        tab.get_by_label("Name").fill("tako")
        tab.get_by_label("Password").fill(PASSWORD)
        tab.get_by_role("button", name="Log in").click()
        tab.wait_for_url(f"{server.url}/console/settings/users")

    def test_an_agent_gets_the_403_page_and_a_settings_post_is_refused(
        self, tab: Page, server: LiveServer, sessions: sessionmaker[Session]
    ) -> None:
        make_user(sessions, "operator", "agent")
        log_in(tab, server, "operator")
        tab.wait_for_url(f"{server.url}/console/")
        navigation = tab.get_by_role("navigation", name="Main navigation")
        assert navigation.get_by_role("link", name="Settings").count() == 0
        answer = tab.goto(f"{server.url}/console/settings/sources")
        assert answer is not None
        assert answer.status == 403
        assert tab.get_by_role("heading", name="Not allowed").is_visible()
        # With the agent's own valid CSRF token: the role, not the token, is what refuses.
        status = tab.evaluate(
            """async () => {
                const token = document.querySelector('input[name=csrf_token]').value;
                const body = new URLSearchParams({name: 'agent_purpose', csrf_token: token});
                return (await fetch('/console/settings/purposes', {method: 'POST', body})).status;
            }"""
        )
        assert status == 403
        with sessions() as session:
            assert session.execute(select(func.count()).select_from(ConsentPurpose)).scalar() == 0


class TestHebrew:
    @pytest.mark.parametrize("width", [1366, 390])
    def test_hebrew_is_right_to_left_with_the_navigation_on_the_right(
        self, browser: Browser, server: LiveServer, sessions: sessionmaker[Session], width: int
    ) -> None:
        make_user(sessions, "דנה", "admin")
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        page.goto(f"{server.url}/console/login?lang=he")
        assert page.locator("html").get_attribute("dir") == "rtl"
        page.get_by_label("שם").fill("דנה")
        page.get_by_label("סיסמה").fill(PASSWORD)
        page.get_by_role("button", name="כניסה").click()
        page.wait_for_url(f"{server.url}/console/")
        assert page.locator("html").get_attribute("lang") == "he"  # the cookie remembered it
        nav = page.locator("nav.sidebar").bounding_box()
        main = page.locator("main").bounding_box()
        assert nav
        assert main
        if width > 800:  # beside the content, on the right
            assert nav["x"] > main["x"]
        else:  # above the content; its first link starts at the right edge
            first = page.locator("nav.sidebar a").first.bounding_box()
            assert first
            assert first["x"] + first["width"] > width * 0.6
        assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        context.close()


class TestAccessibility:
    @pytest.mark.parametrize("language", ["en", "he"])
    def test_axe_finds_no_serious_violations_on_any_page(
        self, tab: Page, server: LiveServer, sessions: sessionmaker[Session], language: str
    ) -> None:
        make_user(sessions, "auditor", "admin")
        axe = Axe()
        found: dict[str, list[str]] = {}
        tab.goto(f"{server.url}/console/login?lang={language}")
        found["/console/login"] = _serious(axe, tab)
        tab.locator("#login-name").fill("auditor")
        tab.locator("#login-password").fill(PASSWORD)
        tab.locator("button.primary").click()
        tab.wait_for_url(f"{server.url}/console/")
        for path in OWN_PAGES:
            tab.goto(f"{server.url}{path}")
            found[path] = _serious(axe, tab)
        assert {path: v for path, v in found.items() if v} == {}


def _serious(axe: Axe, page: Page) -> list[str]:
    violations = axe.run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in violations
        if v["impact"] in {"serious", "critical"}
    ]


def test_static_files_are_served_from_the_package(server: LiveServer, tmp_path: Path) -> None:
    import httpx

    htmx = httpx.get(f"{server.url}/console/static/vendor/htmx.min.js")
    assert htmx.status_code == 200
    assert "htmx" in htmx.text[:200]
