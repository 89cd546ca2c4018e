"""The api service's HTTP app: GET /v1/alerts, health, readiness and metrics."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

from services.api import metrics
from services.api.settings import ApiSettings
from services.api.view import AlertQuery, AlertView
from services.core import kafka
from services.core.http import metrics_response
from services.core.models import Alert, Severity, UtcDatetime
from services.core.tail import TopicTail

log = logging.getLogger(__name__)


class AlertList(BaseModel):
    count: int
    alerts: list[Alert]


class ApiState:
    """The view and the reader that fills it from the alerts topic."""

    def __init__(self, settings: ApiSettings):
        self.settings = settings
        self.view = AlertView(settings.api_view_capacity)
        self.tail = TopicTail(settings, settings.topic_alerts, self._apply, self._lag)
        self.task: asyncio.Task[None] | None = None

    def _apply(self, record: Any) -> None:
        try:
            alert = Alert.model_validate_json(record.value or b"")
        except ValidationError:
            metrics.ALERT_MESSAGES.labels("invalid").inc()
            log.warning("invalid alert at %s[%d]@%d", record.topic, record.partition, record.offset)
            return
        metrics.ALERT_MESSAGES.labels(self.view.add(alert)).inc()
        metrics.VIEW_ALERTS.set(len(self.view))

    @staticmethod
    def _lag(tp: Any, lag: int) -> None:
        metrics.LAG.labels(tp.topic, str(tp.partition)).set(lag)

    def loaded(self) -> bool:
        return self.task is not None and not self.task.done() and self.tail.caught_up.is_set()


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    state: ApiState = app.state.api
    if state.settings.topic_create:
        await kafka.ensure_topics(state.settings)
    stop = asyncio.Event()
    state.task = asyncio.create_task(state.tail.run(stop), name="alerts-topic-tail")
    try:
        yield
    finally:
        stop.set()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(state.task, 10)


def create_app(settings: ApiSettings) -> FastAPI:
    app = FastAPI(title="wirewatch api", version="1", lifespan=_lifespan)
    app.state.api = ApiState(settings)
    app.middleware("http")(_observe)

    @app.get("/v1/alerts", response_model=AlertList)
    async def list_alerts(
        request: Request,
        since: Annotated[
            UtcDatetime | None, Query(description="Alerts created at or after.")
        ] = None,
        severity: Annotated[list[Severity] | None, Query()] = None,
        rule: Annotated[list[str] | None, Query(max_length=64)] = None,
        actor: Annotated[str | None, Query(max_length=200)] = None,
        limit: Annotated[int, Query(ge=1, le=1_000)] = 100,
    ) -> AlertList:
        """Recent alerts, newest first, filtered by time, severity, rule and actor."""
        state: ApiState = request.app.state.api
        if not state.tail.caught_up.is_set():
            raise HTTPException(503, "the alert view is still loading", {"Retry-After": "2"})
        q = AlertQuery(since, frozenset(severity or ()), frozenset(rule or ()), actor, limit)
        alerts = state.view.query(q)
        return AlertList(count=len(alerts), alerts=alerts)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz(request: Request) -> JSONResponse:
        state: ApiState = request.app.state.api
        if state.loaded() and await state.tail.broker_reachable():
            return JSONResponse({"status": "ready", "alerts": len(state.view)})
        return JSONResponse({"status": "not ready"}, status_code=503)

    @app.get("/metrics")
    async def prometheus() -> Response:
        return metrics_response()

    return app


async def _observe(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    started = time.perf_counter()
    response = await call_next(request)
    route = request.scope.get("route")
    template = getattr(route, "path", "unmatched")  # templates keep the label bounded
    metrics.REQUESTS.labels(template, str(response.status_code)).inc()
    metrics.REQUEST_SECONDS.labels(template).observe(time.perf_counter() - started)
    return response
