"""The api's access control: the shared key/scope guard as a FastAPI dependency."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import HTTPException, Request, Security
from fastapi.security import APIKeyHeader

from services.api import metrics
from services.api.settings import ApiSettings
from services.core.auth import Guard, RateLimiter, Scope

API_KEY = APIKeyHeader(name="X-API-Key", auto_error=False, description="An API key.")


def make_guard(settings: ApiSettings) -> Guard:
    anonymous: frozenset[Scope] = (
        frozenset({"read"}) if settings.api_anonymous_read else frozenset()
    )
    limiter = RateLimiter(settings.api_rate_limit_per_s, settings.api_rate_limit_burst)
    return Guard(settings.api_keys, limiter, anonymous)


def require(scope: Scope) -> Callable[..., Awaitable[str]]:
    """A FastAPI dependency: `caller: str = Depends(require("read"))`."""

    async def dependency(request: Request, _key: str | None = Security(API_KEY)) -> str:
        """Checks the caller against `scope` (the route's required scope)."""
        guard: Guard = request.app.state.guard
        try:
            return guard.check(request, scope)
        except HTTPException as exc:
            if exc.status_code == 429:
                metrics.RATE_LIMITED.inc()
            raise

    dependency.wirewatch_scope = scope  # type: ignore[attr-defined]  # read by route_scopes
    return dependency


def route_scopes(app: Any) -> dict[tuple[str, str], str]:
    """The scope each (path, method) requires, from its `require` dependency."""
    out: dict[tuple[str, str], str] = {}
    for route in app.routes:
        pending = list(getattr(getattr(route, "dependant", None), "dependencies", []))
        while pending:
            dep = pending.pop()
            scope = getattr(dep.call, "wirewatch_scope", None)
            if scope is not None:
                for method in route.methods:
                    out[(route.path, method.lower())] = scope
            pending.extend(dep.dependencies)
    return out
