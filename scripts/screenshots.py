"""`make screenshots`: PNGs of the console's main pages, in English and Hebrew, at desktop
(1366x900) and phone (390x844) sizes, written to screenshots/ (gitignored).

A throwaway SQLite database gets the demo dataset and a console administrator; a real
`unison serve` answers and processes the demo; then, through the product's own commands, the
CLV refresh runs and a segment is created, so the pages show real data: the customer value
charts, a segment with members and its chart, the editor on its condition with the live
count, and the profile of one of its members with their timeline. Debian's /usr/bin/chromium
(driven by Playwright) takes the pictures, after every part a page loads on its own (htmx
`load` boxes: charts, counts, history) has arrived. Areas add their pages to PAGES.
"""

import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import Browser, Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "screenshots"
UNISON = [sys.executable, "-m", "unison"]
CHROMIUM = "/usr/bin/chromium"
VIEWPORTS = {"desktop": (1366, 900), "phone": (390, 844)}
LANGUAGES = ("en", "he")
ADMIN = "screenshots"
SEGMENT = ("Tbilisi buyers", 'trait("city") == "თბილისი" and performed("Order Completed") >= 1')
# (file name, path) of each page pictured logged in as an administrator.
PAGES: list[tuple[str, str]] = [
    ("home", "/console/"),
    ("customers", "/console/customers"),
    ("customers-search", "/console/customers?q=%2B995"),
    ("customer", "{customer}"),
    ("segments", "/console/segments"),
    ("segment", "{segment}"),
    ("segment-editor", "{segment}/edit"),
    ("segment-new", "/console/segments/new"),
    ("value", "/console/value"),
    ("settings-sources", "/console/settings/sources"),
    ("settings-connectors", "/console/settings/connectors"),
    ("settings-purposes", "/console/settings/purposes"),
    ("settings-users", "/console/settings/users"),
    ("settings-audit", "/console/settings/audit"),
    ("password", "/console/account/password"),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def prepare(env: dict[str, str], password: str) -> None:
    """The demo data, a connector (so its page shows one) and the administrator."""
    demo = [*UNISON, "demo"]
    subprocess.run(demo, env=env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603 - ours
    connector = [*UNISON, "connectors", "create", "telegram", "--name", "support-bot"]
    subprocess.run(connector, env=env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603
    create = [*UNISON, "users", "create", ADMIN, "--role", "admin", "--password-stdin"]
    subprocess.run(create, env=env, input=password + "\n", text=True, check=True)  # noqa: S603


def wait_until_processed(url: str, patience: float = 600.0) -> None:
    """Until the server answers and every log processor has caught up with the demo."""
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        try:
            health = httpx.get(f"{url}/health", timeout=5).json()
            behind = [p["behind_events"] for p in health.get("processors", {}).values()]
            if health.get("status") == "ok" and behind and not any(behind):
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)  # polling a separate process for readiness
    raise SystemExit(f"the server did not finish processing the demo in {patience:.0f} s")


def with_data(env: dict[str, str], url: str) -> None:
    """The CLV refresh and a segment, once the demo is processed (the server keeps running:
    the segment's members and the CLV traits land beside what it has projected)."""
    subprocess.run([*UNISON, "clv", "refresh"], env=env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603
    name, text = SEGMENT
    create = [*UNISON, "segments", "create", name, "--text", text]
    subprocess.run(create, env=env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603 - ours
    wait_until_processed(url)


def log_in(page: Page, url: str, password: str) -> None:
    page.goto(f"{url}/console/login")
    page.fill("#login-name", ADMIN)
    page.fill("#login-password", password)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{url}/console/")


def settled(page: Page) -> None:
    """Until the page's own follow-up requests (htmx `load` boxes) have answered."""
    page.wait_for_load_state("networkidle")
    page.wait_for_function("!document.querySelector('.htmx-request, .htmx-settling')")


def real_paths(page: Page, url: str) -> dict[str, str]:
    """The segment made by with_data and the first of its members (read off the pages)."""
    page.goto(f"{url}/console/segments")
    segment = page.get_by_role("link", name=SEGMENT[0]).get_attribute("href")
    page.goto(f"{url}{segment}")
    members = page.locator("main a[href^='/console/customers/']")
    hrefs = [members.nth(i).get_attribute("href") or "" for i in range(members.count())]
    customers = [h for h in hrefs if re.fullmatch(r"/console/customers/\d+", h)]
    if not segment or not customers:
        raise SystemExit(f"no segment {SEGMENT[0]!r} with members to picture")
    return {"segment": segment, "customer": customers[0]}


def overflows(page: Page) -> bool:
    """The page is wider than the window (a phone would scroll it sideways)."""
    return bool(page.evaluate("document.documentElement.scrollWidth > window.innerWidth"))


def shoot(browser: Browser, url: str, password: str) -> int:
    taken, paths, wide = 0, None, []
    for size, (width, height) in VIEWPORTS.items():
        for language in LANGUAGES:
            context = browser.new_context(viewport={"width": width, "height": height})
            page = context.new_page()
            page.goto(f"{url}/console/login?lang={language}")
            page.screenshot(path=OUT / f"login-{language}-{size}.png", full_page=True)
            log_in(page, url, password)
            paths = paths or real_paths(page, url)
            for name, pattern in PAGES:
                path = pattern.format(**paths)
                joiner = "&" if "?" in path else "?"
                page.goto(f"{url}{path}{joiner}lang={language}")
                settled(page)
                page.screenshot(path=OUT / f"{name}-{language}-{size}.png", full_page=True)
                if overflows(page):
                    wide.append(f"{name}-{language}-{size}")
                taken += 1
            context.close()
            taken += 1
    if wide:
        print(f"wider than the window (scrolls sideways): {', '.join(wide)}", file=sys.stderr)
    return taken


def main() -> None:
    OUT.mkdir(exist_ok=True)
    password = secrets.token_urlsafe(16)
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "UNISON_DATABASE_URL": f"sqlite:///{tmp}/screenshots.db",
            "UNISON_SQLITE_SYNCHRONOUS": "NORMAL",
            "UNISON_LOG_JSON": "false",
        }
        prepare(env, password)
        port = free_port()
        serve = [*UNISON, "serve", "--processes", "1", "--port", str(port)]
        server = subprocess.Popen(  # noqa: S603 - our own command
            serve, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until_processed(url)
            with_data(env, url)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
                taken = shoot(browser, url, password)
                browser.close()
        finally:
            server.terminate()
            server.wait(30)
    print(f"{taken} screenshots in {OUT.relative_to(ROOT)}/")


if __name__ == "__main__":
    main()
