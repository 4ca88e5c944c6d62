"""Consent is bound to the identifier it was given for: a merge never widens it, and a
withdrawal survives a merge and a later split."""

from collections.abc import Callable
from typing import Any

from tests.consent.conftest import Api

A_EMAIL, B_EMAIL = "armen@example.am", "armen.work@example.am"
A_PHONE, B_PHONE = "+37491000001", "+37491000002"


def _two_profiles(api: Api, process: Callable[[], int]) -> tuple[int, int]:
    api.send(
        {
            "type": "identify",
            "userId": "u-armen",
            "messageId": "a1",
            "traits": {"email": A_EMAIL, "phone": A_PHONE, "name": "Արմեն Սարգսյան"},
        },
        {
            "type": "identify",
            "anonymousId": "anon-b",
            "messageId": "b1",
            "traits": {"email": B_EMAIL, "phone": B_PHONE},
        },
    )
    process()
    return api.profile_of("email", A_EMAIL), api.profile_of("email", B_EMAIL)


def _merge(api: Api, process: Callable[[], int]) -> None:
    api.send(
        {
            "type": "track",
            "userId": "u-armen",
            "anonymousId": "anon-b",
            "event": "Linked",
            "messageId": "link",
        }
    )
    process()


def _statuses(api: Api, pid: int) -> dict[tuple[str, str, str], str]:
    items: list[dict[str, Any]] = api.get(f"/api/profiles/{pid}/consents").json()["items"]
    return {(i["identifier_value"], i["purpose"], i["channel"]): i["status"] for i in items}


class TestMerge:
    def test_a_grant_for_one_address_never_covers_the_address_a_merge_brought(
        self, api: Api, process: Callable[[], int]
    ) -> None:
        a, _b = _two_profiles(api, process)
        api.record(a, {"purpose": "newsletter", "channel": "email", "status": "granted"})
        _merge(api, process)
        assert api.profile_of("email", B_EMAIL) == a
        assert _statuses(api, a) == {(A_EMAIL, "newsletter", "email"): "granted"}
        decision = api.decision(a, "newsletter", "email")
        assert decision["allowed"]
        assert decision["identifier"] == A_EMAIL
        # Recording "for the channel" after the merge covers each address on its own terms.
        api.record(
            a,
            {"purpose": "surveys", "channel": "email", "status": "granted", "identifier": B_EMAIL},
        )
        assert _statuses(api, a)[(B_EMAIL, "surveys", "email")] == "granted"
        assert (A_EMAIL, "surveys", "email") not in _statuses(api, a)

    def test_a_withdrawal_survives_the_merge_and_a_later_split(
        self, api: Api, process: Callable[[], int]
    ) -> None:
        a, b = _two_profiles(api, process)
        api.record(a, {"purpose": "promotions", "channel": "sms", "status": "granted"})
        api.record(b, {"purpose": "promotions", "channel": "sms", "status": "granted"})
        _merge(api, process)
        # B's number says STOP after the merge: recorded on the merged profile's chain.
        api.send(
            {
                "type": "track",
                "anonymousId": "anon-b",
                "event": "Message Received",
                "messageId": "stop-1",
                "context": {"channel": "sms", "traits": {"phone": B_PHONE}},
                "properties": {"text": "STOP", "connector": "sms-gw", "provider_message_id": "p1"},
            }
        )
        process()
        merged = _statuses(api, a)
        assert merged[(B_PHONE, "promotions", "sms")] == "withdrawn"
        assert merged[(A_PHONE, "promotions", "sms")] == "granted"
        assert api.decision(a, "promotions", "sms")["identifier"] == A_PHONE
        merge_id = api.get(f"/api/profiles/{a}/merges").json()[0]["id"]
        split = api.post(f"/api/profiles/{a}/split", {"merge_id": merge_id})
        assert split.status_code == 200, split.text
        process()
        assert api.profile_of("email", B_EMAIL) == b
        after = _statuses(api, b)
        assert after[(B_PHONE, "promotions", "sms")] == "withdrawn"
        denied = api.decision(b, "promotions", "sms")
        assert not denied["allowed"]
        assert denied["reason"] == "withdrawn"
        assert "via sms (keyword)" in denied["detail"]
        assert api.decision(a, "promotions", "sms")["allowed"]
