"""Which identifiers an event carries, and how they are normalized."""

from typing import Any

import pytest

from unison.identity.identifiers import Ident, extract


def _idents(payload: dict[str, Any], region: str | None = None, **kw: Any) -> set[Ident]:
    return set(extract(payload, source_region=region, **kw).identifiers)


class TestNormalization:
    def test_emails_are_trimmed_and_lower_cased(self) -> None:
        found = _idents({"type": "identify", "userId": "u", "traits": {"email": " Nino@X.GE "}})
        assert Ident("email", "nino@x.ge") in found

    @pytest.mark.parametrize(
        ("phone", "hints", "region", "expected"),
        [
            ("+995 555 12 34 56", {}, None, "+995555123456"),
            ("555 12 34 56", {"timezone": "Asia/Tbilisi"}, None, "+995555123456"),
            ("091 23 45 67", {"locale": "hy-AM"}, None, "+37491234567"),
            ("8 (916) 123-45-67", {"timezone": "Europe/Moscow"}, None, "+79161234567"),
            ("050 123 4567", {}, "UA", "+380501234567"),
            (
                "555 12 34 56",
                {"timezone": "Asia/Yerevan", "traits": {"country": "GE"}},
                None,
                "+995555123456",
            ),
        ],
    )
    def test_phones_become_e164_using_the_best_region_hint(
        self, phone: str, hints: dict[str, Any], region: str | None, expected: str
    ) -> None:
        context = dict(hints)
        context.setdefault("traits", {})
        context["traits"] = {**context["traits"], "phone": phone}
        found = _idents({"type": "track", "anonymousId": "a", "context": context}, region)
        assert Ident("phone", expected) in found

    @pytest.mark.parametrize(
        ("traits", "reason"),
        [
            ({"email": "not-an-email"}, "not an email address"),
            ({"phone": "12"}, "no region known"),
            ({"phone": "+995 1"}, "too short to be a phone number"),
            ({"phone": "+995 555 123 456 789"}, "not a possible phone number for GE"),
            ({"loyalty_card": ["LC-1"]}, "must be a string or a number"),
        ],
    )
    def test_an_identifier_that_fails_is_kept_with_its_reason(
        self, traits: dict[str, Any], reason: str
    ) -> None:
        result = extract({"type": "identify", "userId": "u", "traits": traits}, source_region=None)
        [rejected] = result.rejected
        assert reason in rejected.reason
        assert result.identifiers == [Ident("user_id", "u")]

    def test_channel_fields_and_custom_types(self) -> None:
        found = _idents(
            {
                "type": "track",
                "anonymousId": "w",
                "context": {
                    "device": {"id": "dev-1"},
                    "traits": {
                        "whatsapp_id": "995555123456",
                        "passport_no": "P-1",
                        "telegram_id": 777,
                    },
                },
            },
            custom_types=("passport_no",),
        )
        assert found == {
            Ident("anonymous_id", "w"),
            Ident("device_id", "dev-1"),
            Ident("whatsapp_id", "995555123456"),
            Ident("phone", "+995555123456"),
            Ident("telegram_id", "777"),
            Ident("passport_no", "P-1"),
        }

    def test_identify_traits_count_but_track_properties_do_not(self) -> None:
        found = _idents({"type": "track", "userId": "u", "properties": {"email": "a@b.ge"}})
        assert found == {Ident("user_id", "u")}
