"""The settings area's routes: one module per tab."""

from fastapi import APIRouter, Depends
from starlette.responses import RedirectResponse, Response

from unison.auth.roles import Permission
from unison.console.security import require
from unison.console.settings import audit_log, connectors, purposes, sources, users

router = APIRouter()


@router.get("/console/settings", dependencies=[Depends(require(Permission.settings_manage))])
def settings_home() -> Response:
    """The first tab."""
    return RedirectResponse("/console/settings/sources", status_code=303)


for tab in (sources, connectors, purposes, users, audit_log):
    router.include_router(tab.router)
