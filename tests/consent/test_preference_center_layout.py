"""The preference center in a real browser: no sideways scrolling on a 390 px phone or a
desktop, in all six languages, Hebrew right to left; one block per purpose whose checkboxes
are named by their channel alone. Screenshots land in pytest's temporary directory."""

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.browser import DESKTOP, PHONE, overflows_sideways
from tests.consent.conftest import Api
from unison.consent.preference_center.i18n import LANGUAGES, text

EMAIL = "natela.tsereteli-abashidze@example.ge"
PURPOSES = 5  # service, marketing, newsletter, promotions, surveys (the defaults)


def _reachable_everywhere(api: Api, process: Callable[[], int]) -> int:
    """A customer with an address on every channel: the widest form there is."""
    api.send(
        {
            "type": "identify",
            "userId": "u-natela",
            "messageId": "l1",
            "traits": {
                "email": EMAIL,
                "phone": "+995599123456",
                "telegram_id": "574839201",
                "viber_id": "01234567890A=",
                "name": "ნათელა წერეთელი-აბაშიძე",
            },
        }
    )
    process()
    return api.profile_of("email", EMAIL)


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("preference-center")


class TestPhoneAndDesktop:
    @pytest.mark.parametrize("language", LANGUAGES)
    def test_the_preference_center_fits_a_phone_and_a_desktop_without_sideways_scrolling(
        self,
        api: Api,
        process: Callable[[], int],
        page: Page,
        screenshots: Path,
        language: str,
    ) -> None:
        pid = _reachable_everywhere(api, process)
        link = api.post(f"/api/profiles/{pid}/preference-link?language={language}", None)
        html = api.client.get(link.json()["url"].removeprefix("https://unison.example")).text
        for width in (PHONE, DESKTOP):
            page.set_viewport_size({"width": width, "height": 900})
            page.set_content(html)
            page.screenshot(path=screenshots / f"{language}-{width}.png", full_page=True)
            assert not overflows_sideways(page), f"{language} at {width} px scrolls sideways"
        expected = "rtl" if language == "he" else "ltr"
        assert page.evaluate("document.documentElement.dir") == expected
        assert page.locator("fieldset.purpose").count() == PURPOSES
        channel_names = {text(language, f"channel.{c}") for c in self._channels(page)}
        labels = page.locator("fieldset.purpose label").all_inner_texts()
        assert labels
        assert set(labels) <= channel_names  # each box is named by its channel alone

    @staticmethod
    def _channels(page: Page) -> list[str]:
        names = page.locator("fieldset.purpose input[type=checkbox]").evaluate_all(
            "boxes => boxes.map(b => b.name.split(':')[2])"
        )
        return [str(n) for n in names]
