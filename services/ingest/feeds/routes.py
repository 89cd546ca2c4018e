"""GET/POST/DELETE /v1/feeds: the feeds polled, managed at run time (admin key)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import BaseModel

from wirewatch.ingest.feeds.model import FeedIn

router = APIRouter(prefix="/v1", tags=["feeds"])


class FeedHealth(BaseModel):
    last_success: datetime | None
    last_error: str | None
    consecutive_errors: int
    entries_seen: int
    articles_published: int


class FeedOut(FeedIn):
    created_at: datetime
    health: FeedHealth


def _state(request: Request) -> Any:
    state = request.app.state.ingest
    state.guard.check(request, "admin")
    if not state.book.writable or not state.feeds_loaded():
        raise HTTPException(503, "feeds are still loading", {"Retry-After": "2"})
    return state


def _out(state: Any, name: str) -> FeedOut:
    feed, health = state.book.feeds.rows[name], state.book.state(name)
    return FeedOut(
        **feed.model_dump(),
        health=FeedHealth(**health.model_dump(include=set(FeedHealth.model_fields))),
    )


@router.get("/feeds", response_model=list[FeedOut])
async def list_feeds(request: Request) -> list[FeedOut]:
    """Every feed (whichever replica polls it) with its health."""
    state = _state(request)
    return [_out(state, name) for name in sorted(state.book.feeds.rows)]


@router.post("/feeds", response_model=FeedOut, status_code=201)
async def put_feed(request: Request, feed: FeedIn) -> FeedOut:
    """Add a feed, or change one with the same name. One replica starts polling it."""
    state = _state(request)
    await state.book.put(feed)
    return _out(state, feed.name)


@router.delete("/feeds/{name}", status_code=204, responses={404: {}})
async def delete_feed(request: Request, name: str) -> Response:
    state = _state(request)
    if not await state.book.feeds.delete(name):
        raise HTTPException(404, "no such feed")
    return Response(status_code=204)
