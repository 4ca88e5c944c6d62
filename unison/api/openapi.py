"""The OpenAPI document tells the truth about errors: every failure answers the one `Error`
shape (api/errors.py), so each operation lists the 4xx statuses it can answer with it,
in place of FastAPI's `HTTPValidationError`, which this API never sends."""

from typing import Any

from fastapi import FastAPI

ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "description": "Every 4xx and 5xx answer: what went wrong, and the field it concerns.",
    "required": ["error", "detail"],
    "properties": {
        "error": {"type": "string", "description": "the error class, e.g. InvalidParameter"},
        "detail": {"type": "string", "description": "what was wrong and what is accepted"},
        "field": {
            "anyOf": [{"type": "string"}, {"type": "null"}],
            "description": "the parameter, header or body field at fault",
        },
    },
    # Some errors carry more, e.g. a rejected batch lists each event's reason.
    "additionalProperties": True,
}
_ERROR_REF = {"$ref": "#/components/schemas/Error"}
_DESCRIPTIONS = {
    400: "a parameter or the body is invalid",
    401: "credentials missing, unknown or revoked",
    403: "the token's role lacks the permission",
    404: "nothing with that id or name",
    409: "conflicts with what is stored",
    413: "the body is over the size limit",
    415: "unsupported Content-Encoding",
    422: "the body has the wrong shape",
}
_WRITES = {"post", "put", "patch", "delete"}


def _statuses(path: str, method: str, operation: dict[str, Any]) -> set[int]:
    """The error statuses this operation can answer, from what every layer may refuse."""
    statuses = {int(code) for code in operation.get("responses", {}) if code[0] in "45"}
    statuses.discard(422)
    has_params = bool(operation.get("parameters"))
    has_body = "requestBody" in operation
    if has_params or has_body:
        statuses.add(400)  # a bad parameter, an unreadable or too deep body
    if path.startswith("/api/"):
        statuses |= {401, 403}  # bearer token and role
        if has_params or has_body:
            statuses.add(404)  # an id or name, in the path, query or body, that names nothing
        if method in _WRITES:
            statuses.add(409)
    if path.startswith("/hooks/"):
        # the connector (404), its signature or secret (401), a verify token (403), the body
        statuses |= {400, 401, 403, 404, 413}
    if has_body:
        statuses |= {413, 422}
    return statuses


def _document(operation: dict[str, Any], statuses: set[int]) -> None:
    responses = operation.setdefault("responses", {})
    responses.pop("422", None)
    for status in sorted(statuses):
        answer = responses.setdefault(str(status), {"description": _DESCRIPTIONS[status]})
        answer["content"] = {"application/json": {"schema": _ERROR_REF}}


def document_errors(app: FastAPI) -> None:
    """Make `app.openapi()` describe the errors the app really answers."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = build()
        for path, operations in document.get("paths", {}).items():
            for method, operation in operations.items():
                _document(operation, _statuses(path, method, operation))
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        schemas["Error"] = ERROR_SCHEMA
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
