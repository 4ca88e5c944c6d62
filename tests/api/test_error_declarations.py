"""Errors are declared per domain and listed per operation; the declarations cannot drift
(api/openapi.py `raises`, api/declarations.py)."""

import ast
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from unison.api.openapi import raises
from unison.app import create_app
from unison.kit.errors import NotFound
from unison.kit.settings import Settings
from unison.profiles.errors import ProfileNotFound
from unison.segments.errors import SegmentNotFound

UNISON = Path(__file__).resolve().parents[2] / "unison"
# What the handlers answer without an exception class of ours (api/errors.py).
HANDLER_NAMES = {"InvalidPayload", "InvalidParameter", "MalformedBody"}


def _enum(document: dict[str, Any], path: str, method: str, status: str) -> list[str]:
    answer = document["paths"][path][method]["responses"][status]
    names: list[str] = answer["content"]["application/json"]["schema"]["allOf"][1]["properties"][
        "error"
    ]["enum"]
    return names


def _error_classes() -> dict[str, str]:
    """Every UnisonError subclass in unison/ (by its name) -> the module file declaring it."""
    found = {"UnisonError": "kit/errors.py"}
    classes = []
    for path in sorted(UNISON.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef):
                bases = [b.id for b in node.bases if isinstance(b, ast.Name)]
                classes.append((node.name, bases, str(path.relative_to(UNISON))))
    grew = True
    while grew:  # subclasses of subclasses, to any depth
        grew = False
        for name, bases, where in classes:
            if name not in found and any(b in found for b in bases):
                found[name] = where
                grew = True
    return found


class TestErrorsLiveInErrorsModules:
    def test_every_unison_error_subclass_is_declared_in_an_errors_module(self) -> None:
        misplaced = {n: w for n, w in _error_classes().items() if not w.endswith("errors.py")}
        assert not misplaced, misplaced

    def test_every_name_an_operation_declares_is_an_error_class_or_a_handlers_name(
        self, client: TestClient
    ) -> None:
        known = set(_error_classes()) | HANDLER_NAMES
        document = client.get("/openapi.json").json()
        for path, operations in document["paths"].items():
            for method, operation in operations.items():
                for status in (s for s in operation["responses"] if s[0] in "45"):
                    unknown = set(_enum(document, path, method, status)) - known
                    assert not unknown, (method, path, status, unknown)


class TestEachOperationListsItsErrors:
    @pytest.fixture
    def document(self, client: TestClient) -> dict[str, Any]:
        body: dict[str, Any] = client.get("/openapi.json").json()
        return body

    def test_a_status_lists_exactly_the_classes_the_route_and_the_rules_add(
        self, document: dict[str, Any]
    ) -> None:
        segment = "/api/segments/{segment_id}"
        assert _enum(document, segment, "get", "404") == ["SegmentNotFound"]
        assert _enum(document, segment, "patch", "409") == ["SegmentExists"]
        assert _enum(document, segment, "patch", "400") == [
            "InvalidParameter",
            "MalformedBody",
            "NulCharacter",
            "SegmentDefinitionInvalid",
        ]
        assert _enum(document, segment, "get", "401") == ["Unauthorized"]
        assert "409" not in document["paths"][segment]["get"]["responses"]

    def test_the_ingest_fast_paths_list_their_refusals(self, document: dict[str, Any]) -> None:
        assert _enum(document, "/v1/track", "post", "413") == ["EventTooLarge", "PayloadTooLarge"]
        assert "BatchRejected" in _enum(document, "/v1/batch", "post", "400")
        hook = "/hooks/{type}/{connector}"
        assert _enum(document, hook, "post", "401") == ["SignatureInvalid"]
        assert _enum(document, hook, "post", "503") == ["SecretsUnreadable"]

    def test_raises_groups_classes_by_their_status(self) -> None:
        declared = raises(SegmentNotFound, ProfileNotFound, SegmentNotFound)
        assert list(declared) == [404]
        assert declared[404]["x-unison-errors"] == ["SegmentNotFound", "ProfileNotFound"]


class _Gone(NotFound):
    """Raised by the probe route below without being declared there."""


def _app_with_probe(settings: Settings) -> FastAPI:
    # A route of the test's own, added to the real app: declares SegmentNotFound, raises
    # either it or a class it does not declare.
    app = create_app(settings, background=False)

    def probe(declared: bool) -> None:
        if declared:
            raise SegmentNotFound("no segment with id 7", field="segment_id")
        raise _Gone("gone", field="declared")

    app.add_api_route("/probe", probe, methods=["GET"], responses=raises(SegmentNotFound))
    return app


class TestStrictDeclarations:
    def test_an_undeclared_error_answers_500_naming_the_route_and_the_class(
        self, settings: Settings, sessions: sessionmaker[Session]
    ) -> None:
        assert settings.strict_error_declarations  # tests/conftest.py turns it on
        with TestClient(_app_with_probe(settings)) as client:
            response = client.get("/probe", params={"declared": "false"})
        assert response.status_code == 500
        body = response.json()
        assert body["error"] == "UndeclaredError"
        assert "GET /probe answered _Gone (404)" in body["detail"]

    def test_a_declared_error_passes_as_it_is(
        self, settings: Settings, sessions: sessionmaker[Session]
    ) -> None:
        with TestClient(_app_with_probe(settings)) as client:
            response = client.get("/probe", params={"declared": "true"})
        assert response.status_code == 404
        assert response.json()["error"] == "SegmentNotFound"

    def test_off_by_default_the_client_hears_the_error_itself(
        self, settings: Settings, sessions: sessionmaker[Session]
    ) -> None:
        lenient = settings.model_copy(update={"strict_error_declarations": False})
        with TestClient(_app_with_probe(lenient)) as client:
            response = client.get("/probe", params={"declared": "false"})
        assert response.status_code == 404
        assert response.json()["error"] == "_Gone"

    def test_the_default_setting_is_off(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv("UNISON_STRICT_ERROR_DECLARATIONS")
        assert Settings().strict_error_declarations is False
