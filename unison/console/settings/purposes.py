"""Consent purposes (topics): those in settings, those added since, and a form to add one."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form
from pydantic import ValidationError
from starlette.responses import Response

from unison.auth.roles import Permission
from unison.consent import purposes
from unison.consent.schemas import PurposeCreate
from unison.console.settings.common import Tab, done, tab_for, tab_page
from unison.kit.errors import UnisonError

router = APIRouter()
PATH = "/console/settings/purposes"
Admin = Annotated[Tab, Depends(tab_for(Permission.settings_manage))]
NAME_RULE = "name: a lowercase letter, then up to 59 lowercase letters, digits or _"


def _show(tab: Tab, error: str | None = None) -> Response:
    context = {"purposes": purposes.list_purposes(tab.session, tab.runtime.settings)}
    return tab.page("settings/purposes.html", context, error=error)


tab_page(router, PATH, Permission.settings_manage, _show, "Every purpose consent can be given for.")


@router.post(PATH)
def declare_purpose(
    tab: Admin,
    name: Annotated[str, Form(max_length=200)] = "",
    kind: Annotated[str, Form(max_length=20)] = "marketing",
    description: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Declare a purpose."""
    try:
        body = PurposeCreate(name=name.strip(), kind=kind, description=description)
        purposes.declare_purpose(tab.session, tab.runtime.settings, body)
    except ValidationError as exc:
        field = str(exc.errors()[0]["loc"][0])
        message = NAME_RULE if field == "name" else f"{field}: {exc.errors()[0]['msg']}"
        return _show(tab, message)
    except UnisonError as exc:
        return _show(tab, exc.detail)
    tab.audit("purpose.create", f"purpose:{body.name}", {"kind": kind})
    return done(PATH, "purpose_created")
