"""Settings of the api service."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from wirewatch.core.analysis.entities.nlp import DEFAULT_MODEL
from wirewatch.core.auth import ApiKeys
from wirewatch.core.settings import CommonSettings


class ApiSettings(CommonSettings):
    """`WIREWATCH_API_*` plus the shared Kafka and topic settings."""

    api_host: str = Field("127.0.0.1", description="api listen address")
    api_port: int = Field(8000, ge=0, le=65535, description="api port")
    api_view_capacity: int = Field(100_000, ge=1, description="alerts kept in the api's memory")
    api_view_window_s: float = Field(
        30 * 86400, ge=0, description="alerts older than this (30 days) leave the view; 0: no limit"
    )
    api_keys: ApiKeys = Field(
        {},
        description=(
            "JSON object: API key (16+ characters) → list of scopes (`read`, `write`, `admin`)"
        ),
    )
    api_anonymous_read: bool = Field(
        False, description="reads without a key (`wirewatch run` sets it to `true` unless set)"
    )
    api_rate_limit_per_s: float = Field(
        20.0, gt=0, description="requests a second per key (or anonymous address)"
    )
    api_rate_limit_burst: int = Field(40, ge=1, description="token-bucket size")
    api_cors_origins: list[str] = Field(
        [], description="JSON list of allowed origins (empty: no CORS)"
    )
    api_long_poll_max_s: float = Field(30.0, ge=0, description="upper bound of `wait`")
    api_sse_heartbeat_s: float = Field(
        15.0, gt=0, description="heartbeat comment interval on the stream"
    )
    api_sse_queue_size: int = Field(
        1_000, ge=1, description="events a stream client may fall behind before it is dropped"
    )
    api_actor_window_s: float = Field(7 * 86400, gt=0, description="actor statistics kept (7 days)")
    api_actor_bucket_s: int = Field(3600, ge=60, description="actor time-series bucket")
    api_actor_capacity: int = Field(
        50_000, ge=1, description="actors kept; the least recently seen go first"
    )
    api_metrics_top_actors: int = Field(
        20,
        ge=0,
        le=500,
        description=(
            "actors exported as `wirewatch_api_top_actor_*` metrics (most mentioned; 0: none)"
        ),
    )
    api_metrics_actor_window_s: float = Field(3600, gt=0, description="window of those metrics")
    api_analyze_enabled: bool = Field(
        True, description="load spaCy in the api and serve `POST /v1/analyze`"
    )
    api_spacy_model: str = Field(
        DEFAULT_MODEL,
        description="the model `POST /v1/analyze` uses (keep it equal to the enrich service's)",
    )
    # The enrich service's variable, read here too: /v1/analyze must analyse as enrich does.
    enrich_rules_path: Path | None = Field(
        None, description="alert rules file (the enrich setting of the same name)"
    )
    api_webhook_group_id: str = Field(
        "wirewatch-webhooks", description="consumer group that delivers webhooks"
    )
    api_webhook_max_attempts: int = Field(
        8, ge=1, description="attempts per delivery before giving up"
    )
    api_webhook_backoff_s: float = Field(0.5, gt=0, description="first retry delay (doubles)")
    api_webhook_backoff_max_s: float = Field(30.0, gt=0, description="longest retry delay")
    api_webhook_timeout_s: float = Field(5.0, gt=0, description="HTTP timeout of one delivery")
    api_webhook_concurrency: int = Field(
        4, ge=1, le=100, description="requests at a time to one subscription"
    )
    api_webhook_max_in_flight: int = Field(
        1_000,
        ge=1,
        le=100_000,
        description=(
            "alerts being delivered before the dispatcher stops reading (past this many, "
            "a slow receiver holds the others up)"
        ),
    )
