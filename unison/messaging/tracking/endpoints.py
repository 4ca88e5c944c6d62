"""The open pixel and the click redirect. Both answer without authentication (mail clients
fetch them), and record at most one `Opened` / `Clicked` receipt per message (receipts are
idempotent by message and kind); a link that fails its signature is a 403, never a
redirect."""

import base64
from typing import Annotated

from fastapi import APIRouter, Path
from starlette.responses import RedirectResponse, Response

from unison.api.deps import AppRuntime, DbSession
from unison.api.openapi import raises
from unison.messaging.tracking import links
from unison.messaging.tracking.errors import TrackingLinkInvalid
from unison.messaging.tracking.service import hit

router = APIRouter(tags=["tracking"])
# The smallest transparent GIF (43 bytes).
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
Token = Annotated[str, Path(min_length=3, max_length=4096, description="a signed tracking token")]
NO_STORE = {"Cache-Control": "no-store, max-age=0"}
REFUSED = raises(TrackingLinkInvalid)


@router.get(
    "/t/o/{token}.gif",
    response_class=Response,
    responses={200: {"content": {"image/gif": {}}, "description": "a 1x1 GIF"}, **REFUSED},
)
def open_pixel(token: Token, session: DbSession, runtime: AppRuntime) -> Response:
    """The open pixel: records `Opened` on the message, answers a 1x1 GIF."""
    outbox_id, _ = links.verify(runtime.settings, "o", token)
    hit(session, outbox_id, "Opened")
    return Response(PIXEL, media_type="image/gif", headers=NO_STORE)


@router.get(
    "/t/c/{token}",
    response_class=RedirectResponse,
    status_code=302,
    responses={302: {"description": "to the original URL"}, **REFUSED},
)
def click(token: Token, session: DbSession, runtime: AppRuntime) -> RedirectResponse:
    """A tracked link: records `Clicked` (with the URL) and redirects to it."""
    outbox_id, url = links.verify(runtime.settings, "c", token)
    hit(session, outbox_id, "Clicked", url=url)
    return RedirectResponse(url, status_code=302, headers=NO_STORE)
