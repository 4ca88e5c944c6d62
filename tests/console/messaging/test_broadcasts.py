"""The broadcast pages over HTTP: create from the form (audited), the list and the page with
live counts after a real fan-out, pause / resume / cancel behind a confirming box (each
audited), and bad input refused naming the field with nothing stored."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.consent.conftest import Api
from tests.console.conftest import Login
from tests.console.messaging.conftest import csrf, people, segment, template
from unison.auth import audit
from unison.kit.clock import utcnow
from unison.kit.settings import Settings
from unison.messaging.broadcasts.tasks import FanOut
from unison.models import Broadcast

NEW = "/console/messaging/broadcasts/new"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # The tests run the fan-out themselves, two customers a chunk.
    return settings.model_copy(update={"broadcasts_chunk_size": 2})


def _broadcasts(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return int(session.execute(select(func.count()).select_from(Broadcast)).scalar_one())


def _actions(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as session:
        found = reversed(audit.entries(session))
        return [e.action for e in found if e.action.startswith("broadcast.")]


def _form(token: str, segment_id: int, template_id: int, **extra: str) -> dict[str, str]:
    form = {
        "csrf_token": token,
        "name": "ზამთრის ფასდაკლება",
        "segment_id": str(segment_id),
        "template_id": str(template_id),
        "timing": "now",
        "purpose": "marketing",
        "holdout": "0",
    }
    return {**form, **extra}


class TestCreateAndCount:
    def test_create_fan_out_see_the_counts_pause_resume_cancel(
        self,
        as_role: Login,
        api: Api,
        process: Callable[[], int],
        sessions: sessionmaker[Session],
        settings: Settings,
    ) -> None:
        # a customer without consent first: suppressed, with the reason counted
        api.send(
            {
                "type": "identify",
                "userId": "u-x",
                "messageId": "u-x-id",
                "traits": {"email": "x@example.ge", "city": "Tbilisi", "name": "X"},
            }
        )
        process()
        people(api, process)
        segment_id, template_id = segment(api), template(api)
        console = as_role("marketer")
        token = csrf(console, NEW)
        created = console.post(
            NEW, data=_form(token, segment_id, template_id), follow_redirects=False
        )
        assert created.status_code == 303, created.text
        page = created.headers["location"].split("?")[0]
        FanOut(sessions, settings).chunk(int(page.split("/")[-1]))

        shown = console.get(page)
        assert 'id="count-targeted">2<' in shown.text  # one chunk of two so far
        assert 'id="count-suppressed">1<' in shown.text
        assert "no_consent" in shown.text
        assert 'hx-trigger="every 3s"' in shown.text  # the counts refresh themselves
        listing = console.get("/console/messaging/broadcasts")
        assert "ზამთრის ფასდაკლება" in listing.text
        assert 'hx-trigger="every 5s"' in listing.text

        for action, status in (("pause", "paused"), ("resume", "running"), ("cancel", "cancelled")):
            answer = console.post(
                f"{page}/{action}",
                data={"csrf_token": token, "confirm": "yes"},
                follow_redirects=False,
            )
            assert answer.status_code == 303, answer.text
            with sessions() as session:
                assert session.execute(select(Broadcast.status)).scalar_one() == status
        assert _actions(sessions) == [
            "broadcast.create",
            "broadcast.pause",
            "broadcast.resume",
            "broadcast.cancel",
        ]
        assert 'hx-trigger="every 3s"' not in console.get(page).text  # finished: no polling

    def test_without_the_confirming_box_nothing_changes(
        self, as_role: Login, api: Api, process: Callable[[], int], sessions: sessionmaker[Session]
    ) -> None:
        segment_id, template_id = segment(api), template(api)
        console = as_role("marketer")
        token = csrf(console, NEW)
        page = (
            console.post(NEW, data=_form(token, segment_id, template_id), follow_redirects=False)
            .headers["location"]
            .split("?")[0]
        )
        refused = console.post(f"{page}/pause", data={"csrf_token": token})
        assert refused.status_code == 400
        assert "<strong>confirm</strong>" in refused.text
        console.post(f"{page}/cancel", data={"csrf_token": token, "confirm": "yes"})
        again = console.post(f"{page}/resume", data={"csrf_token": token, "confirm": "yes"})
        assert again.status_code == 409
        assert "<strong>status</strong>" in again.text
        with sessions() as session:
            assert session.execute(select(Broadcast.status)).scalar_one() == "cancelled"
        assert _actions(sessions) == ["broadcast.create", "broadcast.cancel"]

    def test_variants_holdout_local_time_and_throttle(
        self, as_role: Login, api: Api, sessions: sessionmaker[Session]
    ) -> None:
        segment_id, a, b = segment(api), template(api, "a"), template(api, "b")
        console = as_role("marketer")
        token = csrf(console, NEW)
        tomorrow = (utcnow() + timedelta(days=2)).strftime("%Y-%m-%dT10:00")
        form = _form(token, segment_id, 0)
        form |= {
            "template_id": "",
            "va0_name": "A",
            "va0_template": str(a),
            "va0_split": "50",
            "va1_name": "B",
            "va1_template": str(b),
            "va1_split": "50",
            "holdout": "10",
            "timing": "local",
            "when": tomorrow,
            "rate": "100",
        }
        created = console.post(NEW, data=form, follow_redirects=False)
        assert created.status_code == 303, created.text
        with sessions() as session:
            row = session.execute(select(Broadcast)).scalar_one()
            assert [v["name"] for v in row.variants] == ["A", "B"]
            assert (row.holdout_percent, row.timing, row.local_at, row.rate_per_second) == (
                10,
                "local",
                tomorrow,
                100,
            )


class TestBadInput:
    @pytest.mark.parametrize(
        ("change", "status", "field"),
        [
            ({"segment_id": "999"}, 404, "segment_id"),
            ({"segment_id": ""}, 400, "segment_id"),
            ({"template_id": "999"}, 404, "template_id"),
            ({"holdout": "80"}, 400, "holdout_percent"),
            ({"holdout": "ten"}, 400, "holdout_percent"),
            ({"name": ""}, 400, "name"),
            ({"timing": "at", "when": "2020-01-01T10:00"}, 400, "send_at"),
            ({"timing": "at", "when": ""}, 400, "send_at"),
            ({"timing": "local", "when": "2020-01-01T10:00"}, 400, "local_time"),
            ({"rate": "0"}, 400, "rate_per_second"),
            ({"template_id": "", "va0_template": "TPL", "va0_split": "60"}, 400, "variants"),
        ],
    )
    def test_refused_naming_the_field_and_nothing_stored(
        self,
        as_role: Login,
        api: Api,
        sessions: sessionmaker[Session],
        change: dict[str, str],
        status: int,
        field: str,
    ) -> None:
        segment_id, template_id = segment(api), template(api)
        console = as_role("marketer")
        token = csrf(console, NEW)
        form = _form(token, segment_id, template_id) | change
        form = {k: v.replace("TPL", str(template_id)) for k, v in form.items()}
        refused = console.post(NEW, data=form)
        assert refused.status_code == status, refused.text
        assert f"<strong>{field}</strong>" in refused.text
        assert 'aria-invalid="true"' in refused.text
        assert _broadcasts(sessions) == 0
        assert _actions(sessions) == []


class TestRoles:
    def test_an_analyst_reads_the_counts_but_cannot_create_or_pause(
        self, as_role: Login, api: Api, sessions: sessionmaker[Session]
    ) -> None:
        segment_id, template_id = segment(api), template(api)
        created = api.post(
            "/api/broadcasts", {"name": "n", "segment_id": segment_id, "template_id": template_id}
        )
        page = f"/console/messaging/broadcasts/{created.json()['id']}"
        analyst = as_role("analyst")
        shown = analyst.get(page)
        assert shown.status_code == 200
        assert 'id="count-targeted"' in shown.text
        assert "confirm_pause" not in shown.text
        assert 'name="confirm"' not in shown.text
        token = csrf(analyst, page)
        assert (
            analyst.post(f"{page}/pause", data={"csrf_token": token, "confirm": "yes"}).status_code
            == 403
        )
        assert analyst.get(NEW).status_code == 403
        with sessions() as session:
            assert session.execute(select(Broadcast.status)).scalar_one() == "scheduled"

    def test_an_unknown_broadcast_is_a_404(self, as_role: Login) -> None:
        console = as_role("marketer")
        assert console.get("/console/messaging/broadcasts/424242").status_code == 404
