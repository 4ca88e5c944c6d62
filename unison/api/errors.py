"""One error shape for every failure: {"error": "<Class>", "detail": "...", "field": "..."}."""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from unison.api.declarations import undeclared
from unison.api.responses import JsonResponse
from unison.kit.errors import UnisonError

log = logging.getLogger(__name__)


# HTTP plumbing's own errors (api/body.py, api/text_params.py); each domain declares its
# own in its errors.py.
class MalformedBody(UnisonError):
    status_code = 400


class UnsupportedEncoding(UnisonError):
    status_code = 415


class NulCharacter(UnisonError):
    status_code = 400


# FastAPI raises a bare 400 only when it cannot parse a JSON body (e.g. nested past Python's
# recursion limit); named like every other unreadable body.
_HTTP_NAMES = {
    400: "MalformedBody",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
}


async def _unison_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, UnisonError)
    headers = {"WWW-Authenticate": 'Basic realm="unison"'} if exc.status_code == 401 else None
    response = JsonResponse(exc.to_dict(), status_code=exc.status_code, headers=headers)
    return undeclared(request.scope, exc.status_code, type(exc).__name__) or response


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0]
    loc = [str(part) for part in first.get("loc", ())]
    in_body = bool(loc) and loc[0] == "body"
    field = ".".join(loc[1:]) if len(loc) > 1 else (loc[0] if loc else None)
    detail = f"{field}: {first.get('msg', 'invalid')}" if field else str(first.get("msg"))
    # 422 only for a body of the wrong shape; a bad query or path parameter is a 400.
    status, name = (422, "InvalidPayload") if in_body else (400, "InvalidParameter")
    response = JsonResponse({"error": name, "detail": detail, "field": field}, status_code=status)
    return undeclared(request.scope, status, name) or response


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    name = _HTTP_NAMES.get(exc.status_code, "HTTPError")
    body = {"error": name, "detail": str(exc.detail)}
    if exc.status_code == 400:
        body["field"] = "body"
    response = JsonResponse(body, status_code=exc.status_code, headers=exc.headers)
    return undeclared(request.scope, exc.status_code, name) or response


async def _unexpected(request: Request, exc: Exception) -> JsonResponse:
    # The traceback is logged; the request body (which may hold PII) is not.
    log.error("unhandled error", exc_info=exc, extra={"path": request.url.path})
    return JsonResponse(
        {"error": "InternalError", "detail": "an unexpected error occurred; it has been logged"},
        status_code=500,
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(UnisonError, _unison_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
