"""`make screenshots`: PNGs of the console's main pages, in English and Hebrew, at desktop
(1366x900) and phone (390x844) sizes, written to screenshots/ (gitignored).

A throwaway SQLite database gets the demo dataset and a console administrator; a real
`unison serve` answers; Debian's /usr/bin/chromium (driven by Playwright) takes the pictures.
Areas add their pages to PAGES.
"""

import os
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
# (file name, path) of each page pictured logged in as an administrator.
PAGES: list[tuple[str, str]] = [
    ("home", "/console/"),
    ("customers", "/console/customers"),
    ("customers-search", "/console/customers?q=%2B995"),
    ("segments", "/console/segments"),
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


def log_in(page: Page, url: str, password: str) -> None:
    page.goto(f"{url}/console/login")
    page.fill("#login-name", ADMIN)
    page.fill("#login-password", password)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{url}/console/")


def shoot(browser: Browser, url: str, password: str) -> int:
    taken = 0
    for size, (width, height) in VIEWPORTS.items():
        for language in LANGUAGES:
            context = browser.new_context(viewport={"width": width, "height": height})
            page = context.new_page()
            page.goto(f"{url}/console/login?lang={language}")
            page.screenshot(path=OUT / f"login-{language}-{size}.png", full_page=True)
            log_in(page, url, password)
            for name, path in PAGES:
                joiner = "&" if "?" in path else "?"
                page.goto(f"{url}{path}{joiner}lang={language}")
                page.screenshot(path=OUT / f"{name}-{language}-{size}.png", full_page=True)
                taken += 1
            context.close()
            taken += 1
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
