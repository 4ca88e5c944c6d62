"""Sources and their write keys: a new or rotated key is shown once, on the page that made it."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from unison.api.deps import DbSession
from unison.auth import audit
from unison.auth.roles import Permission
from unison.console.security import Staff, require
from unison.console.settings.common import page
from unison.kit.errors import UnisonError
from unison.sources import service
from unison.sources.channels import CHANNELS

router = APIRouter()
PATH = "/console/settings/sources"
Admin = Annotated[Staff, Depends(require(Permission.settings_manage))]


def _show(
    request: Request,
    session: Session,
    staff: Staff,
    *,
    key: tuple[str, str] | None = None,
    error: str | None = None,
) -> Response:
    context = {
        "sources": service.list_sources(session),
        "channels": CHANNELS,
        "system_hint": service.SYSTEM_HINT,
        "new_key": key,  # (source name, write key): shown this once
    }
    return page(request, staff, "settings/sources.html", context, error=error)


@router.get(PATH)
def list_sources(request: Request, session: DbSession, staff: Admin) -> Response:
    """Sources, their channels and key hints."""
    return _show(request, session, staff)


@router.post(PATH)
def create_source(
    request: Request,
    session: DbSession,
    staff: Admin,
    name: Annotated[str, Form(max_length=200)] = "",
    channel: Annotated[str, Form(max_length=40)] = "",
    region: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Create a source; its write key is shown once."""
    try:
        source, key = service.create_source(session, name, channel, region.strip() or None)
    except UnisonError as exc:
        return _show(request, session, staff, error=exc.detail)
    audit.record(
        session, staff.actor, "source.create", f"source:{source.name}", {"channel": channel}
    )
    return _show(request, session, staff, key=(source.name, key))


@router.post(PATH + "/rotate")
def rotate_key(
    request: Request,
    session: DbSession,
    staff: Admin,
    name: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Replace a source's write key (the old one stops working); the new key is shown once."""
    try:
        source, key = service.rotate_write_key(session, name)
    except UnisonError as exc:
        return _show(request, session, staff, error=exc.detail)
    audit.record(session, staff.actor, "source.rotate_key", f"source:{source.name}")
    return _show(request, session, staff, key=(source.name, key))
