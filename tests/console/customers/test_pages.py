"""The customer pages: search, the profile, and each staff action through the real form,
with its audit entry; what a role may not do is refused with nothing changed."""

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.console.conftest import Login, csrf_of
from unison.auth import audit
from unison.consent import service as consent
from unison.models import ConsentRecord
from unison.profiles import service as profiles

Send = Callable[[list[dict[str, Any]]], None]
START = datetime(2026, 3, 1, 9, tzinfo=UTC)


def _nino(extra: int = 0) -> list[dict[str, Any]]:
    first = {
        "type": "identify",
        "userId": "u-nino",
        "timestamp": START.isoformat(),
        "traits": {"name": "ნინო ჯაფარიძე", "email": "nino@example.ge", "phone": "+995599123456"},
    }
    return [first] + [
        {
            "type": "track",
            "userId": "u-nino",
            "event": "Product Viewed",
            "timestamp": (START + timedelta(minutes=n + 1)).isoformat(),
            "properties": {"sku": f"SKU-{n}"},
        }
        for n in range(extra)
    ]


@pytest.fixture
def nino(sessions: sessionmaker[Session], send: Send, process: Callable[[], int]) -> int:
    send(_nino(60))
    process()
    with sessions() as session:
        return profiles.lookup(session, "user_id", "u-nino").id


def _audit(sessions: sessionmaker[Session], action: str) -> list[Any]:
    with sessions() as session:
        return [e for e in audit.entries(session) if e.action == action]


class TestSearch:
    @pytest.mark.parametrize(
        "q", ["599 12 34 56", "599123456", "+995 599 12-34-56", "ჯაფა", "nino@ex"]
    )
    def test_a_customer_is_found_however_they_are_typed(
        self, as_role: Login, nino: int, q: str
    ) -> None:
        page = as_role("agent").get("/console/customers", params={"q": q})
        assert page.status_code == 200
        assert f'href="/console/customers/{nino}"' in page.text
        assert "ნინო ჯაფარიძე" in page.text

    def test_nothing_found_and_a_too_long_query_are_said_plainly(
        self, as_role: Login, nino: int
    ) -> None:
        client = as_role("agent")
        assert "No customer matches" in client.get("/console/customers", params={"q": "zzzz"}).text
        long = client.get("/console/customers", params={"q": "x" * 201})
        assert long.status_code == 400
        assert "1 to 200 characters" in long.text

    def test_not_logged_in_goes_to_the_login_page(self, console: Any) -> None:
        page = console.get("/console/customers?q=nino", follow_redirects=False)
        assert page.status_code == 303
        assert page.headers["location"].startswith("/console/login?next=")


class TestProfile:
    def test_the_profile_shows_identifiers_traits_and_a_first_page_of_the_timeline(
        self, as_role: Login, nino: int
    ) -> None:
        client = as_role("marketer")
        page = client.get(f"/console/customers/{nino}")
        assert page.status_code == 200
        for shown in (
            "+995599123456",
            "nino@example.ge",
            "ნინო ჯაფარიძე",
            "SKU-59",
            "Record a consent change",
        ):
            assert shown in page.text
        assert "SKU-0" not in page.text  # 61 events: the oldest are on the next page
        more = re.search(r'hx-get="(/console/customers/\d+/timeline\?[^"]+)"', page.text)
        assert more is not None
        older = client.get(more.group(1).replace("&amp;", "&"))
        assert older.status_code == 200
        assert "SKU-0" in older.text

    def test_the_timeline_filters_by_channel_and_kind(self, as_role: Login, nino: int) -> None:
        page = as_role("analyst").get(f"/console/customers/{nino}", params={"event": "Nope"})
        assert "No events match." in page.text

    def test_an_agent_sees_no_consent_or_segments_and_an_unknown_id_is_404(
        self, as_role: Login, nino: int
    ) -> None:
        client = as_role("agent")
        page = client.get(f"/console/customers/{nino}")
        assert 'id="consent"' not in page.text
        assert 'id="segments"' not in page.text
        assert client.get("/console/customers/999999999").status_code == 404
        assert client.get(f"/console/customers/{2**64}").status_code == 404

    def test_a_merge_line_places_its_time_as_a_time_element_in_every_language(
        self,
        as_role: Login,
        sessions: sessionmaker[Session],
        send: Send,
        process: Callable[[], int],
    ) -> None:
        """The moment a merge was made is a <time> (kept left to right in Hebrew) where the
        translation puts {at}, not plain text inside the sentence."""
        moment = START.isoformat()
        send([{"type": "page", "anonymousId": "anon-m", "name": "Home", "timestamp": moment}])
        send(
            [
                {
                    "type": "identify",
                    "userId": "u-m",
                    "traits": {"name": "Merged"},
                    "timestamp": moment,
                }
            ]
        )
        process()
        send([{"type": "identify", "userId": "u-m", "anonymousId": "anon-m", "timestamp": moment}])
        process()
        with sessions() as session:
            survivor = profiles.lookup(session, "user_id", "u-m").id
        client = as_role("admin")
        for lang, before in (("en", " on "), ("he", " ב־"), ("ru", " ")):
            page = client.get(f"/console/customers/{survivor}", params={"lang": lang})
            line = re.search(r'<ul class="merges">\s*<li>\s*<p>(.*?)</p>', page.text, re.S)
            assert line is not None, lang
            assert re.search(
                before
                + r'<time datetime="\d{4}-\d\d-\d\dT[^"]+">\d{4}-\d\d-\d\d \d\d:\d\d</time> ',
                line.group(1),
            ), line.group(1)
            assert "&lt;time" not in page.text


class TestActions:
    def test_a_consent_change_is_recorded_with_proof_and_audited(
        self, as_role: Login, nino: int, sessions: sessionmaker[Session]
    ) -> None:
        client = as_role("marketer", "eka")
        token = csrf_of(client.get(f"/console/customers/{nino}").text)
        form = {
            "csrf_token": token,
            "purpose": "newsletter",
            "channel": "email",
            "status": "granted",
            "legal_basis": "consent",
            "notice_version": "v7",
            "reference": "call-2041",
        }
        answer = client.post(
            f"/console/customers/{nino}/consents", data=form, follow_redirects=False
        )
        assert answer.status_code == 303
        with sessions() as session:
            (record,) = consent.history(session, nino)
        assert (record.actor, record.identifier_value, record.status) == (
            "user:eka",
            "nino@example.ge",
            "granted",
        )
        assert record.proof == {"notice_version": "v7", "message_id": "call-2041"}
        (entry,) = _audit(sessions, "consent.change")
        assert (entry.actor, entry.target) == ("user:eka", f"profile:{nino}")
        page = client.get(answer.headers["location"])
        assert "The consent change was recorded." in page.text

    def test_a_refused_consent_change_says_why_and_records_nothing(
        self, as_role: Login, nino: int, sessions: sessionmaker[Session]
    ) -> None:
        client = as_role("marketer")
        token = csrf_of(client.get(f"/console/customers/{nino}").text)
        form = {
            "csrf_token": token,
            "purpose": "newsletter",
            "channel": "telegram",
            "status": "granted",
        }
        answer = client.post(f"/console/customers/{nino}/consents", data=form)
        assert answer.status_code == 400
        assert "has no telegram_id" in answer.text
        with sessions() as session:
            assert (
                session.execute(select(func.count()).select_from(ConsentRecord)).scalar_one() == 0
            )
        assert _audit(sessions, "consent.change") == []

    def test_an_analyst_may_not_record_consent(
        self, as_role: Login, nino: int, sessions: sessionmaker[Session]
    ) -> None:
        client = as_role("analyst")
        token = csrf_of(client.get(f"/console/customers/{nino}").text)
        form = {
            "csrf_token": token,
            "purpose": "newsletter",
            "channel": "email",
            "status": "granted",
        }
        assert client.post(f"/console/customers/{nino}/consents", data=form).status_code == 403
        with sessions() as session:
            assert consent.history(session, nino) == []

    def test_a_trait_edit_is_audited_and_reaches_the_profile(
        self, as_role: Login, nino: int, sessions: sessionmaker[Session], process: Callable[[], int]
    ) -> None:
        client = as_role("agent", "levan")
        token = csrf_of(client.get(f"/console/customers/{nino}").text)
        form = {"csrf_token": token, "name": "city", "value": "ბათუმი"}
        assert (
            client.post(
                f"/console/customers/{nino}/traits", data=form, follow_redirects=False
            ).status_code
            == 303
        )
        process()
        page = client.get(f"/console/customers/{nino}")
        assert "ბათუმი" in page.text
        assert _audit(sessions, "profile.trait")[0].actor == "user:levan"

    def test_erasure_needs_the_id_typed_and_then_erases(
        self, as_role: Login, nino: int, sessions: sessionmaker[Session]
    ) -> None:
        client = as_role("admin")
        confirm = client.get(f"/console/customers/{nino}/erase")
        token = csrf_of(confirm.text)
        wrong = client.post(
            f"/console/customers/{nino}/erase", data={"csrf_token": token, "confirm": str(nino + 1)}
        )
        assert wrong.status_code == 400
        with sessions() as session:
            assert profiles.profile_view(session, nino).identifiers  # still there
        done = client.post(
            f"/console/customers/{nino}/erase", data={"csrf_token": token, "confirm": str(nino)}
        )
        assert done.status_code == 200
        assert "was erased" in done.text
        with sessions() as session:
            assert profiles.profile_view(session, nino).identifiers == []
        assert len(_audit(sessions, "privacy.erase")) == 1
        found = client.get("/console/customers", params={"q": "599123456"})
        assert f"/console/customers/{nino}" not in found.text

    def test_export_downloads_the_bundle_and_a_marketer_may_not(
        self, as_role: Login, nino: int, sessions: sessionmaker[Session]
    ) -> None:
        client = as_role("admin")
        token = csrf_of(client.get(f"/console/customers/{nino}").text)
        bundle = client.post(f"/console/customers/{nino}/export", data={"csrf_token": token})
        assert bundle.status_code == 200
        assert bundle.json()["profile_id"] == nino
        assert "attachment" in bundle.headers["content-disposition"]
        assert len(_audit(sessions, "privacy.export")) == 1
        client.post("/console/logout", data={"csrf_token": token})
        marketer = as_role("marketer")
        token = csrf_of(marketer.get(f"/console/customers/{nino}").text)
        assert (
            marketer.post(
                f"/console/customers/{nino}/export", data={"csrf_token": token}
            ).status_code
            == 403
        )


class TestBadInput:
    @pytest.mark.parametrize("cursor", ["bm90LWEtY3Vyc29y", "%%%", "WyJ4IiwxXQ"])
    def test_a_forged_timeline_cursor_shows_the_first_page_and_says_so(
        self, as_role: Login, nino: int, cursor: str
    ) -> None:
        page = as_role("agent").get(f"/console/customers/{nino}", params={"cursor": cursor})
        assert page.status_code == 200
        assert "cursor is not one this API issued" in page.text
        assert "SKU-59" in page.text

    def test_a_forged_search_cursor_is_said_plainly(self, as_role: Login, nino: int) -> None:
        page = as_role("agent").get("/console/customers", params={"q": "nino", "cursor": "%%%"})
        assert page.status_code == 400
        assert "cursor" in page.text

    def test_an_unknown_channel_filter_is_ignored(self, as_role: Login, nino: int) -> None:
        page = as_role("agent").get(f"/console/customers/{nino}", params={"channel": "fax"})
        assert page.status_code == 200
        assert "SKU-59" in page.text
