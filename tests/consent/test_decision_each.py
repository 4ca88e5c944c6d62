"""`can_contact_each` (the send-time gate's batched question) answers each (profile,
identifier) exactly as `can_contact(..., identifier=...)` does one at a time: live and
merged-away ids, unknown profiles, withdrawn, suppressed and no-longer-held identifiers."""

from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from tests.consent.conftest import Api, identify
from unison.consent import service
from unison.consent.ledger.decision import Ask, can_contact

A_PHONE, B_PHONE = "+37491000011", "+37491000012"
BLOCKED, OTHER, GONE = "+37491000013", "+995577000114", "+37499999999"
UNKNOWN = 987_654_321


def _profiles(api: Api, process: Callable[[], int]) -> tuple[int, int, int, int]:
    """A (live, with B merged into it), B (merged away), a blocked number's profile and a
    profile that granted nothing."""
    api.send(
        identify("u-armen", "a1", phone=A_PHONE),
        {
            "type": "identify",
            "anonymousId": "anon-b",
            "messageId": "b1",
            "traits": {"phone": B_PHONE},
        },
        identify("u-blocked", "c1", phone=BLOCKED),
        identify("u-other", "d1", phone=OTHER),
    )
    process()
    a, b = api.profile_of("phone", A_PHONE), api.profile_of("phone", B_PHONE)
    blocked, other = api.profile_of("phone", BLOCKED), api.profile_of("phone", OTHER)
    for pid in (a, b, blocked):
        granted = api.record(pid, {"purpose": "newsletter", "channel": "sms", "status": "granted"})
        assert granted.status_code == 201, granted.text
    link = {"type": "track", "userId": "u-armen", "anonymousId": "anon-b", "event": "Linked"}
    api.send({**link, "messageId": "link"})
    process()
    assert api.profile_of("phone", B_PHONE) == a  # b is merged away
    withdrawn = api.record(
        a, {"purpose": "newsletter", "channel": "sms", "status": "withdrawn", "identifier": B_PHONE}
    )
    assert withdrawn.status_code == 201, withdrawn.text
    suppressed = api.post(
        "/api/consent/suppressions",
        {"identifier_type": "phone", "identifier": BLOCKED, "reason": "hard_bounce"},
    )
    assert suppressed.status_code == 201, suppressed.text
    return a, b, blocked, other


class TestEachIdentifierAtOnce:
    def test_each_batched_answer_is_the_one_can_contact_gives_for_that_identifier(
        self, api: Api, process: Callable[[], int], sessions: sessionmaker[Session]
    ) -> None:
        a, b, blocked, other = _profiles(api, process)
        asks: list[Ask] = [
            (pid, identifier)
            for pid in (a, b, blocked, other, UNKNOWN)
            for identifier in (None, A_PHONE, B_PHONE, BLOCKED, OTHER, GONE)
        ]
        with sessions() as session:
            for purpose, kind in (("newsletter", "marketing"), ("service", "service")):
                each = service.contactable_each(session, asks, purpose, "sms", kind=kind)
                one = [
                    can_contact(session, pid, purpose, "sms", kind=kind, identifier=identifier)
                    for pid, identifier in asks
                ]
                assert each == one, purpose
            newsletter = service.contactable_each(
                session,
                [
                    (a, A_PHONE),
                    (b, A_PHONE),
                    (a, B_PHONE),
                    (blocked, BLOCKED),
                    (a, GONE),
                    (other, OTHER),
                    (UNKNOWN, A_PHONE),
                    (b, None),
                ],
                "newsletter",
                "sms",
                kind="marketing",
            )
        assert [(d.reason, d.identifier) for d in newsletter] == [
            ("consent", A_PHONE),
            ("consent", A_PHONE),  # asked through the merged-away id
            ("withdrawn", B_PHONE),
            ("suppressed_hard_bounce", BLOCKED),
            ("no_reachable_identifier", GONE),  # a number the profile no longer holds
            ("no_consent", OTHER),
            ("unknown_profile", None),
            ("consent", A_PHONE),  # any identifier: the first allowed one
        ]
