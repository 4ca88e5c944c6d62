"""Strict error declarations: an error answer must name a class its operation declares.

With `UNISON_STRICT_ERROR_DECLARATIONS` on (the tests turn it on), every error answer, from
the app's handlers (api/errors.py) and from the ingest fast paths alike, is checked against
the OpenAPI document (api/openapi.py): a class the matched operation does not list for that
status becomes a 500 naming the route and the class. So every test that triggers an error
proves its declaration, and the document cannot drift from the code. Requests no operation
matches (an unknown path, a method the path does not take, the customer pages, which are not
in the document) have nothing to check against.
"""

import logging
from typing import Any

import orjson
from fastapi import FastAPI
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import Scope

from unison.api.openapi import Declared, declared_errors
from unison.api.responses import JsonResponse

log = logging.getLogger(__name__)


def _declared(app: FastAPI) -> Declared:
    found: Declared | None = getattr(app.state, "declared_errors", None)
    if found is None:
        found = app.state.declared_errors = declared_errors(app.openapi())
    return found


def _path_of(app: FastAPI, scope: Scope) -> str | None:
    """The matched route's path template; the fast paths answer before routing, so their
    route is found the way routing would."""
    route: Any = scope.get("route")
    if route is None:
        route = next((r for r in app.router.routes if r.matches(scope)[0] is Match.FULL), None)
    path: str | None = getattr(route, "path_format", None)
    return path


def _strict(scope: Scope) -> bool:
    strict: bool = scope["app"].state.runtime.settings.strict_error_declarations
    return strict


def undeclared(scope: Scope, status: int, name: str) -> Response | None:
    """The 500 to send instead when strict and the operation does not declare `name`."""
    if not _strict(scope):
        return None
    app: FastAPI = scope["app"]
    path = _path_of(app, scope)
    operation = _declared(app).get((path or "", scope["method"]))
    if operation is None or name in operation.get(status, ()):
        return None
    label = f"{scope['method']} {path}"
    log.error("undeclared error %s (%d) answered by %s", name, status, label)
    detail = (
        f"{label} answered {name} ({status}), which its OpenAPI operation does not declare: "
        "add it to the route's raises(...) (api/openapi.py)"
    )
    return JsonResponse({"error": "UndeclaredError", "detail": detail}, status_code=500)


def checked(scope: Scope, response: Response) -> Response:
    """`response`, or the 500 above when it is an undeclared error (strict mode only)."""
    if response.status_code < 400 or not _strict(scope):
        return response
    body = bytes(response.body)
    if not body.startswith(b"{"):
        return response
    name = orjson.loads(body).get("error")
    if not isinstance(name, str):
        return response
    return undeclared(scope, response.status_code, name) or response
