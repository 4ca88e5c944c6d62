"""Consent purposes (topics): those in settings, those added since, and a form to add one."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.responses import Response

from unison.api.deps import AppRuntime, DbSession
from unison.auth import audit
from unison.auth.roles import Permission
from unison.consent import purposes
from unison.consent.schemas import PurposeCreate
from unison.console.security import Staff, require
from unison.console.settings.common import done, page
from unison.kit.errors import UnisonError

router = APIRouter()
PATH = "/console/settings/purposes"
Admin = Annotated[Staff, Depends(require(Permission.settings_manage))]
NAME_RULE = "name: a lowercase letter, then up to 59 lowercase letters, digits or _"


def _show(
    request: Request, session: Session, runtime: AppRuntime, staff: Staff, error: str | None = None
) -> Response:
    context = {"purposes": purposes.list_purposes(session, runtime.settings)}
    return page(request, staff, "settings/purposes.html", context, error=error)


@router.get(PATH)
def list_purposes(
    request: Request, session: DbSession, runtime: AppRuntime, staff: Admin
) -> Response:
    """Every purpose consent can be given for."""
    return _show(request, session, runtime, staff)


@router.post(PATH)
def declare_purpose(
    request: Request,
    session: DbSession,
    runtime: AppRuntime,
    staff: Admin,
    name: Annotated[str, Form(max_length=200)] = "",
    kind: Annotated[str, Form(max_length=20)] = "marketing",
    description: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Declare a purpose."""
    try:
        body = PurposeCreate(name=name.strip(), kind=kind, description=description)
        purposes.declare_purpose(session, runtime.settings, body)
    except ValidationError as exc:
        field = str(exc.errors()[0]["loc"][0])
        message = NAME_RULE if field == "name" else f"{field}: {exc.errors()[0]['msg']}"
        return _show(request, session, runtime, staff, error=message)
    except UnisonError as exc:
        return _show(request, session, runtime, staff, error=exc.detail)
    audit.record(session, staff.actor, "purpose.create", f"purpose:{body.name}", {"kind": kind})
    return done(PATH, "purpose_created")
