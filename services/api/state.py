"""What the api's routes share: settings, the views built from topics, clients, tasks."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import Request

from wirewatch.api import metrics
from wirewatch.api.actors import ActorBook
from wirewatch.api.pages import PageCache
from wirewatch.api.security import make_guard
from wirewatch.api.settings import ApiSettings
from wirewatch.api.stream import StreamHub
from wirewatch.api.view import AlertView
from wirewatch.api.webhooks import Dispatcher, subscriptions
from wirewatch.core import kafka
from wirewatch.core.analysis.pipeline import Analyzer
from wirewatch.core.models import Alert, EnrichedArticle
from wirewatch.core.tail import TopicTail


class ApiState:
    def __init__(self, settings: ApiSettings):
        self.settings = settings
        self.guard = make_guard(settings)
        self.view = AlertView(settings.api_view_capacity, settings.api_view_window_s)
        self.pages = PageCache()
        self.raw_pages = PageCache()  # by raw query string, for the fast path
        self.hub = StreamHub(self.view, settings.api_sse_queue_size, settings.api_sse_heartbeat_s)
        self.book = ActorBook(
            settings.api_actor_window_s, settings.api_actor_bucket_s, settings.api_actor_capacity
        )
        self.registry = subscriptions(settings.topic_webhooks)
        self.dispatcher = Dispatcher(settings, self.registry)
        # Each view forgets what is older than its window: reading older records is waste.
        self.alerts_tail = TopicTail(
            settings,
            settings.topic_alerts,
            self._alert,
            kafka.lag_recorder(metrics.LAG),
            window_s=settings.api_view_window_s or None,
        )
        self.enriched_tail = TopicTail(
            settings, settings.topic_enriched, self._enriched, window_s=settings.api_actor_window_s
        )
        self.webhooks_tail = TopicTail(settings, settings.topic_webhooks, self.registry.apply)
        self.analyzer: Analyzer | None = None
        self.analyze_slots = asyncio.Semaphore(2)  # spaCy is CPU-bound: do not queue up threads
        self.tasks: list[asyncio.Task[None]] = []

    def _alert(self, record: Any) -> None:
        try:
            alert = Alert.model_validate_json(record.value or b"")
        except ValueError:
            metrics.ALERT_MESSAGES.labels("invalid").inc()
            return
        metrics.ALERT_MESSAGES.labels(self.view.add(alert)).inc()
        metrics.VIEW_ALERTS.set(len(self.view))

    def _enriched(self, record: Any) -> None:
        try:
            article = EnrichedArticle.model_validate_json(record.value or b"")
        except ValueError:
            metrics.ENRICHED_MESSAGES.labels("invalid").inc()
            return
        self.book.apply(article)
        metrics.ENRICHED_MESSAGES.labels("applied").inc()
        metrics.ACTORS.set(len(self.book))

    def loaded(self) -> bool:
        tails = (self.alerts_tail, self.enriched_tail, self.webhooks_tail)
        running = bool(self.tasks) and not any(t.done() for t in self.tasks)
        return running and all(t.caught_up.is_set() for t in tails)


def state_of(request: Request) -> ApiState:
    state: ApiState = request.app.state.api
    return state
