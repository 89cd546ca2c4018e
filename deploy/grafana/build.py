"""Writes the Grafana dashboards of deploy/grafana/dashboards from the panel lists below.

Run `python deploy/grafana/build.py` after editing; a test checks the JSON files are current.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATASOURCE = {"type": "prometheus", "uid": "wirewatch-prometheus"}
OUT = Path(__file__).resolve().parent / "dashboards"

# (title, question it answers, unit, [(expr, legend)])
Panel = tuple[str, str, str, list[tuple[str, str]]]

OVERVIEW: list[Panel] = [
    (
        "Articles in",
        "How many articles does ingest accept, and how many are duplicates or rejected?",
        "reqps",
        [
            (
                "sum by (outcome) (rate(wirewatch_ingest_articles_total[$__rate_interval]))",
                "{{outcome}}",
            )
        ],
    ),
    (
        "Alerts out",
        "How many alerts are raised, by severity?",
        "ops",
        [
            (
                "sum by (severity) (rate(wirewatch_enrich_alerts_total[$__rate_interval]))",
                "{{severity}}",
            )
        ],
    ),
    (
        "End-to-end latency",
        "How long from ingest to a published alert (p50, p95, p99)?",
        "s",
        [
            (
                f'histogram_quantile({q}, sum by (le) (rate(wirewatch_enrich_end_to_end_seconds_bucket{{output="alert"}}[$__rate_interval])))',
                f"p{int(q * 100)}",
            )
            for q in (0.5, 0.95, 0.99)
        ],
    ),
    (
        "Consumer lag",
        "How far behind is enrichment?",
        "short",
        [("wirewatch:enrich_consumer_lag_messages:sum", "{{topic}}")],
    ),
    (
        "Errors",
        "Are articles failing, dead-lettered or rejected?",
        "ops",
        [
            (
                "sum by (reason) (rate(wirewatch_enrich_dlq_total[$__rate_interval]))",
                "dlq {{reason}}",
            ),
            (
                'sum(rate(wirewatch_ingest_articles_total{outcome="failed"}[$__rate_interval]))',
                "ingest failed",
            ),
            (
                "sum by (reason) (rate(wirewatch_ingest_rejected_total[$__rate_interval]))",
                "rejected {{reason}}",
            ),
        ],
    ),
]
PIPELINE: list[Panel] = [
    (
        "Ingest publish time",
        "How long does a sender wait for the broker's ack (p95)?",
        "s",
        [
            (
                "histogram_quantile(0.95, sum by (le) (rate(wirewatch_ingest_publish_seconds_bucket[$__rate_interval])))",
                "p95",
            )
        ],
    ),
    (
        "Enrich stage time",
        "Where does a batch spend its time?",
        "s",
        [
            (
                "sum by (stage) (rate(wirewatch_enrich_stage_seconds_sum[$__rate_interval])) / sum by (stage) (rate(wirewatch_enrich_stage_seconds_count[$__rate_interval]))",
                "{{stage}}",
            )
        ],
    ),
    (
        "Enrich outcomes",
        "What happens to raw messages?",
        "ops",
        [
            (
                "sum by (outcome) (rate(wirewatch_enrich_messages_total[$__rate_interval]))",
                "{{outcome}}",
            )
        ],
    ),
    (
        "Lag per partition",
        "Which partitions fall behind?",
        "short",
        [("wirewatch_enrich_consumer_lag_messages", "{{topic}}[{{partition}}]")],
    ),
    (
        "Since last commit",
        "Is the consumer group still committing?",
        "s",
        [("time() - max(wirewatch_enrich_last_commit_timestamp_seconds)", "seconds")],
    ),
    (
        "Rebalances",
        "Is the group rebalancing?",
        "short",
        [("sum(increase(wirewatch_enrich_rebalances_total[$__rate_interval]))", "rebalances")],
    ),
    (
        "Group members",
        "How many enrich workers share the raw topic, and do they own all its partitions?",
        "short",
        [
            ("wirewatch:enrich_group_members:count", "members"),
            ("sum(wirewatch_enrich_assigned_partitions)", "partitions assigned"),
        ],
    ),
    (
        "End-to-end latency by output",
        "How long from ingest to the enriched article and to the alert (p95)?",
        "s",
        [
            (
                "histogram_quantile(0.95, sum by (le, output) (rate(wirewatch_enrich_end_to_end_seconds_bucket[$__rate_interval])))",
                "{{output}} p95",
            )
        ],
    ),
    (
        "API requests",
        "Which routes are used and how do they answer?",
        "reqps",
        [
            (
                "sum by (route, status) (rate(wirewatch_api_requests_total[$__rate_interval]))",
                "{{route}} {{status}}",
            )
        ],
    ),
    (
        "Stream clients and webhooks",
        "Who follows alerts live, and do webhooks get through?",
        "short",
        [
            ("wirewatch_api_sse_clients", "SSE clients"),
            (
                "sum by (outcome) (increase(wirewatch_api_webhook_deliveries_total[$__rate_interval]))",
                "webhook {{outcome}}",
            ),
        ],
    ),
    (
        "Feed health",
        "When did each feed last succeed?",
        "s",
        [("time() - wirewatch_ingest_feed_last_success_timestamp_seconds", "{{feed}}")],
    ),
]
# Each api replica exports the same top actors: max by merges them.
TOP = "topk(10, max by (actor, type) (wirewatch_api_top_actor_mentions))"
ACTORS: list[Panel] = [
    (
        "Top actors by mentions",
        "Who is in the news now (mentions in the last hour, top 10)?",
        "short",
        [(TOP, "{{actor}}")],
    ),
    (
        "Sentiment toward the top actors",
        "Is the news about today's top actors turning positive or negative (-1..1)?",
        "none",
        [
            (
                f"max by (actor, type) (wirewatch_api_top_actor_sentiment) and on (actor, type) {TOP}",
                "{{actor}}",
            )
        ],
    ),
    (
        "Actor resolution",
        "Are the actors in the news known to the alias table, matched fuzzily, or new?",
        "ops",
        [
            (
                "sum by (match) (rate(wirewatch_enrich_actor_matches_total[$__rate_interval]))",
                "{{match}}",
            )
        ],
    ),
    (
        "Quotes",
        "How many quotes are found, and how many get a speaker?",
        "ops",
        [
            (
                "sum by (kind, speaker) (rate(wirewatch_enrich_quotes_total[$__rate_interval]))",
                "{{kind}} speaker={{speaker}}",
            )
        ],
    ),
    (
        "Alerts by rule",
        "Which rules fire most?",
        "ops",
        [("sum by (rule) (rate(wirewatch_enrich_alerts_total[$__rate_interval]))", "{{rule}}")],
    ),
    (
        "Actors tracked",
        "How many actors does the api follow?",
        "short",
        [("wirewatch_api_actors", "actors")],
    ),
    (
        "Alerts in view",
        "How many alerts can clients query?",
        "short",
        [("wirewatch_api_view_alerts", "alerts")],
    ),
]


def _panel(index: int, panel: Panel) -> dict[str, Any]:
    title, question, unit, targets = panel
    return {
        "id": index + 1,
        "type": "timeseries",
        "title": title,
        "description": question,
        "datasource": DATASOURCE,
        "gridPos": {"h": 8, "w": 12, "x": (index % 2) * 12, "y": (index // 2) * 8},
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "targets": [
            {"refId": chr(65 + i), "datasource": DATASOURCE, "expr": expr, "legendFormat": legend}
            for i, (expr, legend) in enumerate(targets)
        ],
    }


def dashboard(uid: str, title: str, panels: list[Panel]) -> dict[str, Any]:
    return {
        "uid": uid,
        "title": title,
        "tags": ["wirewatch"],
        "timezone": "utc",
        "schemaVersion": 39,
        "version": 1,
        "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "panels": [_panel(i, p) for i, p in enumerate(panels)],
    }


DASHBOARDS = {
    "overview": dashboard("wirewatch-overview", "wirewatch / overview", OVERVIEW),
    "pipeline": dashboard("wirewatch-pipeline", "wirewatch / pipeline", PIPELINE),
    "actors": dashboard("wirewatch-actors", "wirewatch / actors and rules", ACTORS),
}


def render(name: str) -> str:
    return json.dumps(DASHBOARDS[name], indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    for name in DASHBOARDS:
        (OUT / f"{name}.json").write_text(render(name))
