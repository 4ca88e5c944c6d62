# ruff: noqa: RUF001  (Georgian and Hebrew names are the point)
"""GET /api/segments/{id}/export.csv: the columns a marketer needs (identifiers and traits),
only for roles holding segments:export_pii; ids for every segment reader; CSV that survives
commas, quotes, newlines, any script and spreadsheet formulas."""

import csv
import io
from collections.abc import Callable

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import make_token
from tests.segments.conftest import START, Api, identify

EVERYONE = 'exists(trait("first_name"))'


@pytest.fixture
def segment(api: Api, process: Callable[[], int]) -> dict[str, int]:
    api.send(
        identify(
            "nino", START, first_name="ნინო", last_name="ბერიძე", city="თბილისი",
            email="Nino@Example.GE", phone="+995 555 12 34 56", language="ka", vip=True,
        ),
        identify(
            "yossi", START, first_name="יוסי", last_name='פרץ, "הבן"', city="תל אביב",
            email="yossi@example.co.il", note="line one\nline two",
        ),
        identify(
            "mallory", START, first_name="=HYPERLINK(\"http://evil\",\"x\")", last_name="@SUM(A1)",
            city="-2+3+cmd|' /C calc'!A0", email="m@example.com", note="+SUM(1)",
            tags=["a", "b"],
        ),
    )  # fmt: skip
    process()
    created = api.post("/api/segments", {"name": "everyone", "text": EVERYONE})
    assert created.status_code == 201, created.text
    ids = {user: api.profile(user) for user in ("nino", "yossi", "mallory")}
    return {"segment": created.json()["segment"]["id"], **ids}


def export(api: Api, token: str, segment_id: int, columns: str | None = None) -> httpx.Response:
    params = {} if columns is None else {"columns": columns}
    return api.client.get(
        f"/api/segments/{segment_id}/export.csv",
        params=params,
        headers={"Authorization": f"Bearer {token}"},
    )


def table(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.text, newline="")))


def by_id(rows: list[dict[str, str]]) -> dict[int, dict[str, str]]:
    return {int(row["profile_id"]): row for row in rows}


class TestColumnsByRole:
    def test_a_marketer_gets_names_contacts_and_cities_by_default(
        self, api: Api, segment: dict[str, int], sessions: sessionmaker[Session]
    ) -> None:
        response = export(api, make_token(sessions, "marketer"), segment["segment"])
        rows = table(response)
        assert response.text.splitlines()[0] == (
            "profile_id,email,phone,first_name,last_name,city,country,language,entered_at"
        )
        nino = by_id(rows)[segment["nino"]]
        assert nino["email"] == "nino@example.ge"  # the normalized identifier
        assert nino["phone"] == "+995555123456"  # a plain phone number is not neutralised
        assert (nino["first_name"], nino["city"], nino["language"]) == ("ნინო", "თბილისი", "ka")
        assert nino["country"] == ""  # a trait the profile lacks is an empty cell
        assert nino["entered_at"].endswith("Z")

    def test_an_admin_chooses_identifiers_and_traits_by_name(
        self, api: Api, segment: dict[str, int]
    ) -> None:
        rows = table(export(api, api.token, segment["segment"], "user_id,first_name,vip,tags"))
        assert list(rows[0]) == ["user_id", "first_name", "vip", "tags"]
        values = {row["user_id"]: row for row in rows}
        assert values["nino"]["vip"] == "true"
        assert values["mallory"]["tags"] == '["a","b"]'

    def test_an_analyst_gets_ids_by_default_and_may_ask_for_them(
        self, api: Api, segment: dict[str, int], sessions: sessionmaker[Session]
    ) -> None:
        analyst = make_token(sessions, "analyst")
        rows = table(export(api, analyst, segment["segment"]))
        assert list(rows[0]) == ["profile_id", "entered_at"]
        expected = sorted(v for k, v in segment.items() if k != "segment")
        assert [int(r["profile_id"]) for r in rows] == expected
        only_ids = table(export(api, analyst, segment["segment"], "profile_id"))
        assert list(only_ids[0]) == ["profile_id"]

    def test_an_analyst_asking_for_personal_data_is_refused_with_the_columns_named(
        self, api: Api, segment: dict[str, int], sessions: sessionmaker[Session]
    ) -> None:
        analyst = make_token(sessions, "analyst")
        response = export(api, analyst, segment["segment"], "profile_id,email,city")
        assert response.status_code == 403
        body = response.json()
        assert body["error"] == "ExportColumnsForbidden"
        assert body["field"] == "columns"
        assert "may not export email, city" in body["detail"]
        assert "segments:export_pii" in body["detail"]

    def test_an_agent_reads_no_segment_at_all(
        self, api: Api, segment: dict[str, int], sessions: sessionmaker[Session]
    ) -> None:
        response = export(api, make_token(sessions, "agent"), segment["segment"], "profile_id")
        assert response.status_code == 403
        assert "segments:read" in response.json()["detail"]


class TestCsvSafety:
    def test_commas_quotes_newlines_and_scripts_round_trip(
        self, api: Api, segment: dict[str, int]
    ) -> None:
        response = export(api, api.token, segment["segment"], "profile_id,last_name,city,note")
        yossi = by_id(table(response))[segment["yossi"]]
        assert yossi["last_name"] == 'פרץ, "הבן"'
        assert yossi["city"] == "תל אביב"
        assert yossi["note"] == "line one\nline two"
        assert '"פרץ, ""הבן"""' in response.text  # RFC 4180 quoting, not ad-hoc escaping

    def test_cells_a_spreadsheet_would_run_as_formulas_are_neutralised(
        self, api: Api, segment: dict[str, int]
    ) -> None:
        response = export(
            api, api.token, segment["segment"], "profile_id,first_name,last_name,city,note"
        )
        mallory = by_id(table(response))[segment["mallory"]]
        assert mallory["first_name"] == '\'=HYPERLINK("http://evil","x")'
        assert mallory["last_name"] == "'@SUM(A1)"
        assert mallory["city"] == "'-2+3+cmd|' /C calc'!A0"
        assert mallory["note"] == "'+SUM(1)"


class TestBadColumns:
    @pytest.mark.parametrize(
        ("columns", "detail"),
        [
            ("email,,city", "comma-separated"),
            ("email;drop", "not a trait or identifier name"),
            ("email,email", "named twice"),
            (",".join(f"t{i}" for i in range(51)), "at most 50"),
        ],
    )
    def test_a_bad_column_list_is_a_400_naming_the_parameter(
        self, api: Api, segment: dict[str, int], columns: str, detail: str
    ) -> None:
        response = export(api, api.token, segment["segment"], columns)
        assert response.status_code == 400, response.text
        assert response.json()["field"] == "columns"
        assert detail in response.json()["detail"]
