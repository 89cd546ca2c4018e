"""What FastAPI's generated OpenAPI leaves out, added the same way in both HTTP services:
errors as problem details, the API key, rate limits, Retry-After, ETags, /metrics' type."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from wirewatch.core import problems

OPERATIONS = frozenset({"/healthz", "/readyz", "/metrics"})
METHODS = frozenset({"get", "post", "put", "patch", "delete"})
SCHEME = "APIKeyHeader"  # FastAPI's name for the api's APIKeyHeader: one name in both
PROBLEM = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "For a request that failed validation: each problem and where.",
            "items": {
                "type": "object",
                "properties": {
                    "loc": {"type": "array", "items": {"type": ["string", "integer"]}},
                    "msg": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        },
    },
}
_INT_HEADER = {"schema": {"type": "integer"}}
RATE_HEADERS = {
    "RateLimit-Limit": {"description": "requests allowed in a burst", **_INT_HEADER},
    "RateLimit-Remaining": {"description": "requests left now", **_INT_HEADER},
    "RateLimit-Reset": {"description": "seconds until the budget is full", **_INT_HEADER},
}
RETRY_AFTER = {"Retry-After": {"description": "seconds to wait", **_INT_HEADER}}


def complete(
    app: FastAPI,
    extra: Callable[[dict[str, Any]], None] | None = None,
    anonymous: frozenset[str] = frozenset(),
) -> None:
    """Replace `app.openapi` with one that adds the missing parts (and `extra`'s).
    `anonymous`: the scopes this deployment grants callers without a key."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = original()
            _components(schema)
            for path, item in schema["paths"].items():
                for method, operation in item.items():
                    if method in METHODS:
                        _operation(path, method, operation, anonymous)
            if extra is not None:
                extra(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _components(schema: dict[str, Any]) -> None:
    components = schema.setdefault("components", {})
    components.setdefault("schemas", {})["Problem"] = PROBLEM
    components.setdefault("securitySchemes", {})[SCHEME] = {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": "An API key with the scopes the operation needs.",
    }
    components["schemas"].pop("HTTPValidationError", None)
    components["schemas"].pop("ValidationError", None)


def _problem(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": description,
        "content": {problems.MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    if headers:
        answer["headers"] = headers
    return answer


def _operation(
    path: str, method: str, operation: dict[str, Any], anonymous: frozenset[str]
) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    if path in OPERATIONS:
        _operations_route(path, responses)
        return
    scopes = [s for req in operation.get("security", []) for s in req.get(SCHEME, [])]
    requirement = {SCHEME: scopes}
    # `{}`: the key may be left out, where this deployment grants anyone the scope.
    open_to_all = bool(anonymous) and set(scopes) <= anonymous
    operation["security"] = [requirement, {}] if open_to_all else [requirement]
    for code, description in (("404", "Not found"), ("422", "Invalid request")):
        if code in responses or code == "422":
            responses[code] = _problem(description)
    responses["401"] = _problem("No key, or an unknown key")
    responses["403"] = _problem("The key lacks the scope")
    responses["429"] = _problem("Over the rate limit", {**RETRY_AFTER, **RATE_HEADERS})
    responses["503"] = _problem("Still loading, or the broker is unavailable", RETRY_AFTER)
    if "requestBody" in operation:
        responses["413"] = _problem("Body too large")
        responses["415"] = _problem("Not a JSON body")
    for code, answer in responses.items():
        if code.startswith("2"):
            answer.setdefault("headers", {}).update(RATE_HEADERS)


def _operations_route(path: str, responses: dict[str, Any]) -> None:
    if path == "/metrics":
        responses["200"] = {
            "description": "Prometheus text exposition",
            "content": {"text/plain": {"schema": {"type": "string"}}},
        }
    if path == "/readyz":
        responses["503"] = {
            "description": "Not ready: still loading, or the broker is unreachable",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
