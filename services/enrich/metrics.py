"""Prometheus metrics of the enrich service."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram, disable_created_metrics

from wirewatch.core.models import EnrichedArticle

# No `*_created` series: they double the series count and no panel or rule reads them.
disable_created_metrics()  # type: ignore[no-untyped-call]

MESSAGES = Counter(
    "wirewatch_enrich_messages_total",
    "Raw-topic messages handled, by outcome (enriched, dlq, skipped_language).",
    ["outcome"],
)
DLQ = Counter(
    "wirewatch_enrich_dlq_total",
    "Messages sent to the dead-letter topic, by reason.",
    ["reason"],
)
ALERTS = Counter(
    "wirewatch_enrich_alerts_total",
    "Alerts published, by rule, severity and outcome (new, related: joined a story).",
    ["rule", "severity", "outcome"],
)
RULE_RELOADS = Counter(
    "wirewatch_enrich_rule_reloads_total",
    "Rule file reloads, by outcome (ok, error: the last good rule set stays).",
    ["outcome"],
)
RULES = Gauge("wirewatch_enrich_rules", "Rules in the active rule set.")
STORIES = Gauge("wirewatch_enrich_stories", "Stories held for one-alert-per-story.")
STAGE_SECONDS = Histogram(
    "wirewatch_enrich_stage_seconds",
    "Time per batch spent in each stage "
    "(decode, nlp, entities with the tagger, actors, sentiment, quotes, rules, produce, commit).",
    ["stage"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
ARTICLE_SECONDS = Histogram(
    "wirewatch_enrich_processing_seconds",
    "Per article, from the poll of its batch to its outputs being acknowledged (an article "
    "waits for its whole batch, so each article of a batch observes the same time).",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
LAG = Gauge(
    "wirewatch_enrich_consumer_lag_messages",
    "Messages between the consumer's position and the high watermark, per partition.",
    ["topic", "partition"],
)
LAST_COMMIT = Gauge(
    "wirewatch_enrich_last_commit_timestamp_seconds",
    "Unix time of the last successful offset commit.",
)
FAILURES = Counter(
    "wirewatch_enrich_batch_failures_total",
    "Batches retried because the broker did not acknowledge the outputs.",
)
END_TO_END = Histogram(
    "wirewatch_enrich_end_to_end_seconds",
    "Ingest acceptance to output acknowledged, by output (enriched, alert).",
    ["output"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900),
)
REBALANCES = Counter("wirewatch_enrich_rebalances_total", "Partition assignments received.")
ASSIGNED = Gauge("wirewatch_enrich_assigned_partitions", "Raw-topic partitions this worker owns.")

ACTOR_MATCHES = Counter(
    "wirewatch_enrich_actor_matches_total",
    "Actors of enriched articles, by how they were resolved (alias, fuzzy, article: not in the "
    "alias table; candidate: not in it, but resembling a known actor).",
    ["match"],
)
QUOTES = Counter(
    "wirewatch_enrich_quotes_total",
    "Quotes found, by kind (direct, reported) and whether a speaker was found (yes, no).",
    ["kind", "speaker"],
)


def count_actors(article: EnrichedArticle) -> None:
    """Count how the article's actors were resolved and its quotes attributed."""
    for actor in article.actors:
        ACTOR_MATCHES.labels(actor.match).inc()
        if actor.candidates:
            ACTOR_MATCHES.labels("candidate").inc()
    for quote in article.quotes:
        QUOTES.labels(quote.kind, "yes" if quote.speaker_id else "no").inc()


# Every bounded label value exists from the start, so rates read 0 rather than no data.
for _outcome in ("enriched", "dlq", "skipped_language"):
    MESSAGES.labels(_outcome)
for _reason in ("invalid_message", "processing_error"):
    DLQ.labels(_reason)
for _output in ("enriched", "alert"):
    END_TO_END.labels(_output)
for _match in ("alias", "fuzzy", "article", "candidate"):
    ACTOR_MATCHES.labels(_match)
for _kind in ("direct", "reported"):
    for _speaker in ("yes", "no"):
        QUOTES.labels(_kind, _speaker)
for _outcome in ("ok", "error"):
    RULE_RELOADS.labels(_outcome)
BROKER_UP = Gauge(
    "wirewatch_enrich_broker_up", "1 while the broker answers this service's probe, else 0."
)
BROKER_LOST = Counter(
    "wirewatch_enrich_broker_connection_lost", "Times the broker stopped answering the probe."
)
