"""Settings every service shares: Kafka connection, topic names and logging."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Kafka's own rule for topic names (legal characters, at most 249 of them).
_TOPIC_RE = re.compile(r"^[A-Za-z0-9._-]{1,249}$")


class CommonSettings(BaseSettings):
    """Kafka, topics and logging; every service's settings class extends this one."""

    model_config = SettingsConfigDict(env_prefix="WIREWATCH_", extra="ignore")

    kafka_bootstrap_servers: str = Field(
        "127.0.0.1:9092", description="Comma-separated host:port list of Kafka brokers."
    )
    kafka_client_id: str = "wirewatch"
    kafka_request_timeout_ms: int = Field(15_000, ge=1_000, le=300_000)
    kafka_fetch_max_wait_ms: int = Field(
        100,
        ge=0,
        le=10_000,
        description="Longest a consumer's fetch waits at the broker for data: bounds the "
        "delay if the broker does not answer a waiting fetch as soon as data arrives.",
    )
    kafka_connect_timeout_s: float = Field(
        60.0, gt=0, description="How long a service waits for the broker at start."
    )
    kafka_exactly_once: Literal["auto", "on", "off"] = Field(
        "auto",
        description="Idempotent producers, and enrich's outputs and offsets in one transaction. "
        "auto: on where the broker supports it (Apache Kafka), at-least-once where it does not "
        "(Tansu), said at start; on: refuse to start without; off: at-least-once.",
    )
    topic_raw: str = "wirewatch.articles.raw.v1"
    topic_enriched: str = "wirewatch.articles.enriched.v1"
    topic_alerts: str = "wirewatch.alerts.v1"
    topic_dlq: str = "wirewatch.dlq.v1"
    topic_webhooks: str = Field(
        "wirewatch.webhooks.v1", description="Webhook subscriptions (keyed by id, last wins)."
    )
    topic_feeds: str = Field("wirewatch.feeds.v1", description="Feed definitions, keyed by name.")
    topic_feed_state: str = Field("wirewatch.feed-state.v1", description="Feed polling state.")
    topic_partitions: int = Field(3, ge=1, le=10_000)
    topic_replication_factor: int = Field(1, ge=1, le=10)
    topic_create: bool = Field(True, description="Create missing topics at start.")
    topic_retention_ms: int = Field(
        30 * 86_400_000,
        ge=-1,
        description="retention.ms of the data topics (raw, enriched, alerts, DLQ) this system "
        "creates; -1: forever. The store topics are compacted instead.",
    )
    actors_paths: list[Path] = Field(
        [], description="JSON list of alias-table YAML files read after the bundled one."
    )
    sentiment_method: Literal["model", "vader"] = Field(
        "model", description="Sentiment toward actors: the trained target model, or VADER."
    )
    sentiment_threads: int = Field(
        2,
        ge=1,
        le=64,
        description="Threads that share one article's sentiment targets (model method only).",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"

    @field_validator(
        "topic_raw",
        "topic_enriched",
        "topic_alerts",
        "topic_dlq",
        "topic_webhooks",
        "topic_feeds",
        "topic_feed_state",
    )
    @classmethod
    def _valid_topic(cls, value: str) -> str:
        if not _TOPIC_RE.match(value) or value in {".", ".."}:
            raise ValueError(f"invalid Kafka topic name: {value!r}")
        return value

    @field_validator("kafka_bootstrap_servers")
    @classmethod
    def _valid_bootstrap(cls, value: str) -> str:
        hosts = [h.strip() for h in value.split(",") if h.strip()]
        if not hosts or any(":" not in h for h in hosts):
            raise ValueError("expected host:port[,host:port...]")
        return ",".join(hosts)

    def all_topics(self) -> list[str]:
        """Every topic the system uses, in pipeline order."""
        return [
            self.topic_raw,
            self.topic_enriched,
            self.topic_alerts,
            self.topic_dlq,
            self.topic_webhooks,
            self.topic_feeds,
            self.topic_feed_state,
        ]

    def store_topics(self) -> list[str]:
        """Topics read as stores (the last record per key wins): compacted, never expired."""
        return [self.topic_webhooks, self.topic_feeds, self.topic_feed_state]

    def topic_configs(self) -> dict[str, dict[str, str]]:
        """The configs each topic must have: part of the deployment contract."""
        stores = set(self.store_topics())
        data = {"cleanup.policy": "delete", "retention.ms": str(self.topic_retention_ms)}
        return {
            t: {"cleanup.policy": "compact"} if t in stores else dict(data)
            for t in self.all_topics()
        }

    def masked(self) -> dict[str, object]:
        """The effective configuration, safe to log (secrets masked by pydantic)."""
        return self.model_dump(mode="json")
