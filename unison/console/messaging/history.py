"""A customer's messages with the gate's decisions and reasons: a section of the customer
profile page, loaded from here (htmx) so the customers area stays its own; older messages
load in place."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from unison.api.deps import DbSession
from unison.auth.roles import Permission
from unison.console.messaging.common import context
from unison.console.render import render
from unison.console.security import Staff, require
from unison.kit.errors import InvalidParameter, NotFound
from unison.messaging import service

router = APIRouter(include_in_schema=False)
Reader = Annotated[Staff, Depends(require(Permission.messages_read))]
MAX_ID = 2**63 - 1
PAGE = 20


@router.get("/console/messaging/customers/{profile_id:int}/messages")
def messages(
    request: Request, session: DbSession, staff: Reader, profile_id: int, cursor: str = ""
) -> Response:
    """Every message decided for the customer, newest first, with why it was (not) sent."""
    if not 0 < profile_id <= MAX_ID:
        return render(request, "errors/404.html", {}, staff, status_code=404)
    try:
        page = service.messages_of(session, profile_id, cursor or None, PAGE)
    except NotFound:
        return render(request, "errors/404.html", {}, staff, status_code=404)
    except InvalidParameter as exc:  # a cursor not of ours
        values = context(profile_id=profile_id, page=None, error=exc)
        return render(request, "messaging/history.html", values, staff, status_code=400)
    values = context(profile_id=profile_id, page=page, error=None)
    if cursor:  # "older messages": the rows alone, in place of the button's row
        return render(request, "messaging/_history_rows.html", values, staff)
    fragment = request.headers.get("hx-request") == "true"
    template = "messaging/_history.html" if fragment else "messaging/history.html"
    return render(request, template, values, staff)
