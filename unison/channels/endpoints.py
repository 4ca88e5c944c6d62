"""HTTP routes for configuring connectors (admin only). Webhooks are in hooks.py."""

from typing import Annotated

from fastapi import APIRouter, Path
from sqlalchemy.orm import Session
from starlette.responses import Response

from unison.api.deps import AppRuntime, ConnectorsWrite, DbSession
from unison.api.openapi import raises
from unison.channels import service
from unison.channels.errors import (
    ConnectorExists,
    ConnectorInvalid,
    ConnectorNotFound,
    SecretsUnreadable,
)
from unison.channels.hooks import forget_connectors
from unison.channels.schemas import (
    ConnectorCreate,
    ConnectorCreated,
    ConnectorUpdate,
    ConnectorView,
)
from unison.kit.settings import Settings
from unison.models import Connector, Source

router = APIRouter(prefix="/api/connectors", tags=["connectors"])
Name = Annotated[str, Path(min_length=1, max_length=60, description="the connector's name")]


def connector_out(session: Session, settings: Settings, connector: Connector) -> ConnectorView:
    source = session.get(Source, connector.source_id)
    return ConnectorView(
        id=connector.id,
        type=connector.type,
        name=connector.name,
        source=source.name if source else "",
        region=connector.region,
        secret_names=list(connector.secret_names),
        webhook_url=service.webhook_url(settings, connector),
        created_at=connector.created_at,
        updated_at=connector.updated_at,
    )


@router.get("", response_model=list[ConnectorView])
def list_connectors(
    session: DbSession,
    runtime: AppRuntime,
    _token: ConnectorsWrite,
) -> list[ConnectorView]:
    """Every connector with its webhook URL and which secrets are set (never their values)."""
    return [connector_out(session, runtime.settings, c) for c in service.list_connectors(session)]


@router.post(
    "",
    response_model=ConnectorCreated,
    status_code=201,
    responses=raises(ConnectorInvalid, ConnectorExists),
)
def create_connector(
    body: ConnectorCreate,
    session: DbSession,
    runtime: AppRuntime,
    _token: ConnectorsWrite,
) -> ConnectorCreated:
    """Create a connector; secrets it generates (webhook secret, verify token) are returned
    once."""
    connector, generated = service.create_connector(
        session, runtime.settings, body.type, body.name, body.secrets, body.region
    )
    out = connector_out(session, runtime.settings, connector)
    return ConnectorCreated(**out.model_dump(), generated_secrets=generated)


@router.get("/{name}", response_model=ConnectorView, responses=raises(ConnectorNotFound))
def get_connector(
    name: Name,
    session: DbSession,
    runtime: AppRuntime,
    _token: ConnectorsWrite,
) -> ConnectorView:
    """One connector (never its secrets' values)."""
    return connector_out(session, runtime.settings, service.get_connector(session, name))


@router.patch(
    "/{name}",
    response_model=ConnectorView,
    responses=raises(ConnectorNotFound, ConnectorInvalid, SecretsUnreadable),
)
def update_connector(
    name: Name,
    body: ConnectorUpdate,
    session: DbSession,
    runtime: AppRuntime,
    _token: ConnectorsWrite,
) -> ConnectorView:
    """Replace some secrets (rotation) or the region."""
    connector = service.update_connector(session, runtime.settings, name, body.secrets, body.region)
    session.commit()  # before the cache is dropped, so the next webhook reads the new secrets
    forget_connectors(runtime.engine)
    return connector_out(session, runtime.settings, connector)


@router.delete("/{name}", status_code=204, responses=raises(ConnectorNotFound))
def delete_connector(
    name: Name,
    session: DbSession,
    runtime: AppRuntime,
    _token: ConnectorsWrite,
) -> Response:
    """Delete a connector: its webhook stops answering; its events stay in the log."""
    service.delete_connector(session, name)
    session.commit()
    forget_connectors(runtime.engine)
    return Response(status_code=204)
