"""Prometheus metrics of the ingest service."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

ARTICLES = Counter(
    "wirewatch_ingest_articles_total",
    "Articles received, by outcome (accepted, near_duplicate, duplicate, rejected, failed).",
    ["outcome"],
)
REQUESTS = Counter(
    "wirewatch_ingest_requests_total",
    "Article submission requests, by HTTP status code.",
    ["status"],
)
PUBLISH_SECONDS = Histogram(
    "wirewatch_ingest_publish_seconds",
    "Time from receiving a request to the broker acknowledging all its articles.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
LAG = Gauge(
    "wirewatch_ingest_consumer_lag_messages",
    "Raw-topic messages not yet read into the de-duplication state, per partition.",
    ["topic", "partition"],
)
KNOWN_IDS = Gauge(
    "wirewatch_ingest_known_articles",
    "Article ids held for de-duplication (rebuilt from the raw topic at start).",
)
FEED_ENTRIES = Counter(
    "wirewatch_ingest_feed_entries_total", "New feed entries seen, per feed.", ["feed"]
)
FEED_ARTICLES = Counter(
    "wirewatch_ingest_feed_articles_total", "Articles published from a feed, per feed.", ["feed"]
)
FEED_ERRORS = Counter(
    "wirewatch_ingest_feed_errors_total",
    "Failed polls, per feed and kind (http_4xx, http_5xx, timeout, connect, parse, internal).",
    ["feed", "kind"],
)
FEED_LAST_SUCCESS = Gauge(
    "wirewatch_ingest_feed_last_success_timestamp_seconds",
    "Unix time of the feed's last successful poll (by this replica).",
    ["feed"],
)
