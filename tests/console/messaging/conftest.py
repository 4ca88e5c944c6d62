"""Messaging pages' fixtures: messaging's settings (no background work, quiet hours off),
customers through ingest and the processors, consent through the API; the console client
logged in as a role; templates, segments and broadcasts made through the API."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.consent.conftest import Api, identify
from tests.messaging.conftest import api, client, gate, messaging_settings, process
from unison.kit.settings import Settings

__all__ = ["api", "client", "gate", "process"]


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Messaging's test settings; the tests also run the broadcasts' fan-out themselves."""
    return messaging_settings(database_url, broadcasts_enabled=False)


PEOPLE = [
    ("u-nino", "ნინო ჯაფარიძე", "nino@example.ge", "+995599123456", "ka"),
    ("u-yael", "יעל כהן", "yael@example.co.il", "+972501234567", "he"),
    ("u-aram", "Արամ Պետրոսյան", "aram@example.am", "+37491234567", "hy"),
]


def people(api: Api, process: Callable[[], int], city: str = "Tbilisi") -> dict[str, int]:
    """Three customers in `city`, each with an email, a phone and a language; marketing
    email granted to all. Returns their profile ids by user id."""
    api.send(
        *(
            identify(
                user, f"{user}-id", name=name, email=email, phone=phone, locale=lang, city=city
            )
            for user, name, email, phone, lang in PEOPLE
        )
    )
    process()
    ids = {user: api.profile_of("email", email) for user, _, email, _, _ in PEOPLE}
    for pid in ids.values():
        change = {"purpose": "marketing", "channel": "email", "status": "granted"}
        assert api.record(pid, change).status_code == 201
    return ids


def segment(api: Api, city: str = "Tbilisi") -> int:
    created = api.post("/api/segments", {"name": city, "text": f'trait("city") == "{city}"'})
    assert created.status_code == 201, created.text
    return int(created.json()["segment"]["id"])


def template(api: Api, name: str = "news", channel: str = "email", **variants: Any) -> int:
    body = {
        "name": name,
        "channel": channel,
        "variants": variants or {"en": {"subject": "Hi {{ traits.name }}", "text": "News"}},
    }
    response = api.post("/api/templates", body)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def csrf(console: TestClient, path: str) -> str:
    from tests.console.conftest import csrf_of

    page = console.get(path)
    assert page.status_code == 200, page.text
    return csrf_of(page.text)
