"""Prometheus metrics of the ingest service."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram, disable_created_metrics

# No `*_created` series: they double the series count and no panel or rule reads them.
disable_created_metrics()  # type: ignore[no-untyped-call]

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
REJECTED = Counter(
    "wirewatch_ingest_rejected_total",
    "Submissions refused, by reason: articles (invalid_json, invalid_field, empty_text) or "
    "whole requests (too_large, too_many, unauthorized, forbidden, rate_limited, not_ready).",
    ["reason"],
)
REJECT_REASONS = (
    "invalid_json",
    "invalid_field",
    "empty_text",
    "too_large",
    "too_many",
    "unsupported_type",
    "unauthorized",
    "forbidden",
    "rate_limited",
    "not_ready",
)
_BY_STATUS = {401: "unauthorized", 403: "forbidden", 413: "too_large", 429: "rate_limited"}
_BY_PROBLEM = {"json_invalid": "invalid_json", "empty_text": "empty_text"}


def rejected_status(status: int) -> None:
    """Count a request refused with this HTTP status (auth, size, rate)."""
    if status in _BY_STATUS:
        REJECTED.labels(_BY_STATUS[status]).inc()


def rejected_problem(kind: str) -> None:
    """Count one article refused for a validation problem of this kind."""
    REJECTED.labels(_BY_PROBLEM.get(kind, "invalid_field")).inc()


# Every bounded label value exists from the start, so rates read 0 rather than no data.
for _outcome in ("accepted", "near_duplicate", "duplicate", "rejected", "failed"):
    ARTICLES.labels(_outcome)
for _reason in REJECT_REASONS:
    REJECTED.labels(_reason)
BROKER_UP = Gauge(
    "wirewatch_ingest_broker_up", "1 while the broker answers this service's probe, else 0."
)
BROKER_LOST = Counter(
    "wirewatch_ingest_broker_connection_lost", "Times the broker stopped answering the probe."
)
