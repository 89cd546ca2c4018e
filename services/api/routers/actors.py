"""GET /v1/actors and /v1/actors/{name}: who is in the news, how often, in what tone."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from wirewatch.api.responses import ActorDetail, ActorList
from wirewatch.api.security import require
from wirewatch.api.state import ApiState, state_of
from wirewatch.api.view import AlertQuery
from wirewatch.core.models import ActorType, UtcDatetime, utcnow

router = APIRouter(prefix="/v1", tags=["actors"])
Reader = Annotated[str, Depends(require("read"))]
DEFAULT_WINDOW = timedelta(hours=24)


def _ready(request: Request) -> ApiState:
    state = state_of(request)
    if not state.enriched_tail.caught_up.is_set():
        raise HTTPException(503, "actor statistics are still loading", {"Retry-After": "2"})
    return state


@router.get("/actors", response_model=ActorList)
async def list_actors(
    request: Request,
    _: Reader,
    since: Annotated[UtcDatetime | None, Query(description="Default: 24 hours ago.")] = None,
    type: Annotated[ActorType | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1_000)] = 100,
) -> ActorList:
    """Actors seen since `since` (by arrival time), most mentioned first, with mean sentiment."""
    state = _ready(request)
    since = since or utcnow() - DEFAULT_WINDOW
    actors = state.book.summary(since, type, limit)
    return ActorList(since=since, count=len(actors), actors=actors)


@router.get(
    "/actors/{name}", response_model=ActorDetail, responses={404: {"description": "Unknown actor"}}
)
async def actor_detail(
    request: Request,
    _: Reader,
    name: str,
    since: Annotated[UtcDatetime | None, Query(description="Default: 24 hours ago.")] = None,
    alerts: Annotated[int, Query(ge=0, le=100, description="Recent alerts to include.")] = 10,
) -> ActorDetail:
    """One actor (by id, canonical name or alias): mentions and sentiment per time bucket,
    the aliases seen, and recent alerts naming it."""
    state = _ready(request)
    stats = state.book.find(name)
    if stats is None:
        raise HTTPException(404, "actor not seen in the statistics window")
    since = since or utcnow() - DEFAULT_WINDOW
    recent = state.view.older(AlertQuery(actor=stats.id, limit=alerts)) if alerts else []
    return ActorDetail(
        id=stats.id,
        name=stats.name,
        type=stats.type,
        aliases=list(stats.aliases),
        bucket_seconds=state.book.bucket_s,
        series=state.book.series(stats, since),
        recent_alerts=recent,
    )
