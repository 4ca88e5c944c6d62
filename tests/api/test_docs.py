"""The API docs work offline, `/` says where things are, and the OpenAPI document declares
the error shape the API really answers."""

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

ASSET_URL = re.compile(r"""(?:src|href|spec-url)=["']([^"']+)["']|url:\s*'([^']+)'""")
CONTENT_TYPES = {
    ".js": "javascript",
    ".css": "text/css",
    ".png": "image/png",
    ".json": "application/json",
}


def _referenced(html: str) -> list[str]:
    return [a or b for a, b in ASSET_URL.findall(html)]


class TestDocsOffline:
    @pytest.mark.parametrize("page", ["/docs", "/redoc"])
    def test_the_docs_page_references_only_local_urls(self, client: TestClient, page: str) -> None:
        response = client.get(page)
        assert response.status_code == 200
        assert "://" not in response.text  # no CDN, no fonts service: nothing outside
        urls = _referenced(response.text)
        assert "/openapi.json" in urls
        assert any(url.endswith(".js") for url in urls)
        assert all(url.startswith("/") for url in urls), urls

    @pytest.mark.parametrize("page", ["/docs", "/redoc"])
    def test_every_asset_a_docs_page_needs_is_served_with_its_content_type(
        self, client: TestClient, page: str
    ) -> None:
        for url in _referenced(client.get(page).text):
            asset = client.get(url)
            assert asset.status_code == 200, url
            suffix = url[url.rindex(".") :]
            assert CONTENT_TYPES[suffix] in asset.headers["content-type"], url
            assert len(asset.content) > 100, url


class TestHomePage:
    def test_the_root_is_an_html_page_linking_docs_health_and_metrics(
        self, client: TestClient
    ) -> None:
        response = client.get("/")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        for link in ("/docs", "/redoc", "/health", "/metrics"):
            assert f'href="{link}"' in response.text
            assert client.get(link).status_code == 200
        assert "preference center" in response.text


class TestErrorsInTheDocument:
    @pytest.fixture
    def document(self, client: TestClient) -> dict[str, Any]:
        body: dict[str, Any] = client.get("/openapi.json").json()
        return body

    def test_no_operation_declares_fastapis_validation_error(
        self, document: dict[str, Any]
    ) -> None:
        schemas = document["components"]["schemas"]
        assert "HTTPValidationError" not in schemas
        assert set(schemas["Error"]["required"]) == {"error", "detail"}

    def test_every_error_an_operation_declares_is_the_error_shape(
        self, document: dict[str, Any]
    ) -> None:
        for path, operations in document["paths"].items():
            for method, operation in operations.items():
                errors = {k: v for k, v in operation["responses"].items() if k[0] in "45"}
                for status, answer in errors.items():
                    schema = answer["content"]["application/json"]["schema"]
                    shape, narrowed = schema["allOf"]
                    assert shape == {"$ref": "#/components/schemas/Error"}, (method, path, status)
                    assert narrowed["properties"]["error"]["enum"], (method, path, status)

    def test_authenticated_operations_declare_401_403_and_bodies_422(
        self, document: dict[str, Any]
    ) -> None:
        create = document["paths"]["/api/segments"]["post"]["responses"]
        assert {"400", "401", "403", "409", "422"} <= set(create)
        assert "413" not in create  # /api bodies have no size limit of their own
        read = document["paths"]["/api/profiles/{profile_id}"]["get"]["responses"]
        assert {"400", "401", "403", "404"} <= set(read)
        assert "422" not in read  # no body: a bad id is a 400

    def test_a_real_422_matches_the_declared_shape(
        self, client: TestClient, admin_token: str
    ) -> None:
        response = client.post(
            "/api/privacy/export",
            json={"profile_id": "not a number"},
            headers={"Authorization": f"Bearer {admin_token}"},
        )
        assert response.status_code == 422
        assert set(response.json()) == {"error", "detail", "field"}
        assert response.json()["field"] == "profile_id"
