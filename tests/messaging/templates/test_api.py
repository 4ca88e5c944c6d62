"""/api/templates: create, list, read, update (a new immutable version), versions, preview,
test send through the outbox; who may do what."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import make_token
from tests.messaging.templates.conftest import Api
from unison.models import OutboundMessage

WELCOME = {
    "ka": {"subject": "მოგესალმებით, {{ traits.first_name }}", "html": "<p>გამარჯობა</p>"},
    "en": {"subject": "Welcome, {{ traits.first_name }}", "text": "Hello"},
}


class TestCrud:
    def test_create_read_and_list(self, api: Api) -> None:
        created = api.create("email", WELCOME, name="welcome", description="first mail")
        assert created["channel"] == "email"
        assert created["current"]["version"] == 1
        assert created["current"]["default_locale"] == "ka"
        assert created["current"]["created_by"] == "admin-token"
        assert created["current"]["variants"] == WELCOME
        assert api.get(f"/api/templates/{created['id']}").json() == created
        sms = api.create("sms", {"en": {"text": "t"}})
        listed = api.get("/api/templates").json()
        assert [t["id"] for t in listed["items"]] == [created["id"], sms["id"]]
        only_sms = api.get("/api/templates", channel="sms").json()["items"]
        assert [t["id"] for t in only_sms] == [sms["id"]]
        page = api.get("/api/templates", limit=1).json()
        rest = api.get("/api/templates", limit=1, cursor=page["next_cursor"]).json()
        assert [page["items"][0]["id"], rest["items"][0]["id"]] == [created["id"], sms["id"]]

    def test_every_update_is_a_new_version_and_old_ones_never_change(self, api: Api) -> None:
        created = api.create("email", WELCOME, name="welcome", fallback_locales=["en"])
        path = f"/api/templates/{created['id']}"
        renamed = api.patch(path, {"name": "welcome-2"}).json()
        assert (renamed["name"], renamed["current"]["version"]) == ("welcome-2", 2)
        assert renamed["current"]["variants"] == WELCOME  # carried over
        assert renamed["current"]["fallback_locales"] == ["en"]
        new_words = {"en": {"subject": "Hi", "text": "Hello again"}}
        changed = api.patch(path, {"variants": new_words, "fallback_locales": None}).json()
        assert changed["current"]["version"] == 3
        assert changed["current"]["default_locale"] == "en"  # ka went away with its variant
        assert changed["current"]["fallback_locales"] is None
        versions = api.get(f"{path}/versions").json()
        assert [v["version"] for v in versions] == [3, 2, 1]
        assert versions[2]["variants"] == WELCOME
        assert versions[2]["name"] == "welcome"
        first = api.rendered(created["id"], api.customer("u1", first_name="A"), version=1)
        assert first["content"]["subject"] == "Welcome, A"  # version 1's own chain: en

    def test_locale_codes_are_stored_canonically(self, api: Api) -> None:
        created = api.create("sms", {"pt_br": {"text": "Olá"}, "HE": {"text": "שלום"}})
        assert set(created["current"]["variants"]) == {"pt-BR", "he"}


class TestPreview:
    def test_preview_for_a_profile_in_a_locale_with_a_sample_event(self, api: Api) -> None:
        pid = api.customer("u2", first_name="Nino", locale="ka")
        template = api.create("email", WELCOME)
        assert api.rendered(template["id"], pid) == {
            "template_id": template["id"],
            "version": 1,
            "channel": "email",
            "locale": "ka",
            "content": {
                "subject": "მოგესალმებით, Nino",
                "html": "<p>გამარჯობა</p>",
                "text": "გამარჯობა",
            },
            "sms": None,
        }
        english = api.rendered(template["id"], pid, locale="en")
        assert english["content"] == {"subject": "Welcome, Nino", "html": None, "text": "Hello"}

    def test_sms_preview_counts_segments(self, api: Api) -> None:
        pid = api.customer("u3", first_name="Armen")
        template = api.create(
            "sms", {"hy": {"text": "Բարեւ {{ traits.first_name }}"}, "en": {"text": "Hi {ok}"}}
        )
        armenian = api.rendered(template["id"], pid, locale="hy")["sms"]
        assert armenian == {
            "encoding": "UCS-2",
            "characters": 11,
            "units": 11,
            "segments": 1,
            "per_segment": 70,
            "max_segments": 3,
        }
        english = api.rendered(template["id"], pid, locale="en")["sms"]
        assert (english["encoding"], english["units"]) == ("GSM-7", 9)  # { and } cost two


class TestSeedSend:
    def test_a_test_send_queues_one_outbox_row_per_seed_once(
        self, api: Api, sessions: sessionmaker[Session]
    ) -> None:
        pid = api.customer("u4", first_name="Nino")
        template = api.create("email", WELCOME)
        body: dict[str, Any] = {
            "profile_id": pid,
            "recipients": ["QA@Example.ge", "qa@example.ge", "boss@example.ge"],
            "idempotency_key": "try-1",
        }
        path = f"/api/templates/{template['id']}/test-send"
        first = api.post(path, body)
        assert first.status_code == 202, first.text
        assert first.json()["recipients"] == [
            {"recipient": "qa@example.ge", "queued": True},
            {"recipient": "boss@example.ge", "queued": True},
        ]
        again = api.post(path, body).json()
        assert [r["queued"] for r in again["recipients"]] == [False, False]
        with sessions() as session:
            rows = list(session.execute(select(OutboundMessage)).scalars())
        assert [(r.recipient, r.channel, r.purpose, r.language) for r in rows] == [
            ("qa@example.ge", "email", "test", "ka"),
            ("boss@example.ge", "email", "test", "ka"),
        ]
        assert (rows[0].subject, rows[0].body, rows[0].status) == (
            "მოგესალმებით, Nino",
            "გამარჯობა",
            "queued",
        )
        assert rows[0].idempotency_key.startswith(f"template-test:{template['id']}:1:")
        # the seed gets the whole message a customer would (the HTML part too); no receipt
        # lands on the profile that only lent its data to the render
        assert rows[0].content is not None
        assert rows[0].content["subject"] == rows[0].subject
        assert set(rows[0].content) >= {"subject", "html", "text"}
        assert rows[0].meta is None

    def test_without_a_key_each_request_is_its_own_send(
        self, api: Api, sessions: sessionmaker[Session]
    ) -> None:
        pid = api.customer("u5")
        template = api.create("sms", {"en": {"text": "t"}})
        path = f"/api/templates/{template['id']}/test-send"
        body = {"profile_id": pid, "recipients": ["+995 555 12 34 56"]}
        keys = {api.post(path, body).json()["idempotency_key"] for _ in range(2)}
        assert len(keys) == 2
        with sessions() as session:
            recipients = session.execute(select(OutboundMessage.recipient)).scalars().all()
        assert recipients == ["+995555123456", "+995555123456"]

    def test_a_webhook_template_is_sent_to_its_own_url(
        self, api: Api, sessions: sessionmaker[Session]
    ) -> None:
        pid = api.customer("u6")
        variants = {
            "en": {
                "url": "https://hooks.example/{{ profile.id }}",
                "json": {"id": "{{ profile.id }}"},
            }
        }
        template = api.create("webhook", variants)
        response = api.post(f"/api/templates/{template['id']}/test-send", {"profile_id": pid})
        assert response.status_code == 202, response.text
        with sessions() as session:
            row = session.execute(select(OutboundMessage)).scalar_one()
        assert (row.recipient, row.body) == (f"https://hooks.example/{pid}", f'{{"id":"{pid}"}}')


class TestPermissions:
    def test_marketers_write_analysts_read_agents_neither(
        self, api: Api, sessions: sessionmaker[Session]
    ) -> None:
        pid = api.customer("u7")
        marketer, analyst, agent = (
            make_token(sessions, r) for r in ("marketer", "analyst", "agent")
        )
        body = {"name": "m", "channel": "sms", "variants": {"en": {"text": "t"}}}
        made = api.post("/api/templates", body, token=marketer)
        assert made.status_code == 201
        tid = made.json()["id"]
        assert api.post("/api/templates", {**body, "name": "a"}, token=analyst).status_code == 403
        assert api.patch(f"/api/templates/{tid}", {"name": "x"}, token=analyst).status_code == 403
        assert api.get(f"/api/templates/{tid}", token=analyst).status_code == 200
        preview = api.post(f"/api/templates/{tid}/preview", {"profile_id": pid}, token=analyst)
        assert preview.status_code == 200
        send = {"profile_id": pid, "recipients": ["+995555123456"]}
        assert api.post(f"/api/templates/{tid}/test-send", send, token=analyst).status_code == 403
        assert api.post(f"/api/templates/{tid}/test-send", send, token=marketer).status_code == 202
        assert api.get("/api/templates", token=agent).status_code == 403
        assert api.client.get("/api/templates").status_code == 401
