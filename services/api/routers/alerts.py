"""GET /v1/alerts (pages, long-poll, ETags), /v1/alerts/{id}, /v1/alerts/stream (SSE)."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request, Response
from fastapi.responses import StreamingResponse

from wirewatch.api import pages
from wirewatch.api.cursor import BadCursor, Position
from wirewatch.api.responses import AlertPage
from wirewatch.api.security import require
from wirewatch.api.state import ApiState, state_of
from wirewatch.api.view import AlertQuery
from wirewatch.core.models import Alert, Severity, UtcDatetime

router = APIRouter(prefix="/v1", tags=["alerts"])
Reader = Annotated[str, Depends(require("read"))]


async def _query(
    since: Annotated[
        UtcDatetime | None, Query(description="Created at or after (ISO 8601).")
    ] = None,
    until: Annotated[UtcDatetime | None, Query(description="Created before (ISO 8601).")] = None,
    severity: Annotated[list[Severity] | None, Query(description="One or many.")] = None,
    rule: Annotated[list[str] | None, Query(description="Rule ids, one or many.")] = None,
    tag: Annotated[list[str] | None, Query(description="Rule tags, one or many.")] = None,
    actor: Annotated[str | None, Query(max_length=200, description="Name or actor id.")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Text in the title.")] = None,
    limit: Annotated[int, Query(ge=1, le=1_000)] = 100,
) -> AlertQuery:
    return AlertQuery(
        since,
        until,
        frozenset(severity or ()),
        frozenset(rule or ()),
        frozenset(tag or ()),
        actor,
        q,
        limit,
    )


Filters = Annotated[AlertQuery, Depends(_query)]


def _position(token: str | None, name: str) -> Position | None:
    if token is None:
        return None
    try:
        return Position.decode(token)
    except BadCursor as exc:
        # A bad cursor is a bad parameter like any other: 422.
        raise HTTPException(422, f"invalid {name}: not a cursor this api issued") from exc


def _loaded(request: Request) -> ApiState:
    state = state_of(request)
    if not state.alerts_tail.caught_up.is_set():
        raise HTTPException(503, "the alert view is still loading", {"Retry-After": "2"})
    return state


async def _fields(
    fields: Annotated[
        str | None,
        Query(
            max_length=1_000,
            # In the schema only: parse_fields' own message names the fields that exist.
            json_schema_extra={"pattern": pages.FIELDS_PATTERN},
            description="Comma-separated alert fields to return (`id` always comes), or "
            "`summary` for a compact page; default: whole alerts.",
        ),
    ] = None,
) -> tuple[str, ...] | None:
    try:
        return pages.parse_fields(fields)
    except pages.BadFields as exc:
        raise HTTPException(422, str(exc)) from exc


@router.get("/alerts", response_model=AlertPage, responses={304: {"description": "Not modified"}})
async def list_alerts(
    request: Request,
    response: Response,
    _: Reader,
    query: Filters,
    cursor: Annotated[
        str | None, Query(max_length=500, description="`next_cursor` of a page.")
    ] = None,
    after: Annotated[
        str | None, Query(max_length=500, description="`head` of an earlier answer.")
    ] = None,
    wait: Annotated[float, Query(ge=0, le=60, description="Long-poll: seconds to wait.")] = 0,
    fields: Annotated[tuple[str, ...] | None, Depends(_fields)] = None,
    if_none_match: Annotated[str | None, Header()] = None,
) -> AlertPage | Response:
    """Alerts newest first (or, with `after`, those that arrived since, oldest first).

    With `wait`, an empty answer is held until a matching alert arrives or the time
    is up. With `If-None-Match` equal to the ETag of the same answer: 304. With
    `fields`, each alert has only those fields (`fields=summary`: a compact page).
    """
    state = _loaded(request)
    before, since = _position(cursor, "cursor"), _position(after, "after")
    deadline = time.monotonic() + min(wait, state.settings.api_long_poll_max_s)
    key = (query, cursor, after, fields)
    while True:
        version = state.view.version
        page = state.pages.get(key, version)
        if page is None:
            page = _page(state, query, before, since, fields)
            state.pages.put(key, version, page)
        state.raw_pages.put((request.scope["query_string"],), version, page)
        remaining = deadline - time.monotonic()
        if not page.empty or remaining <= 0 or before is not None:
            break
        if state.view.version == version:
            await state.view.wait_change(remaining)
    if if_none_match is not None and page.etag in {t.strip() for t in if_none_match.split(",")}:
        return Response(status_code=304, headers={"ETag": page.etag})
    return Response(page.body, media_type="application/json", headers={"ETag": page.etag})


def _page(
    state: ApiState,
    query: AlertQuery,
    before: Position | None,
    after: Position | None,
    fields: tuple[str, ...] | None,
) -> pages.Page:
    view = state.view
    if after is not None:
        alerts = view.newer(query, after)
        head = view.position(alerts[-1].id) if len(alerts) == query.limit else view.head()
        return pages.build(alerts, view.json, fields, None, head.encode())
    alerts = view.older(query, before)
    more = len(alerts) == query.limit
    return pages.build(
        alerts,
        view.json,
        fields,
        view.position(alerts[-1].id).encode() if more else None,
        view.head().encode() if before is None else None,
    )


@router.get(
    "/alerts/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def stream_alerts(
    request: Request,
    _: Reader,
    query: Filters,
    last_event_id: Annotated[str | None, Header(max_length=500)] = None,
) -> StreamingResponse:
    """Server-Sent Events: `event: alert`, `id:` a resumable position, `data:` the alert.

    Reconnect with `Last-Event-ID` to get what was missed. Heartbeat comments keep
    the connection alive; a client that falls too far behind is disconnected.
    """
    state = _loaded(request)
    last = _position(last_event_id, "Last-Event-ID")
    return StreamingResponse(
        state.hub.events(query, last),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.get(
    "/alerts/{alert_id}", response_model=Alert, responses={404: {"description": "Unknown alert"}}
)
async def get_alert(request: Request, _: Reader, alert_id: str) -> Alert:
    """One alert with everything that explains it (latest revision)."""
    alert = _loaded(request).view.get(alert_id)
    if alert is None:
        raise HTTPException(404, "no such alert in the view")
    return alert
