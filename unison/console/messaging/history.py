"""A customer's messages with the gate's decisions and reasons: a section of the customer
profile page, loaded from here (htmx) so the customers area stays its own; older messages
load in place."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from unison.api.deps import DbSession
from unison.auth.roles import Permission
from unison.console.errors import not_found
from unison.console.lookup import in_range
from unison.console.messaging.common import context
from unison.console.render import render
from unison.console.security import Staff, require
from unison.kit.errors import InvalidParameter, NotFound
from unison.messaging import service

router = APIRouter(include_in_schema=False)
Reader = Annotated[Staff, Depends(require(Permission.messages_read))]
PAGE = 20


@router.get("/console/messaging/customers/{profile_id:int}/messages")
def messages(
    request: Request, session: DbSession, staff: Reader, profile_id: int, cursor: str = ""
) -> Response:
    """Every message decided for the customer, newest first, with why it was (not) sent."""
    if not in_range(profile_id):
        return not_found(request, staff)
    try:
        page = service.messages_of(session, profile_id, cursor or None, PAGE)
    except NotFound:
        return not_found(request, staff)
    except InvalidParameter as exc:  # a cursor not of ours
        values = context(profile_id=profile_id, page=None, error=exc)
        return render(request, "messaging/history.html", values, staff, status_code=400)
    values = context(profile_id=profile_id, page=page, error=None)
    if cursor:  # "older messages": the rows alone, in place of the button's row
        return render(request, "messaging/_history_rows.html", values, staff)
    fragment = request.headers.get("hx-request") == "true"
    template = "messaging/_history.html" if fragment else "messaging/history.html"
    return render(request, template, values, staff)
