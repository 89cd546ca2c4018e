"""Settings of the enrich service."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from services.core.analysis.nlp import DEFAULT_MODEL
from services.core.settings import CommonSettings


class EnrichSettings(CommonSettings):
    """`WIREWATCH_ENRICH_*` plus the shared Kafka and topic settings."""

    enrich_group_id: str = "wirewatch-enrich"
    enrich_batch_size: int = Field(
        16, ge=1, le=1_000, description="Records per poll and NLP batch."
    )
    enrich_overlap: int = Field(
        4,
        ge=0,
        le=1_000,
        description="Articles per step of the two-stage analysis (spaCy beside scoring); 0: off.",
    )
    enrich_poll_timeout_ms: int = Field(500, ge=10, le=60_000)
    enrich_max_poll_interval_ms: int = Field(300_000, ge=10_000)
    enrich_session_timeout_ms: int = Field(10_000, ge=1_000)
    enrich_heartbeat_interval_ms: int = Field(3_000, ge=100)
    enrich_retry_backoff_s: float = Field(2.0, gt=0, le=300)
    enrich_transactional_id: str | None = Field(
        None,
        description="With exactly-once: the worker's transactional id, stable across its "
        "restarts; default: group id, host name and metrics port.",
    )
    enrich_transaction_timeout_ms: int = Field(
        30_000,
        ge=1_000,
        le=900_000,
        description="With exactly-once: how long a dead worker's open transaction holds "
        "back read_committed consumers if it is not restarted.",
    )
    enrich_story_window_s: float = Field(
        86_400,
        gt=0,
        description="Alerts read back at start to rebuild story state (one alert per story); "
        "keep it above the longest rule cooldown.",
    )
    enrich_metrics_host: str = "127.0.0.1"
    enrich_metrics_port: int = Field(8002, ge=0, le=65535)
    enrich_spacy_model: str = DEFAULT_MODEL
    enrich_languages: list[str] = Field(
        ["en"], description="JSON list; articles in other (known) languages are skipped."
    )
    enrich_rules_path: Path | None = Field(None, description="Alert rules YAML; default: bundled.")
    enrich_rules_reload_interval_s: float = Field(
        2.0, gt=0, description="How often the rule file is checked for changes."
    )
