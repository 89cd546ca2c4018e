"""Both services' OpenAPI documents are valid OpenAPI 3.1 and declare what they do."""

from __future__ import annotations

from typing import Any

import pytest
from openapi_spec_validator import validate

from wirewatch.api.app import create_app as api_app
from wirewatch.api.settings import ApiSettings
from wirewatch.ingest.app import create_app as ingest_app
from wirewatch.ingest.settings import IngestSettings

KEY = "a-key-long-enough-0123"


def _documents() -> dict[str, dict[str, Any]]:
    return {
        "api": api_app(ApiSettings(api_analyze_enabled=False)).openapi(),
        "ingest": ingest_app(IngestSettings(ingest_api_keys={KEY: ["write"]})).openapi(),
    }


@pytest.fixture(scope="module")
def documents() -> dict[str, dict[str, Any]]:
    return _documents()


def _operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, op)
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if method in {"get", "post", "delete"}
    ]


@pytest.mark.parametrize("service", ["api", "ingest"])
def test_the_document_is_valid_openapi(documents: dict[str, Any], service: str) -> None:
    validate(documents[service])


@pytest.mark.parametrize("service", ["api", "ingest"])
def test_keys_errors_and_limits_are_declared(documents: dict[str, Any], service: str) -> None:
    doc = documents[service]
    scheme = doc["components"]["securitySchemes"]["APIKeyHeader"]
    assert (scheme["in"], scheme["name"]) == ("header", "X-API-Key")
    for path, method, op in _operations(doc):
        answers = op["responses"]
        if path in {"/healthz", "/readyz", "/metrics"}:
            continue
        assert [list(r) for r in op["security"]] == [["APIKeyHeader"]], (method, path)
        for code in ("401", "403", "422", "429"):
            assert "application/problem+json" in answers[code]["content"], (method, path, code)
        assert "Retry-After" in answers["429"]["headers"]
        assert "RateLimit-Remaining" in answers["429"]["headers"]
        if "requestBody" in op:
            assert "415" in answers, (method, path)
    metrics = doc["paths"]["/metrics"]["get"]["responses"]["200"]["content"]
    assert list(metrics) == ["text/plain"]


def test_where_anyone_may_call_the_key_is_optional() -> None:
    open_ingest = ingest_app(IngestSettings(ingest_allow_no_auth=True)).openapi()
    assert open_ingest["paths"]["/v1/articles"]["post"]["security"] == [{"APIKeyHeader": []}, {}]
    api = api_app(ApiSettings(api_analyze_enabled=False, api_anonymous_read=True)).openapi()
    # The requirement names the scope (OpenAPI 3.1 allows roles for API keys).
    assert api["paths"]["/v1/alerts"]["get"]["security"] == [{"APIKeyHeader": ["read"]}, {}]
    # Webhooks need the admin scope, which is never anonymous.
    assert api["paths"]["/v1/webhooks"]["get"]["security"] == [{"APIKeyHeader": ["admin"]}]


def test_the_alert_page_declares_its_etag(documents: dict[str, Any]) -> None:
    page = documents["api"]["paths"]["/v1/alerts"]["get"]
    assert "ETag" in page["responses"]["200"]["headers"]
    assert "304" in page["responses"]
    assert "if-none-match" in {p["name"].lower() for p in page["parameters"]}


def test_an_article_is_text_or_html_exactly_as_the_server_insists(
    documents: dict[str, Any],
) -> None:
    article = documents["ingest"]["components"]["schemas"]["ArticleIn"]
    assert [b["required"] for b in article["oneOf"]] == [["text"], ["html"]]
