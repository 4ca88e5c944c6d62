"""The migration that made one outbox: consent webhook deliveries written before it are
moved into `outbound_messages` and delivered from there, signed as before; downgrading moves
them back. Runs on a database of its own (SQLite file, or `<test db>_migration`)."""

import hashlib
import hmac
from collections.abc import Iterator
from datetime import UTC, datetime

import orjson
import pytest
from alembic import command
from pydantic import SecretStr
from sqlalchemy import Engine, create_engine, make_url, text

from tests.conftest import TEST_DATABASE_URL
from unison import migrations
from unison.consent.ledger import webhooks
from unison.kit.db import create_db_engine, make_session_factory, transaction
from unison.kit.settings import Settings
from unison.outbox.delivery import deliver_due

# The lead re-chains migrations when merging: these name this change and the one before it.
ONE_OUTBOX, BEFORE = "0012", "0011"
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
SECRET = "whsec_migrated-secret-0123"
BODY = {"type": "consent.changed", "data": {"record_id": 41, "identifier": "gio@example.ge"}}


@pytest.fixture
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    if TEST_DATABASE_URL:
        url = make_url(TEST_DATABASE_URL)
        url = url.set(database=f"{url.database}_migration")
        admin = create_engine(make_url(TEST_DATABASE_URL), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{url.database}"'))
        admin.dispose()
        found = create_db_engine(url.render_as_string(hide_password=False))
    else:
        found = create_db_engine(f"sqlite:///{tmp_path_factory.mktemp('m') / 'migrate.db'}")
    yield found
    found.dispose()


def _old_delivery(engine: Engine, settings: Settings) -> None:
    """A subscription and one pending delivery, as the code before one outbox wrote them."""
    with transaction(make_session_factory(engine)) as session:
        hook, _ = webhooks.create(session, settings, "http://receiver.example/h", SECRET)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO consent_webhook_deliveries (webhook_id, profile_id, record_id,"
                " body, status, attempts, next_attempt_at, last_error) VALUES"
                " (:hook, 9, 41, :body, 'pending', 1, :now, 'HTTP 503')"
            ),
            {"hook": hook.id, "body": orjson.dumps(BODY).decode(), "now": NOW},
        )


class TestMigratingWebhookDeliveries:
    def test_a_pending_delivery_is_sent_from_the_outbox_and_moved_back_on_downgrade(
        self, engine: Engine
    ) -> None:
        settings = Settings(
            database_url=str(engine.url), secret_key=SecretStr("migration-secret-0123456789")
        )
        migrations.upgrade(engine, BEFORE)
        _old_delivery(engine, settings)
        migrations.upgrade(engine, ONE_OUTBOX)
        migrations.upgrade(engine)  # and the later outbox columns the code reads (0016)
        posted: list[tuple[str, bytes, dict[str, str]]] = []

        def post(url: str, body: bytes, headers: dict[str, str], _timeout: float) -> int:
            posted.append((url, body, headers))
            return 200

        sessions = make_session_factory(engine)
        plug = webhooks.webhook_channel(sessions, settings, post=post)
        assert deliver_due(sessions, settings, plug, now=NOW) == 1
        ((url, body, headers),) = posted
        assert (url, orjson.loads(body)) == ("http://receiver.example/h", BODY)
        stamp, _, mac = headers["X-Unison-Signature"].partition(",v1=")
        signed = f"{stamp.removeprefix('t=')}.".encode() + body
        expected = hmac.new(SECRET.encode(), signed, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(mac, expected)
        command.downgrade(migrations.alembic_config(engine), BEFORE)
        with engine.connect() as connection:
            back = connection.execute(
                text(
                    "SELECT webhook_id, profile_id, record_id, status, attempts"
                    " FROM consent_webhook_deliveries"
                )
            ).one()
            left = connection.execute(text("SELECT count(*) FROM outbound_messages")).scalar()
        assert tuple(back)[1:] == (9, 41, "delivered", 2)
        assert left == 0
