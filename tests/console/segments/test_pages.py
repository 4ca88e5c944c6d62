"""The segment pages: the list, the editor whose builder and text follow each other, errors
at their position, saving, explain, the chart and the CSV export."""

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.console.conftest import Login, csrf_of
from unison.auth import audit
from unison.segments import service

Send = Callable[[list[dict[str, Any]]], None]


@pytest.fixture
def people(send: Send, process: Callable[[], int]) -> None:
    cities = ["თბილისი", "თბილისი", "ბათუმი", "Ереван"]
    send(
        [
            {"type": "identify", "userId": f"u-{n}", "traits": {"city": c, "name": f"Person {n}"}}
            for n, c in enumerate(cities)
        ]
    )
    process()


def _editor(client: TestClient) -> str:
    page = client.get("/console/segments/new")
    assert page.status_code == 200
    return csrf_of(page.text)


class TestEditor:
    def test_builder_rows_come_back_as_text_with_the_live_count(
        self, as_role: Login, people: None
    ) -> None:
        client = as_role("marketer")
        token = _editor(client)
        form = {"csrf_token": token, "join": "and", "r0_kind": "trait", "r0_name": "city"}
        form |= {"r0_op": "eq", "r0_value": "თბილისი", "text": ""}
        answer = client.post("/console/segments/builder/rows", data=form)
        assert answer.status_code == 200
        assert 'id="segment-text"' in answer.text
        assert "trait(&#34;city&#34;) == &#34;თბილისი&#34;" in answer.text
        assert 'hx-post="/console/segments/builder/count"' in answer.text  # loads the count
        count = client.post(
            "/console/segments/builder/count",
            data={"csrf_token": token, "text": 'trait("city") == "თბილისი"'},
        )
        assert "2 customers match now" in count.text
        assert "Person 0" in count.text

    def test_text_comes_back_as_builder_rows(self, as_role: Login, people: None) -> None:
        client = as_role("marketer")
        token = _editor(client)
        text = 'trait("city") == "ბათუმი" or performed("Order Completed", within="30d") >= 2'
        answer = client.post(
            "/console/segments/builder/text", data={"csrf_token": token, "text": text}
        )
        assert answer.status_code == 200
        assert 'id="builder"' in answer.text
        assert re.search(r'name="r0_value" value="ბათუმი"', answer.text)
        assert re.search(r'name="r1_name" value="Order Completed"', answer.text)
        assert re.search(r'<option value="or" selected>', answer.text)
        count = client.post(
            "/console/segments/builder/count", data={"csrf_token": token, "text": text}
        )
        assert "1 customers match now" in count.text

    def test_a_segment_that_does_not_exist_is_named_in_the_count(
        self, as_role: Login, people: None
    ) -> None:
        client = as_role("marketer")
        token = _editor(client)
        text = 'in_segment("Nope")'
        count = client.post(
            "/console/segments/builder/count", data={"csrf_token": token, "text": text}
        )
        assert "no segment named &#39;Nope&#39;" in count.text

    def test_invalid_text_is_shown_with_the_error_at_its_position(
        self, as_role: Login, people: None
    ) -> None:
        client = as_role("marketer")
        token = _editor(client)
        text = 'trait("city") == "x" and perfomed("Order")'
        answer = client.post(
            "/console/segments/builder/text", data={"csrf_token": token, "text": text}
        )
        assert answer.status_code == 200
        marked = re.search(r'<mark class="error-at">(.)</mark>', answer.text)
        assert marked is not None
        position = text.index("perfomed")
        assert marked.group(1) == text[position]
        assert f"position {position}" in answer.text

    def test_saving_creates_the_segment_and_audits_it(
        self, as_role: Login, people: None, sessions: sessionmaker[Session]
    ) -> None:
        client = as_role("marketer", "nana")
        token = _editor(client)
        form = {
            "csrf_token": token,
            "name": "Tbilisi",
            "description": "",
            "text": 'trait("city") == "თბილისი"',
        }
        saved = client.post("/console/segments/new", data=form, follow_redirects=False)
        assert saved.status_code == 303
        page = client.get(saved.headers["location"])
        assert "2 members now" in page.text
        listing = client.get("/console/segments")
        assert "Tbilisi" in listing.text
        with sessions() as session:
            (entry,) = [e for e in audit.entries(session) if e.action == "segment.save"]
        assert entry.actor == "user:nana"

    def test_a_refused_save_keeps_the_form_and_saves_nothing(
        self, as_role: Login, people: None, sessions: sessionmaker[Session]
    ) -> None:
        client = as_role("marketer")
        token = _editor(client)
        form = {"csrf_token": token, "name": "Broken", "text": 'trait("city") =='}
        answer = client.post("/console/segments/new", data=form)
        assert answer.status_code == 400
        assert 'value="Broken"' in answer.text
        assert "error-at" in answer.text
        with sessions() as session:
            assert service.segments_list(session) == []

    def test_an_analyst_reads_but_may_not_edit(self, as_role: Login, people: None) -> None:
        client = as_role("analyst")
        assert client.get("/console/segments").status_code == 200
        assert client.get("/console/segments/new").status_code == 403


class TestOneSegment:
    @pytest.fixture
    def segment(self, as_role: Login, people: None) -> tuple[TestClient, int]:
        client = as_role("marketer")
        token = _editor(client)
        form = {"csrf_token": token, "name": "Tbilisi", "text": 'trait("city") == "თბილისი"'}
        saved = client.post("/console/segments/new", data=form, follow_redirects=False)
        return client, int(saved.headers["location"].split("/")[-1].split("?")[0])

    def test_explain_for_a_customer_found_by_name(self, segment: tuple[TestClient, int]) -> None:
        client, segment_id = segment
        page = client.get(f"/console/segments/{segment_id}", params={"profile": "Person 2"})
        assert "is not in the segment" in page.text
        assert "ბათუმი" in page.text  # the value the condition saw

    def test_the_latest_entries_load_after_the_page(self, segment: tuple[TestClient, int]) -> None:
        client, segment_id = segment
        page = client.get(f"/console/segments/{segment_id}")
        assert f'hx-get="/console/segments/{segment_id}/history"' in page.text
        history = client.get(f"/console/segments/{segment_id}/history")
        assert history.text.count(">entered<") == 2
        assert history.text.count(">recompute<") == 2  # the trigger, from the catalogue
        client.cookies.set("unison_lang", "ru")
        in_russian = client.get(f"/console/segments/{segment_id}/history")
        assert in_russian.text.count(">пересчёт<") == 2

    def test_the_chart_is_an_svg_with_its_table(self, segment: tuple[TestClient, int]) -> None:
        client, segment_id = segment
        chart = client.get(f"/console/segments/{segment_id}/chart")
        assert chart.status_code == 200
        assert "<svg" in chart.text
        assert "Members over the last 90 days" in chart.text

    def test_the_csv_export_follows_the_role(self, segment: tuple[TestClient, int]) -> None:
        client, segment_id = segment
        csv = client.get(f"/console/segments/{segment_id}/export.csv")
        assert csv.status_code == 200
        header, *rows = csv.text.strip().split("\r\n")
        assert header.startswith("profile_id,email,phone,first_name")
        assert len(rows) == 2

    def test_an_unknown_segment_is_404(self, segment: tuple[TestClient, int]) -> None:
        client, _ = segment
        assert client.get("/console/segments/987654").status_code == 404
