"""The audit log, newest first, filterable by actor, action and target, 50 at a time."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from starlette.responses import Response

from unison.auth import audit
from unison.auth.roles import Permission
from unison.console.settings.common import Tab, tab_for

router = APIRouter()
PATH = "/console/settings/audit"
Auditor = Annotated[Tab, Depends(tab_for(Permission.audit_read))]
Filter = Annotated[str, Query(max_length=200)]


@router.get(PATH)
def audit_log(
    tab: Auditor,
    actor: Filter = "",
    action: Filter = "",
    target: Filter = "",
    before: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    """Who did what, newest first."""
    found = audit.entries(
        tab.session,
        actor=actor.strip() or None,
        action=action.strip() or None,
        target=target.strip() or None,
        before_id=before,
        limit=audit.PAGE,
    )
    context = {
        "entries": found,
        "actions": audit.actions(tab.session),
        "filters": {"actor": actor, "action": action, "target": target},
        "next_before": found[-1].id if len(found) == audit.PAGE else None,
    }
    return tab.page("settings/audit.html", context)
