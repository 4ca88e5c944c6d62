"""Connectors: create one (its generated secrets shown once), rotate the secrets Unison made
up, the webhook URL to copy into the provider, and when its last event arrived."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import Response

from unison.api.deps import AppRuntime, DbSession
from unison.auth import audit
from unison.auth.roles import Permission
from unison.channels import service
from unison.channels.hooks import forget_connectors
from unison.channels.types import TYPES
from unison.console.forms import form_of
from unison.console.security import Staff, require
from unison.console.settings.common import page
from unison.events.log import RECENT_WINDOW, last_received
from unison.kit.errors import UnisonError

router = APIRouter()
PATH = "/console/settings/connectors"
Admin = Annotated[Staff, Depends(require(Permission.settings_manage))]
# Form fields secret_<name> carry the secrets the provider issued (a field prefix, no secret).
SECRET_FIELD = "secret_"  # noqa: S105


def _show(
    request: Request,
    session: Session,
    runtime: AppRuntime,
    staff: Staff,
    *,
    shown: tuple[str, dict[str, str]] | None = None,
    error: str | None = None,
    type_name: str | None = None,
) -> Response:
    connectors = service.list_connectors(session)
    seen = last_received(session, [c.source_id for c in connectors])
    chosen = type_name or request.query_params.get("type", "")
    kind = TYPES.get(chosen) or next(iter(TYPES.values()))
    rows = [
        {
            "name": c.name,
            "type": c.type,
            "region": c.region or "",
            "secret_names": c.secret_names,
            "webhook_url": service.webhook_url(runtime.settings, c),
            "last_event": seen.get(c.source_id),
            "rotatable": any(s.generated for s in TYPES[c.type].secrets),
        }
        for c in connectors
    ]
    context = {
        "connectors": rows,
        "types": list(TYPES),
        "kind": kind,
        "shown": shown,  # (connector name, {secret: value}): shown this once
        "recent_window": RECENT_WINDOW,
    }
    return page(request, staff, "settings/connectors.html", context, error=error)


@router.get(PATH)
def list_connectors(
    request: Request, session: DbSession, runtime: AppRuntime, staff: Admin
) -> Response:
    """Connectors with their webhook URLs and last events."""
    return _show(request, session, runtime, staff)


@router.post(PATH)
def create_connector(
    request: Request,
    session: DbSession,
    runtime: AppRuntime,
    staff: Admin,
    form: Annotated[FormData, Depends(form_of)],
) -> Response:
    """Create a connector; the secrets Unison generates for it are shown once."""
    type_name, name = str(form.get("type", "")), str(form.get("name", "")).strip()
    region = str(form.get("region", "")).strip() or None
    given = {
        key.removeprefix(SECRET_FIELD): str(value)
        for key, value in form.items()
        if key.startswith(SECRET_FIELD) and str(value).strip()
    }
    try:
        _connector, generated = service.create_connector(
            session, runtime.settings, type_name, name, given, region
        )
    except UnisonError as exc:
        return _show(request, session, runtime, staff, error=exc.detail, type_name=type_name)
    audit.record(session, staff.actor, "connector.create", f"connector:{name}", {"type": type_name})
    return _show(request, session, runtime, staff, shown=(name, generated))


@router.post(PATH + "/rotate")
def rotate_secret(
    request: Request,
    session: DbSession,
    runtime: AppRuntime,
    staff: Admin,
    name: Annotated[str, Form(max_length=60)] = "",
) -> Response:
    """New values for the connector's generated secrets, shown once."""
    try:
        fresh = service.rotate_generated_secrets(session, runtime.settings, name)
    except UnisonError as exc:
        return _show(request, session, runtime, staff, error=exc.detail)
    audit.record(
        session,
        staff.actor,
        "connector.rotate_secret",
        f"connector:{name}",
        {"secrets": sorted(fresh)},
    )
    session.commit()  # before the cache is dropped, so the next webhook reads the new secret
    forget_connectors(runtime.engine)
    return _show(request, session, runtime, staff, shown=(name, fresh))
