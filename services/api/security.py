"""The api's access control: the shared key/scope guard as a FastAPI dependency."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import HTTPException, Request, Security
from fastapi.security import APIKeyHeader

from wirewatch.api import metrics
from wirewatch.api.settings import ApiSettings
from wirewatch.core.auth import Guard, RateLimiter, Scope

API_KEY = APIKeyHeader(name="X-API-Key", auto_error=False, description="An API key.")


def make_guard(settings: ApiSettings) -> Guard:
    anonymous: frozenset[Scope] = (
        frozenset({"read"}) if settings.api_anonymous_read else frozenset()
    )
    limiter = RateLimiter(settings.api_rate_limit_per_s, settings.api_rate_limit_burst)
    return Guard(settings.api_keys, limiter, anonymous)


def require(scope: Scope) -> Callable[..., Awaitable[str]]:
    """A FastAPI dependency: `caller: str = Depends(require("read"))`."""

    # The scope rides in the OpenAPI security requirement (3.1 allows role names there).
    async def dependency(
        request: Request, _key: str | None = Security(API_KEY, scopes=[scope])
    ) -> str:
        guard: Guard = request.app.state.guard
        try:
            return guard.check(request, scope)
        except HTTPException as exc:
            if exc.status_code == 429:
                metrics.RATE_LIMITED.inc()
            raise

    return dependency
