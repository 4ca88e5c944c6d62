"""Every operation of the OpenAPI document, fuzzed by schemathesis: no input answers 5xx, and
every answer (errors included) matches what the document declares."""

from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.orm import Session, sessionmaker

from unison.app import create_app
from unison.kit.settings import Settings

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]
# Bounded: the whole file takes about 50 s on SQLite on a 2-core machine (2 minutes under load).
EXAMPLES_PER_OPERATION = 25
STATEFUL_SCENARIOS = 60


def _headers_for(path: str, admin_token: str, write_key: str) -> dict[str, str]:
    if path.startswith("/v1/"):
        return {"X-Write-Key": write_key}
    return {"Authorization": f"Bearer {admin_token}"}


def _fuzz(operation: Any, headers: dict[str, str], mode: GenerationMode) -> Callable[[], None]:
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=st.data())
    def run(case: st.DataObject) -> None:
        drawn = case.draw(operation.as_strategy(generation_mode=mode))
        drawn.call_and_validate(headers=headers, checks=CHECKS)

    return run


@pytest.fixture
def app(settings: Settings, sessions: sessionmaker[Session]) -> FastAPI:
    return create_app(settings, background=False)


class TestEveryOperation:
    @pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
    def test_no_operation_answers_5xx_or_outside_its_documented_responses(
        self, app: FastAPI, admin_token: str, write_key: str, mode: GenerationMode
    ) -> None:
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
        failures: list[str] = []
        count = 0
        for result in schema.get_all_operations():
            operation = result.ok()
            count += 1
            try:
                _fuzz(operation, _headers_for(operation.path, admin_token, write_key), mode)()
            except Unsatisfiable:
                # No parameters to break (e.g. GET /health), or only free-form strings.
                assert mode is GenerationMode.NEGATIVE, operation.label
            except (Exception, BaseExceptionGroup) as exc:  # every failure, reported together
                failures.append(f"{operation.label}: {str(exc)[:1500]}")
        assert count > 50, "the document lost its operations"
        assert not failures, f"{len(failures)} operations failed:\n\n" + "\n\n".join(failures)


class TestWorkflows:
    def test_chained_calls_through_the_documents_links_never_answer_5xx(
        self, app: FastAPI, admin_token: str, write_key: str
    ) -> None:
        # Stateful: ids one operation answers feed the next (links schemathesis infers).
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)

        class Workflow(schema.as_state_machine()):  # type: ignore[misc]
            def get_call_kwargs(self, case: Any) -> dict[str, Any]:
                return {"headers": _headers_for(case.operation.path, admin_token, write_key)}

            def validate_response(self, response: Any, case: Any, **_kwargs: Any) -> None:
                case.validate_response(response, checks=CHECKS)

        Workflow.run(
            settings=settings(
                max_examples=STATEFUL_SCENARIOS,
                stateful_step_count=6,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
        )
