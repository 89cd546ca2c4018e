"""API keys with scopes, anonymous reads by setting, and a per-caller token-bucket rate limit."""

from __future__ import annotations

import hmac
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import HTTPException, Request, Security
from fastapi.security import APIKeyHeader

from services.api import metrics
from services.api.settings import ApiSettings, Scope

KEY_HEADER = "x-api-key"


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class RateLimiter:
    """A token bucket per caller: `rate` tokens a second, up to `burst`."""

    def __init__(self, rate: float, burst: int, max_callers: int = 100_000):
        self.rate, self.burst, self.max_callers = rate, burst, max_callers
        self._buckets: dict[str, _Bucket] = {}

    def retry_after(self, caller: str) -> float:
        """0 if the call may proceed (and is counted), else seconds until it may."""
        now = time.monotonic()
        bucket = self._buckets.get(caller)
        if bucket is None:
            if len(self._buckets) >= self.max_callers:  # bounded memory under many callers
                self._buckets.clear()
            bucket = self._buckets[caller] = _Bucket(float(self.burst), now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.stamp) * self.rate)
        bucket.stamp = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.rate


class Guard:
    """Who is calling (key or anonymous), whether the scope allows it, and how often."""

    def __init__(self, settings: ApiSettings):
        self.keys = [(k.encode(), frozenset(v)) for k, v in settings.api_keys.items()]
        self.anonymous_read = settings.api_anonymous_read
        self.limiter = RateLimiter(settings.api_rate_limit_per_s, settings.api_rate_limit_burst)

    def _scopes(self, key: str) -> tuple[str, frozenset[str]] | None:
        found = None
        for candidate, scopes in self.keys:  # constant time per key: no early exit
            if hmac.compare_digest(candidate, key.encode()):
                found = (f"key:{candidate[:4].decode()}", scopes)
        return found

    def check(self, request: Request, scope: Scope) -> str:
        """The caller's identity; HTTPException 401/403/429 when it may not proceed."""
        key = request.headers.get(KEY_HEADER)
        if key:
            known = self._scopes(key)
            if known is None:
                raise HTTPException(401, "unknown API key")
            caller, scopes = known
            if scope not in scopes and "admin" not in scopes:
                raise HTTPException(403, f"this key lacks the {scope!r} scope")
        elif scope == "read" and self.anonymous_read:
            caller = f"anon:{request.client.host if request.client else '?'}"
        else:
            raise HTTPException(401, "missing X-API-Key header", {"WWW-Authenticate": "ApiKey"})
        wait = self.limiter.retry_after(caller)
        if wait > 0:
            metrics.RATE_LIMITED.inc()
            raise HTTPException(429, "rate limit exceeded", {"Retry-After": str(math.ceil(wait))})
        return caller


API_KEY = APIKeyHeader(name="X-API-Key", auto_error=False, description="An API key.")


def require(scope: Scope) -> Callable[..., Awaitable[str]]:
    """A FastAPI dependency: `caller: str = Depends(require("read"))`."""

    async def dependency(request: Request, _key: str | None = Security(API_KEY)) -> str:
        guard: Guard = request.app.state.guard
        return guard.check(request, scope)

    return dependency
