"""Settings of the enrich service."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from wirewatch.core.analysis.entities.nlp import DEFAULT_MODEL
from wirewatch.core.settings import CommonSettings


class EnrichSettings(CommonSettings):
    """`WIREWATCH_ENRICH_*` plus the shared Kafka and topic settings."""

    enrich_group_id: str = Field("wirewatch-enrich", description="consumer group")
    enrich_batch_size: int = Field(
        16,
        ge=1,
        le=1_000,
        description=(
            "most records per poll and per `nlp.pipe` batch (a poll returns what is "
            "there: one article when idle, this many under backlog)"
        ),
    )
    enrich_overlap: int = Field(
        4,
        ge=0,
        le=1_000,
        description=(
            "articles per step of the two-stage analysis: spaCy parses the next step "
            "while two threads score the steps already parsed (the sentiment model "
            "releases the GIL, so the work spreads over two cores); `0`: one stage, one "
            "core"
        ),
    )
    enrich_poll_timeout_ms: int = Field(500, ge=10, le=60_000, description="poll timeout")
    enrich_max_poll_interval_ms: int = Field(
        300_000, ge=10_000, description="Kafka `max.poll.interval.ms`"
    )
    enrich_session_timeout_ms: int = Field(
        10_000, ge=1_000, description="Kafka `session.timeout.ms`"
    )
    enrich_heartbeat_interval_ms: int = Field(
        3_000, ge=100, description="Kafka `heartbeat.interval.ms`"
    )
    enrich_retry_backoff_s: float = Field(
        2.0,
        gt=0,
        le=300,
        description="pause before retrying a batch whose outputs were not acknowledged",
    )
    enrich_transactional_id: str | None = Field(
        None,
        json_schema_extra={"shown_default": "group id, host name and metrics port"},
        description=(
            "with exactly-once: the worker's transactional id; stable across its "
            "restarts, so a restarted worker fences the old one and aborts the "
            "transaction it left open at once"
        ),
    )
    enrich_transaction_timeout_ms: int = Field(
        30_000,
        ge=1_000,
        le=900_000,
        description=(
            "with exactly-once: how long a dead worker's open transaction holds back "
            "`read_committed` consumers if nothing restarts it"
        ),
    )
    enrich_story_window_s: float = Field(
        86_400,
        gt=0,
        description=(
            "alerts written in this many seconds before start are read back to rebuild "
            "story state (one alert per story); keep it above the longest rule cooldown "
            "(a warning says when it is not)"
        ),
    )
    enrich_metrics_host: str = Field(
        "127.0.0.1", description="listen address of `/metrics`, `/healthz` and `/readyz`"
    )
    enrich_metrics_port: int = Field(
        8002,
        ge=0,
        le=65535,
        description=(
            "their port (`wirewatch run --enrich-workers N` gives worker *i* this port + *i* − 1)"
        ),
    )
    enrich_spacy_model: str = Field(
        DEFAULT_MODEL, description="spaCy pipeline (package name or path)"
    )
    enrich_languages: list[str] = Field(
        ["en"],
        description=(
            "JSON list; articles in other known languages are skipped (unknown language "
            "is processed)"
        ),
    )
    enrich_rules_path: Path | None = Field(
        None,
        description=(
            "alert rules file; the api's `POST /v1/analyze` reads the same variable, so it "
            "raises the alerts enrich would (loaded at the api's start, not reloaded)"
        ),
        json_schema_extra={"shown_default": "bundled `services/data/rules.yaml`"},
    )
    enrich_rules_reload_interval_s: float = Field(
        2.0, gt=0, description="how often the rules file is checked for changes"
    )
