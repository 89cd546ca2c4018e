"""Prometheus metrics of the api service."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

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
