"""GET /api/profiles?q=: a person is found by any part of a name in any script, a phone
however typed, an email or a part of it, or any identifier; ranked and paginated."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.events.helpers import send

PEOPLE: dict[str, dict[str, Any]] = {
    "nino": {
        "userId": "U-Nino-1",
        "anonymousId": "anon-nino",
        "traits": {
            "name": "ნინო ჯაფარიძე",
            "email": "Nino.Japaridze@example.ge",
            "phone": "+995 555 98 46 74",
            "telegram_id": "70012345",
            "loyalty_card": "LC-0042-7781",
            "crm_id": "CRM-881",
        },
    },
    "aram": {
        "userId": "u-aram",
        "traits": {
            "first_name": "Արամ",
            "last_name": "Պետրոսյան",
            "email": "aram.p@example.am",
            "phone": "+374 91 234567",
        },
    },
    "yael": {
        "userId": "u-yael",
        "traits": {"name": "יעל כהן", "email": "yael@example.co.il", "viber_id": "vb-yael-9"},
    },
    "olga": {
        "userId": "u-olga",
        "traits": {
            "name": "Ольга Смирнова",
            "email": "olga.smirnova@example.ru",
            "whatsapp_id": "79161234567",
        },
    },
}


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _identify(client: TestClient, key: str, *people: dict[str, Any]) -> None:
    batch = [
        {"type": "identify", "timestamp": f"2026-05-0{n + 1}T10:00:00.000Z", **person}
        for n, person in enumerate(people)
    ]
    response = send(client, "/v1/batch", {"batch": batch}, key)
    assert response.status_code == 200, response.text


def _search(client: TestClient, token: str, q: str, **params: Any) -> dict[str, Any]:
    response = client.get("/api/profiles", params={"q": q, **params}, headers=_bearer(token))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _lookup(client: TestClient, token: str, kind: str, value: str) -> int:
    response = client.get(
        "/api/profiles/lookup", params={"type": kind, "value": value}, headers=_bearer(token)
    )
    assert response.status_code == 200, response.text
    profile_id: int = response.json()["id"]
    return profile_id


@pytest.fixture
def people(
    client: TestClient, write_key: str, admin_token: str, process: Callable[[], int]
) -> dict[str, int]:
    _identify(client, write_key, *PEOPLE.values())
    process()
    return {
        name: _lookup(client, admin_token, "user_id", str(person["userId"]))
        for name, person in PEOPLE.items()
    }


def _ids(body: dict[str, Any]) -> list[int]:
    return [item["id"] for item in body["items"]]


class TestNamesInEveryScript:
    @pytest.mark.parametrize(
        ("q", "who"),
        [
            ("ჯაფარიძე", "nino"),  # a Georgian surname
            ("ნინო", "nino"),  # a Georgian first name
            ("ჯაფა", "nino"),  # the start of it
            ("ფარიძ", "nino"),  # the middle of it
            ("ᲯᲐᲤᲐᲠᲘᲫᲔ", "nino"),  # Georgian capitals (Mtavruli)
            ("Պետրոսյան", "aram"),  # Armenian
            ("պետրոս", "aram"),  # Armenian, lower case
            ("ԱՐԱՄ", "aram"),  # Armenian capitals
            ("כהן", "yael"),  # Hebrew
            ("יעל", "yael"),
            ("смирнова", "olga"),  # Russian, lower case
            ("СМИРН", "olga"),
            ("ольга смирнова", "olga"),  # the whole name
        ],
    )
    def test_any_part_of_a_name_finds_the_person(
        self, client: TestClient, admin_token: str, people: dict[str, int], q: str, who: str
    ) -> None:
        body = _search(client, admin_token, q)
        assert _ids(body) == [people[who]]
        assert body["next_cursor"] is None

    def test_the_list_shows_name_email_and_phone(
        self, client: TestClient, admin_token: str, people: dict[str, int]
    ) -> None:
        [item] = _search(client, admin_token, "ჯაფარიძე")["items"]
        assert item["name"] == "ნინო ჯაფარიძე"
        assert item["email"] == "nino.japaridze@example.ge"
        assert item["phone"] == "+995555984674"


class TestPhonesHoweverTyped:
    @pytest.mark.parametrize(
        "q",
        [
            "555984674",  # the local number
            "555 98 46 74",
            "555-98-46-74",
            "(555) 98 46 74",
            "0555 98 46 74",  # with a trunk 0
            "+995 555 98 46 74",
            "995555984674",
            "00995555984674",  # the international call prefix
            "984674",  # the last digits
        ],
    )
    def test_the_digits_find_the_person(
        self, client: TestClient, admin_token: str, people: dict[str, int], q: str
    ) -> None:
        assert _ids(_search(client, admin_token, q)) == [people["nino"]]


class TestEmails:
    @pytest.mark.parametrize(
        "q", ["nino.j", "nino.japaridze", "japaridze", "NINO.JAPARIDZE@EXAMPLE.GE", "paridze@ex"]
    )
    def test_a_prefix_the_local_part_or_any_part_finds_the_person(
        self, client: TestClient, admin_token: str, people: dict[str, int], q: str
    ) -> None:
        assert _ids(_search(client, admin_token, q)) == [people["nino"]]

    def test_a_long_fragment_must_match_whole_not_only_its_most_selective_part(
        self, client: TestClient, admin_token: str, people: dict[str, int]
    ) -> None:
        assert _search(client, admin_token, "xino.japaridze@")["items"] == []
        assert _search(client, admin_token, "70012345 extra")["items"] == []
        assert _ids(_search(client, admin_token, "o.japaridze@")) == [people["nino"]]


class TestIdentifiers:
    @pytest.mark.parametrize(
        ("q", "who"),
        [
            ("U-Nino-1", "nino"),  # user id
            ("anon-nino", "nino"),  # anonymous id
            ("70012345", "nino"),  # telegram
            ("LC-0042-7781", "nino"),  # loyalty card
            ("crm-881", "nino"),  # CRM id, any case
            ("vb-yael-9", "yael"),  # viber
            ("79161234567", "olga"),  # whatsapp id
        ],
    )
    def test_any_identifier_finds_its_profile(
        self, client: TestClient, admin_token: str, people: dict[str, int], q: str, who: str
    ) -> None:
        assert _ids(_search(client, admin_token, q))[0] == people[who]


class TestRanking:
    def test_an_exact_identifier_comes_before_a_prefix_a_name_and_a_substring(
        self,
        client: TestClient,
        write_key: str,
        admin_token: str,
        process: Callable[[], int],
    ) -> None:
        _identify(
            client,
            write_key,
            {"userId": "substring", "traits": {"email": "x.anna@example.com"}},  # contains
            {"userId": "name", "traits": {"name": "Anna Karenina"}},  # a name
            {"userId": "prefix", "traits": {"email": "anna@example.com"}},  # a prefix
            {"userId": "exact", "traits": {"crm_id": "anna"}},  # equal
        )
        process()
        expected = [
            _lookup(client, admin_token, "user_id", who)
            for who in ("exact", "prefix", "name", "substring")
        ]
        assert _ids(_search(client, admin_token, "Anna")) == expected
        paged, params = [], {"limit": 1}
        while True:  # one profile a page: the cursor crosses every rank
            body = _search(client, admin_token, "Anna", **params)
            paged += _ids(body)
            if body["next_cursor"] is None:
                break
            params["cursor"] = body["next_cursor"]
        assert paged == expected


class TestPagination:
    def test_pages_follow_each_other_without_gaps_or_repeats(
        self,
        client: TestClient,
        write_key: str,
        admin_token: str,
        process: Callable[[], int],
    ) -> None:
        people = [
            {"userId": f"p{n}", "traits": {"name": f"Giorgi {n}", "email": f"g{n}@giorgi.ge"}}
            for n in range(7)
        ]
        _identify(client, write_key, *people)
        process()
        seen: list[int] = []
        params: dict[str, Any] = {"limit": 3}
        pages = 0
        while True:
            body = _search(client, admin_token, "giorgi", **params)
            seen += _ids(body)
            pages += 1
            if body["next_cursor"] is None:
                break
            params["cursor"] = body["next_cursor"]
        assert len(seen) == len(set(seen)) == 7
        assert pages == 3

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"q": ""}, "q"),
            ({"q": "   "}, "q"),
            ({"q": "x" * 201}, "q"),
            ({}, "q"),
            ({"q": "nino", "limit": 0}, "limit"),
            ({"q": "nino", "limit": 501}, "limit"),
            ({"q": "nino", "cursor": "not-a-cursor"}, "cursor"),
            ({"q": "nino", "cursor": "WyJ4Il0"}, "cursor"),  # ["x"]
            ({"q": "nino", "cursor": "WzksMV0"}, "cursor"),  # [9, 1]: no such rank
            ({"q": "nino", "cursor": "WzAsMV0"}, "cursor"),  # [0, 1]: not a match of "nino"
        ],
    )
    def test_bad_input_is_a_400_naming_the_parameter(
        self, client: TestClient, admin_token: str, params: dict[str, Any], field: str
    ) -> None:
        response = client.get("/api/profiles", params=params, headers=_bearer(admin_token))
        assert response.status_code == 400, response.text
        assert response.json()["error"] == "InvalidParameter"
        assert response.json()["field"] == field


class TestWildcardsAreText:
    @pytest.mark.parametrize("q", ["%%%", "___", "a%b", "\\\\", '"""'])
    def test_like_and_match_syntax_match_only_itself(
        self, client: TestClient, admin_token: str, people: dict[str, int], q: str
    ) -> None:
        assert _search(client, admin_token, q)["items"] == []

    def test_an_underscore_in_an_identifier_is_found(
        self,
        client: TestClient,
        write_key: str,
        admin_token: str,
        process: Callable[[], int],
    ) -> None:
        _identify(client, write_key, {"userId": "acme_user_42"}, {"userId": "acmeXuserY42"})
        process()
        expected = [_lookup(client, admin_token, "user_id", "acme_user_42")]
        assert _ids(_search(client, admin_token, "e_user_")) == expected


class TestIndexFollowsTheProfile:
    def test_an_erased_profile_vanishes_from_search_at_once(
        self, client: TestClient, admin_token: str, people: dict[str, int]
    ) -> None:
        assert _ids(_search(client, admin_token, "japaridze")) == [people["nino"]]
        response = client.post(
            "/api/privacy/erase", json={"profile_id": people["nino"]}, headers=_bearer(admin_token)
        )
        assert response.status_code == 200, response.text
        for q in ("ჯაფარიძე", "555984674", "japaridze", "U-Nino-1", "anon-nino"):
            assert _search(client, admin_token, q)["items"] == []
        assert _ids(_search(client, admin_token, "smirnova")) == [people["olga"]]

    def test_a_merged_profile_is_found_by_either_sides_identifiers(
        self,
        client: TestClient,
        write_key: str,
        admin_token: str,
        process: Callable[[], int],
    ) -> None:
        _identify(
            client,
            write_key,
            {"anonymousId": "browser-77", "traits": {"email": "levan@example.ge"}},
            {"userId": "u-levan", "traits": {"name": "ლევან ბერიძე"}},
        )
        process()
        _identify(client, write_key, {"userId": "u-levan", "anonymousId": "browser-77"})
        process()
        survivor = _lookup(client, admin_token, "user_id", "u-levan")
        for q in ("browser-77", "levan@example.ge", "u-levan", "ბერიძე"):
            assert _ids(_search(client, admin_token, q)) == [survivor], q

    def test_a_split_gives_each_side_back_its_own_identifiers(
        self,
        client: TestClient,
        write_key: str,
        admin_token: str,
        process: Callable[[], int],
    ) -> None:
        _identify(
            client,
            write_key,
            {"anonymousId": "browser-88", "traits": {"email": "tamar@example.ge"}},
            {"userId": "u-tamar", "traits": {"name": "თამარ კაპანაძე"}},
        )
        process()
        anon = _lookup(client, admin_token, "anonymous_id", "browser-88")
        user = _lookup(client, admin_token, "user_id", "u-tamar")
        _identify(client, write_key, {"userId": "u-tamar", "anonymousId": "browser-88"})
        process()
        survivor = min(anon, user)
        [merge] = client.get(
            f"/api/profiles/{survivor}/merges", headers=_bearer(admin_token)
        ).json()
        split = client.post(
            f"/api/profiles/{survivor}/split",
            json={"merge_id": merge["id"]},
            headers=_bearer(admin_token),
        )
        assert split.status_code == 200, split.text
        assert _ids(_search(client, admin_token, "tamar@example.ge")) == [anon]
        assert _ids(_search(client, admin_token, "კაპანაძე")) == [user]

    def test_a_changed_name_is_found_by_the_new_one_only(
        self,
        client: TestClient,
        write_key: str,
        admin_token: str,
        process: Callable[[], int],
        people: dict[str, int],
    ) -> None:
        renamed = {"name": "Ольга Иванова"}
        later = "2026-06-01T10:00:00.000Z"
        _identify(client, write_key, {"userId": "u-olga", "traits": renamed, "timestamp": later})
        process()
        assert _search(client, admin_token, "смирнова")["items"] == []
        assert _ids(_search(client, admin_token, "иванова")) == [people["olga"]]
