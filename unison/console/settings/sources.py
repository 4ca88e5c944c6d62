"""Sources and their write keys: a new or rotated key is shown once, on the page that made it."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form
from starlette.responses import Response

from unison.auth.roles import Permission
from unison.console.settings.common import Tab, tab_for, tab_page
from unison.kit.errors import UnisonError
from unison.sources import service
from unison.sources.channels import CHANNELS

router = APIRouter()
PATH = "/console/settings/sources"
Admin = Annotated[Tab, Depends(tab_for(Permission.settings_manage))]
Name = Annotated[str, Form(max_length=200)]


def _show(tab: Tab, *, key: tuple[str, str] | None = None, error: str | None = None) -> Response:
    context = {
        "sources": service.list_sources(tab.session),
        "channels": CHANNELS,
        "system_hint": service.SYSTEM_HINT,
        "shown": key,  # (source name, write key): shown this once
    }
    return tab.page("settings/sources.html", context, error=error)


tab_page(router, PATH, Permission.settings_manage, _show, "Sources, their channels and key hints.")


@router.post(PATH)
def create_source(
    tab: Admin,
    name: Name = "",
    channel: Annotated[str, Form(max_length=40)] = "",
    region: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Create a source; its write key is shown once."""
    try:
        source, key = service.create_source(tab.session, name, channel, region.strip() or None)
    except UnisonError as exc:
        return _show(tab, error=exc.detail)
    tab.audit("source.create", f"source:{source.name}", {"channel": channel})
    return _show(tab, key=(source.name, key))


@router.post(PATH + "/rotate")
def rotate_key(tab: Admin, name: Name = "") -> Response:
    """Replace a source's write key (the old one stops working); the new key is shown once."""
    try:
        source, key = service.rotate_write_key(tab.session, name)
    except UnisonError as exc:
        return _show(tab, error=exc.detail)
    tab.audit("source.rotate_key", f"source:{source.name}")
    return _show(tab, key=(source.name, key))
