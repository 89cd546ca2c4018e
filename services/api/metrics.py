"""Prometheus metrics of the api service."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import REGISTRY, Counter, Gauge, Histogram, disable_created_metrics
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

# No `*_created` series: they double the series count and no panel or rule reads them.
disable_created_metrics()  # type: ignore[no-untyped-call]

ALERT_MESSAGES = Counter(
    "wirewatch_api_alert_messages_total",
    "Alert-topic messages read into the view, by outcome (added, updated, duplicate, invalid).",
    ["outcome"],
)
VIEW_ALERTS = Gauge("wirewatch_api_view_alerts", "Alerts held in the in-memory view.")
LAG = Gauge(
    "wirewatch_api_consumer_lag_messages",
    "Messages between the view's reader and the high watermark, per partition.",
    ["topic", "partition"],
)
REQUESTS = Counter(
    "wirewatch_api_requests_total",
    "HTTP requests, by route template and status code.",
    ["route", "status"],
)
REQUEST_SECONDS = Histogram(
    "wirewatch_api_request_seconds",
    "HTTP request duration, by route template.",
    ["route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
RATE_LIMITED = Counter("wirewatch_api_rate_limited_total", "Requests answered 429.")
SSE_CLIENTS = Gauge("wirewatch_api_sse_clients", "Clients connected to the alert stream.")
SSE_DROPPED = Counter(
    "wirewatch_api_sse_dropped_total", "Stream clients dropped for falling too far behind."
)
ENRICHED_MESSAGES = Counter(
    "wirewatch_api_enriched_messages_total",
    "Enriched-article messages read into the actor statistics, by outcome (applied, invalid).",
    ["outcome"],
)
ACTORS = Gauge("wirewatch_api_actors", "Actors held in the actor statistics.")
WEBHOOK_DELIVERIES = Counter(
    "wirewatch_api_webhook_deliveries_total",
    "Webhook delivery attempts, by outcome (delivered, retried, gave_up).",
    ["outcome"],
)
WEBHOOK_SECONDS = Histogram(
    "wirewatch_api_webhook_delivery_seconds",
    "Time from reading an alert to its webhook delivered (or given up).",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
WEBHOOK_SUBSCRIPTIONS = Gauge(
    "wirewatch_api_webhook_subscriptions", "Active webhook subscriptions."
)


# (name, type, mentions, articles, mean sentiment) of the top actors, most mentioned first.
ActorRow = tuple[str, str, int, int, float]


class TopActors(Collector):
    """The most mentioned actors of the last window, read from the actor book at scrape time.

    Only the top N are exported, so the `actor` label stays bounded (N series per metric,
    whatever the news); the full statistics are on GET /v1/actors.
    """

    def __init__(self) -> None:
        self.source: Callable[[], list[ActorRow]] = list

    def collect(self) -> Iterator[GaugeMetricFamily]:
        rows = self.source()
        families = (
            ("mentions", "Mentions in the last window, for the top actors by mentions.", 2),
            ("articles", "Articles naming the actor in the last window, for the top actors.", 3),
            ("sentiment", "Mean article-level sentiment toward the actor (-1..1), top actors.", 4),
        )
        for name, doc, column in families:
            family = GaugeMetricFamily(
                f"wirewatch_api_top_actor_{name}", doc, labels=["actor", "type"]
            )
            for row in rows:
                family.add_metric([row[0], row[1]], float(row[column]))
            yield family


TOP_ACTORS = TopActors()
REGISTRY.register(TOP_ACTORS)
for _outcome in ("added", "updated", "duplicate", "invalid"):
    ALERT_MESSAGES.labels(_outcome)
for _outcome in ("delivered", "retried", "gave_up"):
    WEBHOOK_DELIVERIES.labels(_outcome)
for _outcome in ("applied", "invalid"):
    ENRICHED_MESSAGES.labels(_outcome)
BROKER_UP = Gauge(
    "wirewatch_api_broker_up", "1 while the broker answers this service's probe, else 0."
)
BROKER_LOST = Counter(
    "wirewatch_api_broker_connection_lost", "Times the broker stopped answering the probe."
)
