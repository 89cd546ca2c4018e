"""API keys with scopes and a per-caller token bucket, shared by the HTTP services."""

from __future__ import annotations

import hmac
import math
import time
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import HTTPException, Request
from pydantic import AfterValidator, PlainSerializer, SecretStr

Scope = Literal["read", "write", "admin"]
KEY_HEADER = "x-api-key"


def validate_keys(value: dict[SecretStr, list[Scope]]) -> dict[SecretStr, list[Scope]]:
    """Keys must be long enough to be secrets; used by the settings classes."""
    short = [_label(k) for k in value if len(k.get_secret_value()) < 16]
    if short:
        raise ValueError(f"API keys need at least 16 characters: {short}")
    return value


def _label(key: SecretStr) -> str:
    """A key as logs name it: its first four characters, enough to tell keys apart."""
    return key.get_secret_value()[:4] + "…"


def mask_keys(value: dict[SecretStr, list[Scope]]) -> dict[str, list[Scope]]:
    return {_label(k): v for k, v in value.items()}


# The settings type of a key table: keys are SecretStr, so a repr or str of the settings
# never shows them; checked on load, and named by their first four characters where the
# settings are dumped to JSON (the start-up log). Only the Guard reads the secret values.
ApiKeys = Annotated[
    dict[SecretStr, list[Scope]],
    AfterValidator(validate_keys),
    PlainSerializer(mask_keys, when_used="json"),
]


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

    def headers(self, caller: str) -> dict[str, str]:
        """The caller's budget as the IETF RateLimit header fields: the burst, the calls
        left now, and the seconds until the bucket is full again."""
        bucket = self._buckets.get(caller)
        tokens = float(self.burst) if bucket is None else bucket.tokens
        return {
            "RateLimit-Limit": str(self.burst),
            "RateLimit-Remaining": str(math.floor(tokens)),
            "RateLimit-Reset": str(math.ceil((self.burst - tokens) / self.rate)),
        }


class Guard:
    """Who is calling (a key, or anonymous where allowed), whether its scope allows the
    call, and how often it may call. Raises HTTPException 401, 403 or 429."""

    def __init__(
        self,
        keys: dict[SecretStr, list[Scope]],
        limiter: RateLimiter,
        anonymous: frozenset[Scope] = frozenset(),
    ):
        self.keys = [(k.get_secret_value().encode(), frozenset(v)) for k, v in keys.items()]
        self.limiter = limiter
        self.anonymous = anonymous

    def _scopes(self, key: str) -> tuple[str, frozenset[str]] | None:
        found = None
        for candidate, scopes in self.keys:  # compare with every key: no early exit
            if hmac.compare_digest(candidate, key.encode()):
                found = (f"key:{candidate[:4].decode()}", scopes)
        return found

    def check(self, request: Request, scope: Scope) -> str:
        """The caller's identity, once it may proceed."""
        key = request.headers.get(KEY_HEADER)
        if key:
            known = self._scopes(key)
            if known is None:
                raise HTTPException(401, "unknown API key")
            caller, scopes = known
            if scope not in scopes and "admin" not in scopes:
                raise HTTPException(403, f"this key lacks the {scope!r} scope")
        elif scope in self.anonymous:
            caller = f"anon:{request.client.host if request.client else '?'}"
        else:
            raise HTTPException(401, "missing X-API-Key header", {"WWW-Authenticate": "ApiKey"})
        wait = self.limiter.retry_after(caller)
        budget = self.limiter.headers(caller)
        request.state.ratelimit = budget  # RateLimitHeaders puts them on the response
        if wait > 0:
            raise HTTPException(
                429, "rate limit exceeded", {"Retry-After": str(math.ceil(wait)), **budget}
            )
        return caller
