"""Broadcasts end to end: bad input refused with nothing stored; a broadcast fanned out in
chunks through the real pipeline (one message per profile, gate reasons counted); scheduled,
local-time, paused, resumed and cancelled broadcasts."""

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import make_token
from tests.consent.conftest import Api
from tests.messaging.broadcasts.conftest import (
    Store,
    audience,
    create,
    local_broadcast,
    run,
    segment,
    template,
)
from unison.kit.clock import utcnow
from unison.messaging.broadcasts.tasks import FanOut


class TestBadInput:
    def test_each_is_refused_naming_the_field_and_nothing_is_stored(
        self, api: Api, process: Callable[[], int]
    ) -> None:
        audience(api, process, "Batumi", 1)
        seg, tpl = segment(api, "Batumi"), template(api)
        past = (utcnow() - timedelta(minutes=5)).isoformat()
        cases = [
            ({"segment_id": 999, "template_id": tpl}, 404, "segment_id"),
            ({"segment_id": seg, "template_id": 999}, 404, "template_id"),
            ({"segment_id": seg, "template_id": tpl, "send_at": past}, 400, "send_at"),
            ({"segment_id": seg, "template_id": tpl, "holdout_percent": 60}, 422, None),
            (
                {
                    "segment_id": seg,
                    "variants": [
                        {"name": "A", "template_id": tpl, "split": 50},
                        {"name": "B", "template_id": tpl, "split": 40},
                    ],
                },
                400,
                "variants",
            ),
            (
                {"segment_id": seg, "variants": [{"name": "A", "template_id": 998, "split": 100}]},
                404,
                "variants[0].template_id",
            ),
            ({"segment_id": seg, "template_id": tpl, "local_time": "2020-01-01T10:00"}, 400, None),
        ]
        for body, status, field in cases:
            response = api.post("/api/broadcasts", {"name": "Зимняя распродажа", **body})
            assert response.status_code == status, (body, response.text)
            error = response.json()
            assert "error" in error
            if field is not None:
                assert error["field"] == field, error
        assert api.get("/api/broadcasts").json()["items"] == []


class TestFanOut:
    def test_every_member_gets_one_message_through_the_gate_and_counts_add_up(
        self, api: Api, process: Callable[[], int], fan_out: FanOut, store: Store
    ) -> None:
        ids = audience(api, process, "Tbilisi", 5, granted=3)
        made = create(
            api, name="სიახლეები", segment_id=segment(api, "Tbilisi"), template_id=template(api)
        )
        assert (made["status"], made["timing"]) == ("scheduled", "now")
        assert run(fan_out, made["id"], utcnow()) > 0
        messages = store.messages(made["id"])
        assert sorted(m.profile_id for m in messages) == sorted(ids)
        assert {m.idempotency_key for m in messages} == {
            f"broadcast:{made['id']}:{pid}" for pid in ids
        }
        outbox = store.outbox()
        assert len(outbox) == 3
        assert all(row.meta and row.meta["broadcast_id"] == made["id"] for row in outbox)
        shown = api.get(f"/api/broadcasts/{made['id']}").json()
        counts = shown["counts"]
        assert shown["status"] == "done"
        assert (counts["targeted"], counts["queued"], counts["suppressed"]) == (5, 3, 2)
        assert sum(counts["suppressed_by_reason"].values()) == 2
        assert counts["pending"] == 0
        # A second fan-out over a finished broadcast does nothing.
        assert fan_out.chunk(made["id"]) == 0
        assert len(store.outbox()) == 3

    def test_a_scheduled_broadcast_waits_for_its_moment(
        self, api: Api, process: Callable[[], int], fan_out: FanOut, store: Store
    ) -> None:
        audience(api, process, "Kutaisi", 2)
        at = utcnow() + timedelta(hours=2)
        made = create(
            api,
            name="later",
            segment_id=segment(api, "Kutaisi"),
            template_id=template(api),
            send_at=at.isoformat(),
        )
        assert made["timing"] == "at"
        assert fan_out() == 0
        assert fan_out.chunk(made["id"], at - timedelta(seconds=1)) == 0
        assert store.messages(made["id"]) == []
        assert run(fan_out, made["id"], at) == 4  # 2 targeted + 2 sent
        assert len(store.messages(made["id"])) == 2

    def test_the_same_local_time_in_tbilisi_and_jerusalem(
        self, api: Api, process: Callable[[], int], fan_out: FanOut, store: Store
    ) -> None:
        [tbilisi] = audience(api, process, "Zones", 1, timezone="Asia/Tbilisi")
        [jerusalem] = audience(api, process, "Zones", 1, start=1, timezone="Asia/Jerusalem")
        day = (utcnow() + timedelta(days=2)).date().isoformat()
        made = local_broadcast(api, "בוקר טוב", "Zones", day)
        assert made["timing"] == "local"
        start = utcnow()
        run(fan_out, made["id"], start)
        due = {r.profile_id: r.due_at for r in store.recipients(made["id"])}
        assert due[tbilisi] == datetime.fromisoformat(f"{day}T06:00+00:00")
        # Jerusalem is UTC+2 in winter: 10:00 there is 08:00 UTC, two hours after Tbilisi.
        assert due[jerusalem] - due[tbilisi] == timedelta(hours=2)
        assert store.messages(made["id"]) == []
        run(fan_out, made["id"], due[tbilisi] + timedelta(minutes=1))
        assert [m.profile_id for m in store.messages(made["id"])] == [tbilisi]
        run(fan_out, made["id"], due[jerusalem])
        assert len(store.messages(made["id"])) == 2


class TestPauseResumeCancel:
    def test_pause_stops_the_next_chunk_and_holds_queued_rows_resume_releases_them(
        self, api: Api, process: Callable[[], int], fan_out: FanOut, store: Store
    ) -> None:
        audience(api, process, "Gori", 6)
        made = create(api, name="p", segment_id=segment(api, "Gori"), template_id=template(api))
        bid, now = made["id"], utcnow()
        assert fan_out.chunk(bid, now) == 4  # 2 targeted, 2 sent (chunk size 2)
        paused = api.post(f"/api/broadcasts/{bid}/pause", {})
        assert paused.status_code == 200, paused.text
        assert paused.json()["status"] == "paused"
        assert paused.json()["counts"]["held"] == 2
        assert {row.status for row in store.outbox()} == {"held"}
        assert fan_out.chunk(bid, now + timedelta(seconds=1)) == 0
        assert fan_out() == 0
        assert len(store.messages(bid)) == 2
        again = api.post(f"/api/broadcasts/{bid}/pause", {})
        assert (again.status_code, again.json()["field"]) == (409, "status")
        resumed = api.post(f"/api/broadcasts/{bid}/resume", {})
        assert resumed.json()["status"] == "running"
        assert {row.status for row in store.outbox()} == {"queued"}
        assert fan_out.chunk(bid, now + timedelta(seconds=2)) == 4
        assert len(store.messages(bid)) == 4
        cancelled = api.post(f"/api/broadcasts/{bid}/cancel", {})
        assert cancelled.json()["status"] == "cancelled"
        assert cancelled.json()["counts"]["cancelled"] == 4
        assert fan_out.chunk(bid, now + timedelta(seconds=3)) == 0
        assert len(store.messages(bid)) == 4
        assert api.post(f"/api/broadcasts/{bid}/resume", {}).status_code == 409

    def test_throttling_sends_at_most_the_rate_per_second(
        self, api: Api, process: Callable[[], int], fan_out: FanOut, store: Store
    ) -> None:
        audience(api, process, "Telavi", 3)
        made = create(
            api,
            name="slow",
            segment_id=segment(api, "Telavi"),
            template_id=template(api),
            rate_per_second=1,
        )
        bid, now = made["id"], utcnow()
        fan_out.chunk(bid, now)
        assert len(store.messages(bid)) == 1
        assert fan_out.chunk(bid, now + timedelta(milliseconds=500)) == 0
        fan_out.chunk(bid, now + timedelta(seconds=1))
        assert len(store.messages(bid)) == 2


class TestWhoMayRead:
    def test_analysts_read_broadcasts_agents_do_not_and_neither_may_create(
        self, api: Api, sessions: sessionmaker[Session], process: Callable[[], int]
    ) -> None:
        audience(api, process, "Batumi", 1)
        body = {"name": "b", "segment_id": segment(api, "Batumi"), "template_id": template(api)}
        created = create(api, **body)
        analyst, agent = make_token(sessions, "analyst"), make_token(sessions, "agent")
        assert api.get(f"/api/broadcasts/{created['id']}", token=analyst).status_code == 200
        assert api.get("/api/broadcasts", token=analyst).status_code == 200
        assert api.get(f"/api/broadcasts/{created['id']}", token=agent).status_code == 403
        assert api.get("/api/broadcasts", token=agent).status_code == 403
        for token in (analyst, agent):
            assert api.post("/api/broadcasts", body, token=token).status_code == 403
