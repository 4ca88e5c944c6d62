"""Fuzzing the edges no schema describes: path and query parameters of any size or kind,
numbers at the float limits, deep nesting and huge strings. None may answer 5xx."""

import json
from typing import Any
from urllib.parse import quote

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))

TEMPLATES = [
    "/api/profiles/{}",
    "/api/profiles/{}/timeline",
    "/api/profiles/{}/merges",
    "/api/profiles/{}/consents",
    "/api/profiles/{}/reachability",
    "/api/profiles/{}/conversations",
    "/api/profiles/{}/segments",
    "/api/conversations/{}",
    "/api/conversations/{}/messages",
    "/api/events/{}",
    "/api/segments/{}",
    "/api/segments/{}/members",
    "/api/segments/{}/history",
    "/api/connectors/{}",
    "/hooks/whatsapp/{}",
]
QUERIES = ["limit", "cursor", "q", "type", "value", "since", "until", "at", "profile_id", "from"]
LIMITS = [1e308, -1e308, 5e-324, -5e-324, -0.0, 1e15, 2**63, 2**64, -(2**63) - 1, 10**30]

huge_ints = st.integers(min_value=-(2**80), max_value=2**80) | st.sampled_from(
    [2**63 - 1, 2**63, 2**64, -(2**63), 0, -1]
)
segments = (
    huge_ints.map(str)
    | st.sampled_from([*map(repr, LIMITS), "nan", "inf", "-0", "1e999", "0x10", "%00"])
    | st.text(max_size=40)
    | st.integers(min_value=1_000, max_value=20_000).map(lambda n: "9" * n)
)
numbers = st.sampled_from(LIMITS) | st.floats(allow_nan=False, allow_infinity=False) | huge_ints
leaves = numbers | st.text(max_size=20) | st.just("ა" * 50_000) | st.none() | st.booleans()


def _nested(depth: int, leaf: Any) -> Any:
    value = leaf
    for _ in range(depth):
        value = {"a": value}
    return value


class TestNulInAConnectorName:
    """Found by the fuzz test below on PostgreSQL, whose text cannot hold U+0000: the /hooks
    fast path looked the name up and answered 500. Now no such name reaches a query."""

    def test_a_hook_path_with_nul_is_an_unknown_connector_on_every_store(
        self, client: TestClient
    ) -> None:
        for path in ("/hooks/whatsapp/shop%00x", "/hooks/telegram/%00"):
            answer = client.get(path)
            assert answer.status_code == 404, answer.text
            assert answer.json()["field"] == "connector"
            posted = client.post(path, content=b"{}", headers={"Content-Type": "application/json"})
            assert posted.status_code == 404, posted.text


class TestPathAndQueryParameters:
    @FUZZ
    @given(template=st.sampled_from(TEMPLATES), segment=segments)
    def test_any_path_parameter_gets_a_non_5xx_answer(
        self, client: TestClient, admin_token: str, template: str, segment: str
    ) -> None:
        response = client.get(
            template.format(quote(segment, safe="")),
            headers={"Authorization": f"Bearer {admin_token}"},
        )
        assert response.status_code < 500, response.text
        if response.status_code >= 400:
            assert "error" in response.json()

    @FUZZ
    @given(
        template=st.sampled_from(["/api/events", "/api/profiles", *TEMPLATES[:4]]),
        segment=huge_ints.map(str),
        query=st.dictionaries(st.sampled_from(QUERIES), segments, max_size=4),
    )
    def test_any_query_parameters_get_a_non_5xx_answer(
        self,
        client: TestClient,
        admin_token: str,
        template: str,
        segment: str,
        query: dict[str, str],
    ) -> None:
        response = client.get(
            template.format(segment),
            params=query,
            headers={"Authorization": f"Bearer {admin_token}"},
        )
        assert response.status_code < 500, response.text


class TestEventsAtTheLimits:
    @FUZZ
    @given(
        path=st.sampled_from(["/v1/track", "/v1/identify", "/v1/page"]),
        properties=st.dictionaries(
            st.sampled_from(["revenue", "total", "price", "value", "count", "name"]),
            leaves,
            max_size=4,
        ),
        depth=st.integers(min_value=0, max_value=80),
        leaf=leaves,
    )
    def test_numbers_strings_and_nesting_at_the_limits_never_answer_5xx(
        self,
        client: TestClient,
        write_key: str,
        admin_token: str,
        path: str,
        properties: dict[str, Any],
        depth: int,
        leaf: Any,
    ) -> None:
        body = {
            "userId": "edge",
            "event": "Order Completed",
            "properties": properties,
            "traits": {"deep": _nested(depth, leaf)},
        }
        content = json.dumps(body).encode()  # the stdlib writes ints past 64 bits as digits
        for _ in range(2):  # twice: sums over the same profile must stay readable
            response = client.post(path, content=content, auth=(write_key, ""))
            assert response.status_code < 500, response.text
            if response.status_code >= 400:
                assert {"error", "detail", "field"} <= set(response.json()), response.text
        lookup = client.get(
            "/api/profiles/lookup",
            params={"type": "user_id", "value": "edge"},
            headers={"Authorization": f"Bearer {admin_token}"},
        )
        assert lookup.status_code < 500, lookup.text
