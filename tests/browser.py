"""Headless Chromium for tests that look at rendered pages (the preference center now, the
console later): Debian's /usr/bin/chromium driven by Playwright.

`make test` installs the Debian package when it is missing (`make chromium`); Playwright's
own browser download (`playwright install`) is never used.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
PHONE, DESKTOP = 390, 1280  # CSS pixels: an iPhone 12-15 screen, a laptop


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium` (Debian's chromium package)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": DESKTOP, "height": 900})
    yield context.new_page()
    context.close()


def overflows_sideways(page: Page) -> bool:
    """Whether the page is wider than the window (the reader would scroll sideways)."""
    return bool(page.evaluate("document.documentElement.scrollWidth > window.innerWidth"))
