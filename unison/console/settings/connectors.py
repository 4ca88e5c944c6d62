"""Connectors: create one (its generated secrets shown once), rotate the secrets Unison made
up, the webhook URL to copy into the provider, and when its last event arrived."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form
from starlette.datastructures import FormData
from starlette.responses import Response

from unison.auth.roles import Permission
from unison.channels import service
from unison.channels.hooks import forget_connectors
from unison.channels.types import TYPES
from unison.console.forms import form_of
from unison.console.settings.common import Tab, tab_for, tab_page
from unison.events.log import RECENT_WINDOW, last_received
from unison.kit.errors import UnisonError

router = APIRouter()
PATH = "/console/settings/connectors"
Admin = Annotated[Tab, Depends(tab_for(Permission.settings_manage))]
# Form fields secret_<name> carry the secrets the provider issued (a field prefix, no secret).
SECRET_FIELD = "secret_"  # noqa: S105


def _show(
    tab: Tab,
    *,
    shown: tuple[str, dict[str, str]] | None = None,
    error: str | None = None,
    type_name: str | None = None,
) -> Response:
    connectors = service.list_connectors(tab.session)
    seen = last_received(tab.session, [c.source_id for c in connectors])
    chosen = type_name or tab.request.query_params.get("type", "")
    kind = TYPES.get(chosen) or next(iter(TYPES.values()))
    rows = [
        {
            "name": c.name,
            "type": c.type,
            "region": c.region or "",
            "secret_names": c.secret_names,
            "webhook_url": service.webhook_url(tab.runtime.settings, c),
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
    return tab.page("settings/connectors.html", context, error=error)


CONNECTORS_DOC = "Connectors with their webhook URLs and last events."
tab_page(router, PATH, Permission.settings_manage, _show, CONNECTORS_DOC)


@router.post(PATH)
def create_connector(tab: Admin, form: Annotated[FormData, Depends(form_of)]) -> Response:
    """Create a connector; the secrets Unison generates for it are shown once."""
    type_name, name = str(form.get("type", "")), str(form.get("name", "")).strip()
    region = str(form.get("region", "")).strip() or None
    given = {
        key.removeprefix(SECRET_FIELD): str(value)
        for key, value in form.items()
        if key.startswith(SECRET_FIELD) and str(value).strip()
    }
    settings = tab.runtime.settings
    try:
        _connector, generated = service.create_connector(
            tab.session, settings, type_name, name, given, region
        )
    except UnisonError as exc:
        return _show(tab, error=exc.detail, type_name=type_name)
    tab.audit("connector.create", f"connector:{name}", {"type": type_name})
    return _show(tab, shown=(name, generated))


@router.post(PATH + "/rotate")
def rotate_secret(tab: Admin, name: Annotated[str, Form(max_length=60)] = "") -> Response:
    """New values for the connector's generated secrets, shown once."""
    try:
        fresh = service.rotate_generated_secrets(tab.session, tab.runtime.settings, name)
    except UnisonError as exc:
        return _show(tab, error=exc.detail)
    tab.audit("connector.rotate_secret", f"connector:{name}", {"secrets": sorted(fresh)})
    tab.session.commit()  # before the cache is dropped, so the next webhook reads the new secret
    forget_connectors(tab.runtime.engine)
    return _show(tab, shown=(name, fresh))
