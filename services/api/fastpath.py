"""Repeated polls of `GET /v1/alerts` answered from the page cache before FastAPI's routing.

A poller asks the same URL again and again; while the view has not changed, the answer is
the bytes built for the same query string last time. Access control, rate limits, ETags and
metrics behave as on the route; anything else (a first question, an empty page that may
long-poll, an error) goes to the route.
"""

from __future__ import annotations

from types import SimpleNamespace

from fastapi import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from wirewatch.api import metrics
from wirewatch.api.pages import Page
from wirewatch.api.state import ApiState
from wirewatch.core import problems

PATH = "/v1/alerts"
ROUTE = SimpleNamespace(path=PATH)  # what the metrics middleware reads as the route template


class CachedPolls:
    def __init__(self, app: ASGIApp, state: ApiState):
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        page = self._cached(scope)
        if page is None:
            await self.app(scope, receive, send)
            return
        scope["route"] = ROUTE
        request = Request(scope)
        try:
            self.state.guard.check(request, "read")
        except HTTPException as exc:
            if exc.status_code == 429:
                metrics.RATE_LIMITED.inc()
            body = problems.body(exc.status_code, str(exc.detail))
            headers = dict(exc.headers or {})
            await _respond(send, exc.status_code, body, headers, problems.MEDIA_TYPE)
            return
        match = request.headers.get("if-none-match")
        if match is not None and page.etag in {t.strip() for t in match.split(",")}:
            await _respond(send, 304, b"", {"ETag": page.etag})
            return
        await _respond(send, 200, page.body, {"ETag": page.etag}, "application/json")

    def _cached(self, scope: Scope) -> Page | None:
        if scope["type"] != "http" or scope["method"] != "GET" or scope["path"] != PATH:
            return None
        state = self.state
        if not state.alerts_tail.caught_up.is_set():
            return None
        page = state.raw_pages.get((scope["query_string"],), state.view.version)
        return None if page is None or page.empty else page


async def _respond(
    send: Send, status: int, body: bytes, headers: dict[str, str], media: str | None = None
) -> None:
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    if media is not None:
        raw.append((b"content-type", media.encode()))
    raw.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
