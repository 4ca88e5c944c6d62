"""No input makes consent answer 5xx, and no event stalls the consent processor."""

from collections.abc import Callable
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.consent.conftest import Api, identify
from unison.consent.preference_center import links
from unison.kit.settings import Settings

KEYS = [
    "purpose",
    "purposes",
    "channel",
    "channels",
    "status",
    "granted",
    "legal_basis",
    "expires_at",
    "notice_text",
    "notice_version",
    "form_url",
    "text",
    "connector",
    "identifier",
    "changes",
    "occurred_at",
    "proof",
    "categoryPreferences",
    "consent",
    "traits",
    "phone",
    "email",
    "url",
    "secret",
    "profile_id",
    "reason",
    "identifier_type",
]
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.sampled_from(
        [
            "newsletter",
            "service",
            "email",
            "sms",
            "viber",
            "granted",
            "withdrawn",
            "STOP",
            "стоп",
            "9999-12-31T23:59:59-12:00",
            "0001-01-01T00:00:00+14:00",
            "+995555123456",
            "a@b.ge",
            "https://x.example/h",
            "ftp://x",
            "ა",
            "",
        ]
    )
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), children, max_size=5)
    ),
    max_leaves=20,
)
objects = st.dictionaries(st.sampled_from(KEYS), json_values, max_size=8)
API = [
    "/api/profiles/{pid}/consents",
    "/api/consent/purposes",
    "/api/consent/suppressions",
    "/api/consent/webhooks",
    "/api/privacy/export",
]
HYPOTHESIS = {"deadline": None, "suppress_health_check": list(HealthCheck)}


@pytest.fixture
def pid(api: Api, process: Callable[[], int]) -> int:
    api.send(identify("u-fuzz", "f1", email="fuzz@example.am", phone="+37491000009"))
    process()
    return api.profile_of("email", "fuzz@example.am")


class TestNoServerErrors:
    @settings(max_examples=120, **HYPOTHESIS)
    @given(path=st.sampled_from(API), body=objects | json_values)
    def test_any_json_body_gets_a_non_5xx_answer(
        self, api: Api, pid: int, path: str, body: Any
    ) -> None:
        response = api.client.post(
            path.format(pid=pid),
            content=orjson.dumps(body),
            headers={"Authorization": f"Bearer {api.token}", "Content-Type": "application/json"},
        )
        assert response.status_code < 500, response.text

    @settings(max_examples=60, **HYPOTHESIS)
    @given(
        content=st.binary(max_size=200),
        kind=st.sampled_from(["preferences", "unsubscribe", "confirm"]),
    )
    def test_any_form_bytes_on_the_public_pages_get_a_non_5xx_answer(
        self, api: Api, pid: int, settings: Settings, content: bytes, kind: str
    ) -> None:
        claims = {"p": pid, "e": "fuzz@example.am", "u": "newsletter"}
        token = links.sign(settings, kind, claims, 600)
        path = {
            "preferences": "/preferences/",
            "unsubscribe": "/unsubscribe/",
            "confirm": "/preferences/confirm/",
        }[kind]
        response = api.client.post(
            path + token,
            content=content,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert response.status_code < 500, response.text
        assert api.client.get(path + token[:-1] + "%00").status_code == 403


class TestProcessorNeverStalls:
    @settings(max_examples=40, **HYPOTHESIS)
    @given(
        name=st.sampled_from(["Consent Updated", "Message Received", "Unsubscribed", "Page"]),
        channel=st.sampled_from(["sms", "viber", "telegram", "whatsapp", "email", "web"]),
        properties=objects,
        consent=json_values,
    )
    def test_any_event_is_processed_without_error(
        self,
        api: Api,
        process: Callable[[], int],
        pid: int,
        name: str,
        channel: str,
        properties: dict[str, Any],
        consent: Any,
    ) -> None:
        event = {
            "type": "track",
            "userId": "u-fuzz",
            "event": name,
            "properties": properties,
            "context": {
                "channel": channel,
                "consent": consent,
                "traits": {"phone": "+37491000009"},
            },
        }
        response = api.client.post(
            "/v1/track", content=orjson.dumps(event), auth=(api.write_key, "")
        )
        if response.status_code == 200:
            process()  # raises if the processor fails: a failing batch would stall the chain
