# ruff: noqa: RUF001 - expected text in Russian, Georgian, Ukrainian and Armenian
"""The segment editor's refusals in the reader's language: the text form's errors (with the
position still marked), a builder row's, a save's, a reference's; and every message shape
the segment language answers with is one the console knows how to translate."""

import re
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.console.conftest import Login, csrf_of
from unison.console import i18n
from unison.console.segments import messages
from unison.segments.language import SegmentDefinitionInvalid, parse_text

Send = Callable[[list[dict[str, Any]]], None]
# One text per message shape of the language's parser and checks (segments.language).
BROKEN = [
    'trait("city") == "x" $',
    'trait("city") == "a\\qb"',
    'trait("city") == "x',
    'trait("city") == "x" trait("a") == 1',
    "== 5",
    'trait("city") == ,',
    'trait("city")',
    'performed("A" == 1',
    "exists(5)",
    'exists(performed("A"))',
    'performed("A", within="9d", within="8d") >= 1',
    'performed("A", within="9d", "B") >= 1',
    'performed("A", soon="9d") >= 1',
    'performed("A", within="nine") >= 1',
    'performed("A", within="9d", since="2026-01-01") >= 1',
    'trait("a", b=1) == 1',
    "trait(5) == 1",
    'reachabel("telegram")',
    'trait("a") in []',
    'trait("a") anniversary_within_days "x"',
    'trait("a") == ["x"]',
    'trait("a") starts_with 5',
    'trait("a") > true',
    'stat("first_seen") > "yesterday"',
    'stat("first_seen") > 5',
    'stat("nope") > 5',
    'stat("order_count") > "x"',
    'performed("A", where=[prop(5) == 1]) >= 1',
    'performed("A", where=[prop("x")]) >= 1',
]


@pytest.mark.parametrize("text", BROKEN)
def test_every_message_of_the_language_has_a_translation(text: str) -> None:
    with pytest.raises(SegmentDefinitionInvalid) as refused:
        parse_text(text)
    used: list[str] = []

    def russian(key: str, **values: object) -> str:
        used.append(key)
        return i18n.text("ru", key, **values)

    shown = messages.localized(russian, refused.value)
    assert "segments.error.other" not in used, refused.value.detail
    assert re.search("[а-яё]", shown), shown  # said in Russian
    assert "segments.error" not in shown  # no key left unfilled


def test_an_unknown_message_is_kept_after_a_translated_lead() -> None:
    hebrew = partial(i18n.text, "he")
    shown = messages.said(hebrew, "at character 3: something new upstream")
    assert shown == i18n.text("he", "segments.error.other", detail="something new upstream")
    assert "something new upstream" in shown


@pytest.fixture
def people(send: Send, process: Callable[[], int]) -> None:
    send([{"type": "identify", "userId": "u-1", "traits": {"city": "თბილისი"}}])
    process()


def _editor(client: TestClient, language: str) -> str:
    client.cookies.set(i18n.COOKIE, language)
    page = client.get("/console/segments/new")
    assert page.status_code == 200
    return csrf_of(page.text)


class TestInTheEditor:
    def test_text_error_in_russian_with_the_position_marked(
        self, as_role: Login, people: None
    ) -> None:
        client = as_role("marketer")
        token = _editor(client, "ru")
        text = 'trait("city") == "x" and reachabel("telegram")'
        answer = client.post(
            "/console/segments/builder/text", data={"csrf_token": token, "text": text}
        )
        assert answer.status_code == 200
        assert "Условия &#39;reachabel&#39; нет; допустимы:" in answer.text
        assert "unknown condition" not in answer.text
        marked = re.search(r'<mark class="error-at">(.)</mark>', answer.text)
        assert marked is not None
        assert marked.group(1) == "r"
        assert i18n.text("ru", "segments.error_at", position=text.index("reachabel")) in (
            answer.text
        )

    def test_builder_row_error_in_georgian_names_the_row(
        self, as_role: Login, people: None
    ) -> None:
        client = as_role("marketer")
        token = _editor(client, "ka")
        form = {"csrf_token": token, "join": "and", "r0_kind": "trait", "r0_name": "city"}
        form |= {"r0_op": "eq", "r0_value": "x", "r1_kind": "performed", "r1_name": "Order"}
        form |= {"r1_op": "gte", "r1_value": "twice", "text": ""}
        answer = client.post("/console/segments/builder/rows", data=form)
        assert answer.status_code == 200
        assert "პირობა 2: რაოდენობა მთელი რიცხვია." in answer.text
        assert 'class="row row-error" data-row="1"' in answer.text

    def test_unknown_segment_in_the_count_in_ukrainian(self, as_role: Login, people: None) -> None:
        client = as_role("marketer")
        token = _editor(client, "uk")
        count = client.post(
            "/console/segments/builder/count",
            data={"csrf_token": token, "text": 'in_segment("Nope")'},
        )
        assert "Сегмента з назвою &#39;Nope&#39; немає." in count.text

    def test_save_without_a_name_and_with_a_taken_name_in_armenian(
        self, as_role: Login, people: None
    ) -> None:
        client = as_role("marketer")
        token = _editor(client, "hy")
        form = {"csrf_token": token, "name": "", "text": 'trait("city") == "თბილისი"'}
        nameless = client.post("/console/segments/new", data=form)
        assert nameless.status_code == 400
        assert "Սեգմենտին անուն տվեք։" in nameless.text
        form["name"] = "Tbilisi"
        first = client.post("/console/segments/new", data=form, follow_redirects=False)
        assert first.status_code == 303
        again = client.post("/console/segments/new", data=form)
        assert again.status_code == 400
        assert "&#39;Tbilisi&#39; անունով սեգմենտ արդեն կա։" in again.text
        assert "already exists" not in again.text

    def test_explain_for_a_customer_who_does_not_exist_in_hebrew(
        self, as_role: Login, people: None
    ) -> None:
        client = as_role("marketer")
        token = _editor(client, "he")
        form = {"csrf_token": token, "name": "Tbilisi", "text": 'trait("city") == "თბილისი"'}
        saved = client.post("/console/segments/new", data=form, follow_redirects=False)
        page = client.get(saved.headers["location"].split("?")[0], params={"profile": "987654"})
        assert page.status_code == 200
        assert "אין לקוח #987654." in page.text
