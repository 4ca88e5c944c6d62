"""One preference-center save is one timeline entry carrying all its changes, and the
timeline lets Unison's own (system) events in or out."""

import re
from collections.abc import Callable
from typing import Any

from tests.consent.conftest import Api, identify

EMAIL, PHONE = "dana@example.co.il", "+972501234567"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
PURPOSES = ("newsletter", "promotions", "product_updates", "surveys")


def _dana(api: Api, process: Callable[[], int]) -> int:
    api.send(identify("u-dana", "d1", email=EMAIL, phone=PHONE, name="דנה לוי"))
    process()
    return api.profile_of("email", EMAIL)


def _save_everything_on(api: Api, pid: int) -> None:
    link = api.post(f"/api/profiles/{pid}/preference-link", None).json()["url"]
    path = link.removeprefix("https://unison.example")
    page = api.client.get(path).text
    boxes = sorted({b for b in _checkboxes(page) if b.startswith("c:")})
    assert len(boxes) >= 8, boxes  # several purposes on email and sms
    saved = api.client.post(path, content="&".join(f"{b}=on" for b in boxes), headers=FORM)
    assert saved.status_code == 200, saved.text


def _checkboxes(page: str) -> list[str]:
    return re.findall(r'<input type="checkbox"[^>]* name="([^"]+)"', page)


def _timeline(api: Api, pid: int, **params: Any) -> list[dict[str, Any]]:
    response = api.get(f"/api/profiles/{pid}/timeline", **params)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


class TestOneSaveOneEntry:
    def test_a_save_that_changes_many_preferences_is_one_timeline_entry_with_every_change(
        self, api: Api, process: Callable[[], int]
    ) -> None:
        pid = _dana(api, process)
        _save_everything_on(api, pid)
        process()
        history = api.get(f"/api/profiles/{pid}/consents/history").json()["items"]
        assert len(history) >= 8
        changed = [e for e in _timeline(api, pid) if e["event"] == "consent.changed"]
        assert len(changed) == 1
        properties = changed[0]["payload"]["properties"]
        assert properties["count"] == len(history)
        assert properties["source"] == "preference_center"
        assert sorted(c["record_id"] for c in properties["changes"]) == sorted(
            h["id"] for h in history
        )


class TestSystemFilter:
    def test_system_events_can_be_left_out_shown_alone_or_included(
        self, api: Api, process: Callable[[], int]
    ) -> None:
        pid = _dana(api, process)
        api.record(pid, {"purpose": "newsletter", "channel": "sms", "status": "granted"})
        process()
        everything = [e["event"] for e in _timeline(api, pid)]
        assert sorted(everything, key=str) == sorted([None, "consent.changed"], key=str)
        assert [e["event"] for e in _timeline(api, pid, system="exclude")] == [None]
        assert [e["event"] for e in _timeline(api, pid, system="only")] == ["consent.changed"]
        assert [e["source"] for e in _timeline(api, pid, system="only")] == ["unison-consent"]
        bad = api.get(f"/api/profiles/{pid}/timeline", system="sometimes")
        assert bad.status_code == 400, bad.text
        assert bad.json()["field"] == "system", bad.json()
