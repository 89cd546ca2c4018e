"""The api service's HTTP app: alerts, stream, actors, analysis, webhooks, health, metrics."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wirewatch.api import metrics
from wirewatch.api.fastpath import CachedPolls
from wirewatch.api.routers import actors, alerts, analyze, webhooks
from wirewatch.api.settings import ApiSettings
from wirewatch.api.state import ApiState, state_of
from wirewatch.core import kafka, openapi, problems
from wirewatch.core.analysis.pipeline import Analyzer
from wirewatch.core.brokerwatch import BrokerMetrics, BrokerWatch
from wirewatch.core.http import RateLimitHeaders, operations
from wirewatch.core.lifecycle import sleep_or_stop
from wirewatch.core.models import utcnow

log = logging.getLogger(__name__)
PRUNE_EVERY_S = 60.0


async def _prune(state: ApiState, stop: asyncio.Event) -> None:
    while not await sleep_or_stop(stop, PRUNE_EVERY_S):
        state.book.prune(utcnow())
        metrics.ACTORS.set(len(state.book))


async def _start(state: ApiState, stop: asyncio.Event) -> kafka.AIOKafkaProducer:
    settings = state.settings
    if settings.topic_create:
        await kafka.ensure_topics(settings)
    if settings.api_analyze_enabled:
        state.analyzer = await asyncio.to_thread(
            Analyzer.load,
            settings.api_spacy_model,
            settings.enrich_rules_path,
            settings.sentiment_method,
            settings.actors_paths,
            parallel=settings.sentiment_parallel(),
            entities=settings.entities_method,
        )
    producer = kafka.producer(settings, idempotent=await kafka.exactly_once(settings))
    await kafka.start_when_ready(producer, settings.kafka_connect_timeout_s, stop)
    state.registry.producer = producer
    watch = BrokerWatch(producer, BrokerMetrics(metrics.BROKER_UP, metrics.BROKER_LOST))
    for name, coro in (
        ("broker-watch", watch.run(stop)),
        ("alerts-tail", state.alerts_tail.run(stop)),
        ("enriched-tail", state.enriched_tail.run(stop)),
        ("webhooks-tail", state.webhooks_tail.run(stop)),
        ("prune", _prune(state, stop)),
        ("webhook-dispatch", _dispatch_when_ready(state, stop)),
    ):
        state.tasks.append(asyncio.create_task(coro, name=name))
    return producer


async def _dispatch_when_ready(state: ApiState, stop: asyncio.Event) -> None:
    # Subscriptions first: an alert read before them would be committed undelivered.
    await state.webhooks_tail.caught_up.wait()
    await state.dispatcher.run(stop)


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    state: ApiState = app.state.api
    stop = asyncio.Event()
    producer = await _start(state, stop)
    try:
        yield
    finally:
        stop.set()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.gather(*state.tasks, return_exceptions=True), 15)
        await producer.stop()


def create_app(settings: ApiSettings) -> FastAPI:
    app = FastAPI(
        title="wirewatch api",
        version="1",
        lifespan=_lifespan,
        description="Alerts, live stream, actors, ad-hoc analysis and webhooks of wirewatch.",
    )
    state = ApiState(settings)
    app.state.api = state
    metrics.TOP_ACTORS.source = functools.partial(_top_actors, state)
    app.state.guard = state.guard
    app.add_middleware(CachedPolls, state=state)
    app.add_middleware(RateLimitHeaders)  # outside the fast path: its answers get them too
    app.add_middleware(_Observe)  # added last: outermost, so it sees the fast path too
    if settings.api_cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.api_cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["X-API-Key", "Content-Type", "Last-Event-ID", "If-None-Match"],
            expose_headers=[
                "ETag",
                "Retry-After",
                "RateLimit-Limit",
                "RateLimit-Remaining",
                "RateLimit-Reset",
            ],
        )
    problems.install(app)
    openapi.complete(app, _etags, frozenset(state.guard.anonymous))
    for module in (alerts, actors, analyze, webhooks):
        app.include_router(module.router)

    app.include_router(operations(_readiness))
    return app


def _etags(schema: dict[str, Any]) -> None:
    """The alert page's ETag, which If-None-Match answers with 304."""
    ok = schema["paths"]["/v1/alerts"]["get"]["responses"]["200"]
    ok.setdefault("headers", {})["ETag"] = {
        "description": "the page's version; send it back in If-None-Match",
        "schema": {"type": "string"},
    }


async def _readiness(request: Request) -> dict[str, Any] | None:
    st = state_of(request)
    if not (st.loaded() and await st.alerts_tail.broker_reachable()):
        return None
    dispatch = "assigned" if st.dispatcher.assigned.is_set() else "joining"
    return {"alerts": len(st.view), "webhook_dispatch": dispatch}


def _top_actors(state: ApiState) -> list[metrics.ActorRow]:
    settings = state.settings
    if not settings.api_metrics_top_actors:
        return []
    since = datetime.now(UTC) - timedelta(seconds=settings.api_metrics_actor_window_s)
    rows = state.book.summary(since, None, settings.api_metrics_top_actors)
    return [(r.name, r.type, r.mentions, r.articles, r.sentiment) for r in rows]


class _Observe:
    """Counts requests and times them to the response's first byte, per route template.

    Plain ASGI rather than BaseHTTPMiddleware: that one copies every body through a
    memory stream, which cost more than the alert page itself.
    """

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def observe(message: Message) -> None:
            if message["type"] == "http.response.start":
                route = scope.get("route")
                template = getattr(route, "path", "unmatched")  # templates keep labels bounded
                metrics.REQUESTS.labels(template, str(message["status"])).inc()
                metrics.REQUEST_SECONDS.labels(template).observe(time.perf_counter() - started)
            await send(message)

        await self.app(scope, receive, observe)
