"""HTTP pieces every service shares: operations routes and a bounded body reader."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# What a service's /readyz reports when ready (its status body), or None when not.
Readiness = Callable[[Request], Awaitable[dict[str, Any] | None]]


def metrics_response() -> Response:
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


def operations(ready: Readiness) -> APIRouter:
    """/healthz (the process answers), /readyz (200 when `ready` says so, else 503) and
    /metrics (Prometheus text), the same in every HTTP service."""
    router = APIRouter(tags=["operations"])

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz")
    async def readyz(request: Request) -> JSONResponse:
        body = await ready(request)
        if body is None:
            return JSONResponse({"status": "not ready"}, status_code=503)
        return JSONResponse({"status": "ready", **body})

    @router.get("/metrics")
    async def prometheus() -> Response:
        return metrics_response()

    return router


class RateLimitHeaders:
    """Puts the caller's RateLimit-* fields (set by Guard.check) on every response that
    went through the rate limiter, errors included."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_budget(message: Message) -> None:
            budget = scope.get("state", {}).get("ratelimit")
            if message["type"] == "http.response.start" and budget:
                names = {k.lower() for k, _ in message.get("headers", [])}
                extra = [
                    (k.lower().encode(), v.encode())
                    for k, v in budget.items()
                    if k.lower().encode() not in names
                ]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, with_budget)


async def json_only(request: Request) -> None:
    """A dependency for routes that take a JSON body: any other content type is a 415."""
    media = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if media != "application/json" and not media.endswith("+json"):
        raise HTTPException(415, f"content type {media!r} not accepted: application/json")


async def read_limited(request: Request, limit: int) -> bytes:
    """The request body, or 413 as soon as it grows past `limit` (chunked bodies too)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"request body over {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPException(413, f"request body over {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
