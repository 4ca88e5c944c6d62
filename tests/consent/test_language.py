"""Customers see their own language: the profile's locale (a trait, or the locale its events
carried) comes before the browser's Accept-Language, which is read by quality weight."""

from collections.abc import Callable
from typing import Any

import pytest

from tests.consent.conftest import Api

EMAIL = "nino.japaridze@example.ge"
UNSUBSCRIBE_KA = "გამოწერის გაუქმება"
UNSUBSCRIBE_EN = "Unsubscribe"


def _customer(api: Api, process: Callable[[], int], **extra: Any) -> int:
    api.send(
        {
            "type": "identify",
            "userId": "u-nino",
            "messageId": "n1",
            "traits": {"email": EMAIL, **extra.get("traits", {})},
            "context": extra.get("context", {}),
        }
    )
    process()
    return api.profile_of("email", EMAIL)


def _unsubscribe_path(api: Api, pid: int) -> str:
    response = api.get(f"/api/profiles/{pid}/unsubscribe-headers", email=EMAIL)
    assert response.status_code == 200, response.text
    return str(response.json()["url"]).removeprefix("https://unison.example")


def _title(api: Api, path: str, **headers: str) -> str:
    page = api.client.get(path, headers=headers)
    assert page.status_code == 200, page.text
    return page.text.split("<h1>", 1)[1].split("</h1>", 1)[0]


class TestProfileLanguage:
    def test_a_georgian_customers_unsubscribe_link_opens_in_georgian_from_the_event_locale(
        self, api: Api, process: Callable[[], int]
    ) -> None:
        pid = _customer(api, process, context={"locale": "ka-GE"})
        assert _title(api, _unsubscribe_path(api, pid)) == UNSUBSCRIBE_KA

    def test_a_language_trait_is_used_and_comes_before_the_browsers_language(
        self, api: Api, process: Callable[[], int]
    ) -> None:
        pid = _customer(api, process, traits={"language": "ka"})
        path = _unsubscribe_path(api, pid)
        assert _title(api, path, **{"Accept-Language": "en-US,en;q=0.9"}) == UNSUBSCRIBE_KA
        assert _title(api, f"{path}?lang=en") == UNSUBSCRIBE_EN  # an explicit choice wins

    def test_the_preference_center_follows_the_profile_locale(
        self, api: Api, process: Callable[[], int]
    ) -> None:
        pid = _customer(api, process, traits={"locale": "he_IL"})
        link = api.post(f"/api/profiles/{pid}/preference-link", None).json()["url"]
        page = api.client.get(link.removeprefix("https://unison.example")).text
        assert '<html lang="he" dir="rtl">' in page


class TestAcceptLanguage:
    @pytest.mark.parametrize(
        ("header", "expected"),
        [
            ("en;q=0.1, ka;q=0.9", UNSUBSCRIBE_KA),
            ("fr-FR, ka;q=0.5, en;q=0.4", UNSUBSCRIBE_KA),
            ("ka;q=0, en", UNSUBSCRIBE_EN),
            ("ka-GE;level=1;q=0.8, en;q=0.7", UNSUBSCRIBE_KA),
        ],
    )
    def test_quality_weights_decide_when_the_profile_has_no_locale(
        self, api: Api, process: Callable[[], int], header: str, expected: str
    ) -> None:
        pid = _customer(api, process)
        assert _title(api, _unsubscribe_path(api, pid), **{"Accept-Language": header}) == expected

    def test_no_locale_and_no_header_is_english(self, api: Api, process: Callable[[], int]) -> None:
        pid = _customer(api, process)
        assert _title(api, _unsubscribe_path(api, pid)) == UNSUBSCRIBE_EN
