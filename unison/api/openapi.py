"""The OpenAPI document tells the truth about errors.

Every failure answers the one `Error` shape (api/errors.py). Each operation lists, per
status, the error classes it can answer with: those its route declares with `raises(...)`
(what its own code raises), merged with those every layer adds by rule (the token check,
parameter and body validation). Per status, the `error` property is an `enum` of those class
names, so a client (or schemathesis' conformance check) knows every error it can meet, and
an answer naming an undeclared class is a bug in the declaration (see `declared_errors`,
which api/errors.py checks every error answer against when
`UNISON_STRICT_ERROR_DECLARATIONS` is on, as in the tests).
"""

from collections import defaultdict
from typing import Any

from fastapi import FastAPI

from unison.kit.errors import UnisonError

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
    405: "the method is not accepted here",
    409: "conflicts with what is stored",
    413: "the body is over the size limit",
    415: "unsupported Content-Encoding",
    422: "the body has the wrong shape",
    503: "a dependency is unavailable",
}
# Where `raises` leaves the class names in a route's `responses`; FastAPI copies the key
# into the operation's response, `document_errors` turns it into the `error` enum.
_CLASSES = "x-unison-errors"

# (status, error) -> ...: the names every layer may answer with, beside the route's own code.
# Names, not classes: the validation and HTTP handlers (api/errors.py) answer some of them
# without an exception class of ours.
_AUTH = {401: {"Unauthorized"}, 403: {"Forbidden"}}  # api/deps.py: bearer token and role
_PARAMETERS = {400: {"InvalidParameter"}}  # a path or query parameter FastAPI refuses
_BODY = {400: {"MalformedBody"}, 422: {"InvalidPayload"}}  # unreadable, too deep, wrong shape
_NUL = {400: {"NulCharacter"}}  # api/text_params.py, on every /api parameter and body


def raises(*errors: type[UnisonError]) -> dict[int | str, dict[str, Any]]:
    """A route's `responses=`: the error classes its own code can raise, by status.

    The rule-made ones (token, parameters, body) are added to every operation; list here
    what the route's endpoint and the services it calls raise."""
    responses: dict[int | str, dict[str, Any]] = {}
    for error in errors:
        status = error.status_code
        answer = responses.setdefault(status, {"description": _DESCRIPTIONS[status], _CLASSES: []})
        if error.__name__ not in answer[_CLASSES]:
            answer[_CLASSES].append(error.__name__)
    return responses


def _by_rule(path: str, operation: dict[str, Any]) -> dict[int, set[str]]:
    """The errors every layer may answer this operation with, whatever its code does."""
    found: dict[int, set[str]] = defaultdict(set)
    rules = []
    if operation.get("parameters"):
        rules.append(_PARAMETERS)
    if "requestBody" in operation:
        rules.append(_BODY)
    if path.startswith("/api/"):
        rules += [_AUTH, _NUL]
    for rule in rules:
        for status, names in rule.items():
            found[status] |= names
    return found


def _errors_of(path: str, operation: dict[str, Any]) -> dict[int, set[str]]:
    found = _by_rule(path, operation)
    for code, answer in operation.get("responses", {}).items():
        names = answer.pop(_CLASSES, None)
        if names:
            found[int(code)] |= set(names)
        elif code[0] in "45" and code != "422" and int(code) not in found:  # 422: FastAPI's
            label = f"{path} {operation.get('operationId')}"
            raise ValueError(f"{label}: status {code} names no error class; use raises(...)")
    return found


def _schema(names: set[str]) -> dict[str, Any]:
    only = {"properties": {"error": {"type": "string", "enum": sorted(names)}}}
    return {"allOf": [_ERROR_REF, only]}


def _document(path: str, operation: dict[str, Any]) -> None:
    errors = _errors_of(path, operation)
    responses = operation.setdefault("responses", {})
    responses.pop("422", None)  # FastAPI's HTTPValidationError, never sent
    for status in sorted(errors):
        answer = responses.setdefault(str(status), {"description": _DESCRIPTIONS[status]})
        answer["content"] = {"application/json": {"schema": _schema(errors[status])}}
    operation["responses"] = dict(sorted(responses.items()))


def document_errors(app: FastAPI) -> None:
    """Make `app.openapi()` describe the errors the app really answers."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = build()
        for path, operations in document.get("paths", {}).items():
            for operation in operations.values():
                _document(path, operation)
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        schemas["Error"] = ERROR_SCHEMA
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]


Declared = dict[tuple[str, str], dict[int, frozenset[str]]]


def declared_errors(document: dict[str, Any]) -> Declared:
    """(path, method) -> {status: error names} as the document declares them."""
    declared: Declared = {}
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            by_status = {}
            for code, answer in operation.get("responses", {}).items():
                schema = answer.get("content", {}).get("application/json", {}).get("schema", {})
                parts = schema.get("allOf", [{}, {}])
                enum = parts[-1].get("properties", {}).get("error", {}).get("enum")
                if enum is not None:
                    by_status[int(code)] = frozenset(enum)
            declared[(path, method.upper())] = by_status
    return declared
