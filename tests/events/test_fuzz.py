"""No body, however malformed, makes the collection API answer 5xx."""

from typing import Any

import orjson
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ENDPOINTS = [
    "/v1/batch",
    "/v1/track",
    "/v1/identify",
    "/v1/page",
    "/v1/screen",
    "/v1/group",
    "/v1/alias",
]
FIELDS = [
    "type",
    "userId",
    "anonymousId",
    "messageId",
    "timestamp",
    "sentAt",
    "originalTimestamp",
    "context",
    "integrations",
    "traits",
    "properties",
    "event",
    "name",
    "groupId",
    "previousId",
    "batch",
    "writeKey",
    "channel",
]

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from(
        [
            "track",
            "page",
            "2026-01-01T00:00:00Z",
            "0001-01-01T00:00:00+14:00",
            "9999-12-31T23:59:59-12:00",
            "",
            "web",
            "fax",
            "\u0000",
            "ა",
        ]
    )
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=25,
)
events = st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=10)
bodies = events | st.fixed_dictionaries(
    {"batch": st.lists(events | json_values, max_size=5)},
    optional={"context": json_values, "sentAt": json_values, "integrations": json_values},
)


class TestNoServerErrors:
    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
    @given(path=st.sampled_from(ENDPOINTS), body=bodies)
    def test_any_json_body_gets_a_non_5xx_answer(
        self, client: TestClient, write_key: str, path: str, body: dict[str, Any]
    ) -> None:
        response = client.post(path, content=orjson.dumps(body), auth=(write_key, ""))
        assert response.status_code < 500, response.text

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(path=st.sampled_from(ENDPOINTS), content=st.binary(max_size=300))
    def test_any_bytes_get_a_non_5xx_answer(
        self, client: TestClient, write_key: str, path: str, content: bytes
    ) -> None:
        response = client.post(path, content=content, auth=(write_key, ""))
        assert response.status_code < 500, response.text

    @settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        path=st.sampled_from(ENDPOINTS),
        headers=st.dictionaries(
            st.sampled_from(["Authorization", "X-Write-Key", "Content-Encoding", "Content-Type"]),
            st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40),
        ),
    )
    def test_any_headers_get_a_non_5xx_answer(
        self, client: TestClient, path: str, headers: dict[str, str]
    ) -> None:
        response = client.post(path, content=b'{"userId":"u","event":"e"}', headers=headers)
        assert response.status_code < 500, response.text
