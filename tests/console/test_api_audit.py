"""Changes made through the API are in the same audit log, named by the token that made them."""

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from unison.models import AuditEntry


def test_settings_changes_through_the_api_are_audited(
    client: TestClient, admin_token: str, sessions: sessionmaker[Session]
) -> None:
    auth = {"Authorization": f"Bearer {admin_token}"}
    assert (
        client.post(
            "/api/sources", json={"name": "pos", "channel": "pos"}, headers=auth
        ).status_code
        == 201
    )
    assert (
        client.post("/api/tokens", json={"name": "bi", "role": "analyst"}, headers=auth).status_code
        == 201
    )
    purpose = {"name": "loyalty_news", "kind": "marketing"}
    assert client.post("/api/consent/purposes", json=purpose, headers=auth).status_code == 201
    refused = client.post("/api/sources", json={"name": "x", "channel": "fax"}, headers=auth)
    assert refused.status_code == 400
    with sessions() as session:
        rows = session.execute(
            select(AuditEntry.actor, AuditEntry.action, AuditEntry.target).order_by(AuditEntry.id)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("token:admin-token", "source.create", "source:pos"),
        ("token:admin-token", "token.create", "token:bi"),
        ("token:admin-token", "purpose.create", "purpose:loyalty_news"),
    ]
