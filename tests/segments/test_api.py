"""/api/segments: create, update (re-evaluates), delete, list, preview, members, CSV,
explanations, a profile's segments; bad definitions name the node or character."""

from collections.abc import Callable
from datetime import timedelta

import pytest

from tests.conftest import make_token
from tests.segments.conftest import Api, identify, track
from unison.kit.clock import utcnow

NOW = utcnow()
DAY = timedelta(days=1)


@pytest.fixture
def shoppers(api: Api, process: Callable[[], int]) -> dict[str, int]:
    api.send(
        identify("nino", NOW - 10 * DAY, city="Tbilisi", email="nino@example.ge"),
        identify("armen", NOW - 10 * DAY, city="Yerevan"),
        identify("olena", NOW - 10 * DAY, city="Tbilisi"),
        track("nino", "Order Completed", NOW - 3 * DAY, revenue=30),
        track("nino", "Order Completed", NOW - 2 * DAY, revenue=40),
        track("olena", "Order Completed", NOW - 200 * DAY, revenue=70),
    )
    process()
    return {name: api.profile(name) for name in ("nino", "armen", "olena")}


BUYERS = 'performed("Order Completed", within="90d") >= 2 and trait("city") == "Tbilisi"'


class TestLifecycle:
    def test_create_list_update_delete(self, api: Api, shoppers: dict[str, int]) -> None:
        created = api.post("/api/segments", {"name": "Tbilisi buyers", "text": BUYERS})
        assert created.status_code == 201, created.text
        body = created.json()
        assert body["recomputed"]["members"] == 1
        segment = body["segment"]
        assert segment["definition"]["kind"] == "and"
        assert segment["text"] == BUYERS
        listed = api.get("/api/segments").json()
        assert [s["name"] for s in listed] == ["Tbilisi buyers"]
        updated = api.patch(
            f"/api/segments/{segment['id']}", {"text": 'trait("city") == "Tbilisi"'}
        )
        assert updated.status_code == 200, updated.text
        assert updated.json()["recomputed"] == {
            **updated.json()["recomputed"],
            "entered": 1,
            "exited": 0,
            "members": 2,
        }
        assert updated.json()["segment"]["version"] == 2
        history = api.get(f"/api/segments/{segment['id']}/history").json()
        assert [h["change"] for h in history] == ["entered", "entered"]
        assert api.delete(f"/api/segments/{segment['id']}").status_code == 204
        assert api.get(f"/api/segments/{segment['id']}").status_code == 404

    def test_json_definition_and_duplicate_name(self, api: Api, shoppers: dict[str, int]) -> None:
        body = {
            "name": "ka",
            "definition": {"kind": "trait", "name": "city", "op": "eq", "value": "Tbilisi"},
        }
        assert api.post("/api/segments", body).status_code == 201
        again = api.post("/api/segments", body)
        assert again.status_code == 409
        assert again.json()["field"] == "name"


class TestPreviewMembersExport:
    def test_preview_counts_without_saving(self, api: Api, shoppers: dict[str, int]) -> None:
        found = api.post(
            "/api/segments/preview", {"text": 'trait("city") == "Tbilisi"', "sample": 1}
        )
        assert found.status_code == 200, found.text
        assert found.json()["count"] == 2
        assert found.json()["sample"] == [min(shoppers["nino"], shoppers["olena"])]
        assert api.get("/api/segments").json() == []

    def test_members_pages_and_csv(self, api: Api, shoppers: dict[str, int]) -> None:
        segment = api.post(
            "/api/segments", {"name": "all", "text": 'exists(trait("city"))'}
        ).json()["segment"]
        first = api.get(f"/api/segments/{segment['id']}/members", limit=2).json()
        assert len(first["items"]) == 2
        assert first["next_cursor"]
        rest = api.get(
            f"/api/segments/{segment['id']}/members", limit=2, cursor=first["next_cursor"]
        ).json()
        assert len(rest["items"]) == 1
        assert rest["next_cursor"] is None
        ids = [m["profile_id"] for m in first["items"] + rest["items"]]
        assert ids == sorted(shoppers.values())
        csv = api.get(f"/api/segments/{segment['id']}/export.csv")
        assert csv.status_code == 200
        lines = csv.text.strip().splitlines()
        assert lines[0].startswith("profile_id,")  # admins get a marketer's columns by default
        assert [int(line.split(",")[0]) for line in lines[1:]] == ids
        bad = api.get(f"/api/segments/{segment['id']}/members", cursor="garbage!")
        assert bad.status_code == 400
        assert bad.json()["field"] == "cursor"

    def test_profile_segments_and_explanation(self, api: Api, shoppers: dict[str, int]) -> None:
        segment = api.post("/api/segments", {"name": "buyers", "text": BUYERS}).json()["segment"]
        mine = api.get(f"/api/profiles/{shoppers['nino']}/segments").json()
        assert [s["name"] for s in mine] == ["buyers"]
        assert api.get(f"/api/profiles/{shoppers['armen']}/segments").json() == []
        why = api.get(f"/api/segments/{segment['id']}/explain/{shoppers['olena']}").json()
        assert why["member"] is False
        assert why["result"] is False
        performed, city = why["explanation"]["children"]
        assert performed["result"] is False
        assert performed["observed"] == 0
        assert performed["path"] == "$.all[0]"
        assert city["result"] is True
        assert city["observed"] == "Tbilisi"
        yes = api.get(f"/api/segments/{segment['id']}/explain/{shoppers['nino']}").json()
        assert yes["member"] is True
        assert yes["explanation"]["children"][0]["observed"] == 2
        assert api.get(f"/api/segments/{segment['id']}/explain/999999").status_code == 404


class TestBadInput:
    @pytest.mark.parametrize(
        ("body", "status", "field"),
        [
            ({"name": "x", "text": 'trait("city") = "x"'}, 400, "text@14"),
            (
                {
                    "name": "x",
                    "definition": {
                        "kind": "and",
                        "all": [{"kind": "trait", "name": "c", "op": "like", "value": "x"}],
                    },
                },
                400,
                "definition.all[0].op",
            ),
            (
                {
                    "name": "x",
                    "definition": {"kind": "performed", "event": "E", "window": {"last_days": -3}},
                },
                400,
                "definition.window.last_days",
            ),
            ({"name": "x", "text": 'in_segment("missing")'}, 400, "definition"),
            ({"name": "x", "text": 'reachable("email", purpose="nonsense")'}, 400, "definition"),
            ({"name": "x"}, 400, "definition"),
            (
                {"name": "x", "text": 'trait("a") == 1', "definition": {"kind": "and"}},
                400,
                "definition",
            ),
            ({"name": "", "text": 'trait("a") == 1'}, 422, "name"),
            ({"name": "x", "definition": [1, 2]}, 422, "definition"),
            ({"name": "x", "text": 'trait("a") == 1', "surprise": 1}, 422, "surprise"),
        ],
    )
    def test_bad_definitions_are_refused_with_their_place(
        self, api: Api, body: dict[str, object], status: int, field: str
    ) -> None:
        response = api.post("/api/segments", body)
        assert response.status_code == status, response.text
        assert response.json()["field"] == field, response.json()
        assert api.get("/api/segments").json() == []

    def test_a_cycle_is_refused(self, api: Api) -> None:
        a = api.post("/api/segments", {"name": "a", "text": 'trait("x") == 1'}).json()["segment"]
        api.post("/api/segments", {"name": "b", "text": 'in_segment("a")'})
        cycle = api.patch(f"/api/segments/{a['id']}", {"text": 'in_segment("b")'})
        assert cycle.status_code == 400
        assert "cycle" in cycle.json()["detail"]

    def test_roles(self, api: Api, sessions: object) -> None:
        analyst = make_token(sessions, "analyst")  # type: ignore[arg-type]
        agent = make_token(sessions, "agent")  # type: ignore[arg-type]
        headers = {"Authorization": f"Bearer {analyst}"}
        assert api.client.get("/api/segments", headers=headers).status_code == 200
        assert (
            api.client.post(
                "/api/segments", json={"name": "x", "text": 'trait("a") == 1'}, headers=headers
            ).status_code
            == 403
        )
        assert (
            api.client.get(
                "/api/segments", headers={"Authorization": f"Bearer {agent}"}
            ).status_code
            == 403
        )
