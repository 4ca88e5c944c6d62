"""The OpenAPI document follows CONVENTIONS.md: schema names and one page shape."""

from typing import Any

import pytest
from fastapi.testclient import TestClient


@pytest.fixture
def schemas(client: TestClient) -> dict[str, Any]:
    body: dict[str, Any] = client.get("/openapi.json").json()
    return dict(body["components"]["schemas"])


class TestSchemaNames:
    def test_no_schema_is_named_by_its_direction(self, schemas: dict[str, Any]) -> None:
        suffixed = sorted(name for name in schemas if name.endswith(("Out", "In")))
        assert suffixed == []

    def test_no_two_schemas_share_a_name_so_none_is_module_qualified(
        self, schemas: dict[str, Any]
    ) -> None:
        assert sorted(name for name in schemas if "__" in name) == []


class TestPaginatedLists:
    def test_every_page_is_the_one_generic_page_of_its_items(self, schemas: dict[str, Any]) -> None:
        pages = {
            name: schema
            for name, schema in schemas.items()
            if set(schema.get("properties", {})) == {"items", "next_cursor"}
        }
        assert len(pages) >= 10
        for name, schema in pages.items():
            item = schema["properties"]["items"]["items"]["$ref"].rsplit("/", 1)[-1]
            # pydantic names a parametrized generic `Page[X]` component `Page_X_`.
            assert name == f"Page_{item}_"
            assert schema["required"] == ["items", "next_cursor"]
            assert schema["properties"]["next_cursor"]["anyOf"] == [
                {"type": "string"},
                {"type": "null"},
            ]
