"""Settings every service shares: Kafka connection, topic names and logging."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from wirewatch.core import cpus
from wirewatch.core.analysis.entities.tagger import DEFAULT_ENTITIES, Entities

# The most threads `sentiment_threads=0` gives: an article has 26 targets on average, and a
# thread is handed at least 4, so more threads would rarely have anything to do.
AUTO_SENTIMENT_THREADS = 8
# Kafka's own rule for topic names (legal characters, at most 249 of them).
_TOPIC_RE = re.compile(r"^[A-Za-z0-9._-]{1,249}$")


class CommonSettings(BaseSettings):
    """Kafka, topics and logging; every service's settings class extends this one."""

    model_config = SettingsConfigDict(env_prefix="WIREWATCH_", extra="ignore")

    kafka_bootstrap_servers: str = Field(
        "127.0.0.1:9092",
        description=(
            "brokers, `host:port[,host:port]`. `wirewatch run` starts the embedded broker "
            "when this is unset"
        ),
    )
    kafka_client_id: str = Field("wirewatch", description="Kafka client id")
    kafka_request_timeout_ms: int = Field(
        15_000, ge=1_000, le=300_000, description="Kafka request timeout"
    )
    kafka_fetch_max_wait_ms: int = Field(
        100,
        ge=0,
        le=10_000,
        description=(
            "longest a consumer's fetch waits at the broker for data; bounds the delay "
            "where a broker does not answer a waiting fetch as soon as data arrives (idle "
            "fetches cost nothing to speak of on loopback)"
        ),
    )
    kafka_connect_timeout_s: float = Field(
        60.0, gt=0, description="how long a service waits for the broker at start before failing"
    )
    kafka_exactly_once: Literal["auto", "on", "off"] = Field(
        "auto",
        description=(
            "`auto`: idempotent producers in all services and enrich's outputs and input "
            "offsets in one transaction where the broker supports it (Apache Kafka), "
            "at-least-once where it does not (Tansu), said in the log at start; `on`: "
            "refuse to start without; `off`: at-least-once everywhere"
        ),
    )
    topic_raw: str = Field("wirewatch.articles.raw.v1", description="raw articles")
    topic_enriched: str = Field("wirewatch.articles.enriched.v1", description="enriched articles")
    topic_alerts: str = Field("wirewatch.alerts.v1", description="alerts")
    topic_dlq: str = Field("wirewatch.dlq.v1", description="dead letters")
    topic_webhooks: str = Field(
        "wirewatch.webhooks.v1", description="webhook subscriptions (the api's store)"
    )
    topic_feeds: str = Field("wirewatch.feeds.v1", description="feed definitions (ingest)")
    topic_feed_state: str = Field(
        "wirewatch.feed-state.v1", description="feed polling state (ingest)"
    )
    topic_partitions: int = Field(
        3, ge=1, le=10_000, description="partitions of topics this system creates"
    )
    topic_replication_factor: int = Field(
        1, ge=1, le=10, description="replication factor of topics this system creates"
    )
    topic_create: bool = Field(
        True,
        description=(
            "each service creates missing topics at start (off in the compose stack, "
            "where a one-shot service does it)"
        ),
    )
    topic_retention_ms: int = Field(
        30 * 86_400_000,
        ge=-1,
        description=(
            "`retention.ms` of the data topics (raw, enriched, alerts, DLQ) this system "
            "creates (30 days; -1: forever); the store topics (webhooks, feeds, feed "
            "state) are compacted instead"
        ),
    )
    actors_paths: list[Path] = Field(
        [],
        description=(
            "JSON list of alias-table YAML files read after the bundled "
            "`services/data/actors.yaml` (same format; later files win on the same id)"
        ),
    )
    sentiment_method: Literal["model", "vader"] = Field(
        "model",
        description=(
            "sentiment toward actors: `model` (the trained target-sentiment model, see "
            "Sentiment) or `vader` (sentence lexicon, the first method)"
        ),
    )
    entities_method: Entities = Field(
        DEFAULT_ENTITIES,
        description=(
            "person, organisation and place names: `tagger` (the trained entity tagger, "
            "MiniLM over spaCy's tokens and entities, see docs/entity-model.md) or `spacy` "
            "(spaCy's own NER)"
        ),
    )
    sentiment_threads: int = Field(
        0,
        ge=0,
        le=64,
        description=(
            "threads that share one article's sentiment targets (model only), so that an "
            "article alone on an idle worker uses every core; `0`: one per CPU this process "
            "may use (its CPU affinity, or a container's CPU limit where lower), at most "
            f"{AUTO_SENTIMENT_THREADS}; each target is still scored on its own, so scores "
            "do not change"
        ),
    )

    def sentiment_parallel(self) -> int:
        """`sentiment_threads`, with 0 resolved to the usable CPUs."""
        return cpus.threads(self.sentiment_threads, AUTO_SENTIMENT_THREADS)

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="DEBUG, INFO, WARNING, ERROR"
    )
    log_format: Literal["text", "json"] = Field(
        "text", description="`text` for terminals, `json` (one object per line) for production"
    )

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
        """The effective configuration, safe to log: API keys are SecretStr, named by their
        first four characters (ApiKeys); repr(settings) masks them too."""
        return self.model_dump(mode="json")
