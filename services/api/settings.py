"""Settings of the api service."""

from __future__ import annotations

from pydantic import Field, field_validator

from services.core.analysis.nlp import DEFAULT_MODEL
from services.core.auth import Scope, mask_keys, validate_keys
from services.core.settings import CommonSettings


class ApiSettings(CommonSettings):
    """`WIREWATCH_API_*` plus the shared Kafka and topic settings."""

    api_host: str = "127.0.0.1"
    api_port: int = Field(8000, ge=0, le=65535)
    api_view_capacity: int = Field(
        100_000, ge=1, description="Alerts kept in memory; the oldest go first."
    )
    api_view_window_s: float = Field(
        30 * 86400, ge=0, description="Alerts older than this leave the view (0: no limit)."
    )
    api_keys: dict[str, list[Scope]] = Field(
        {}, description='JSON: {"key": ["read", "write", "admin"]}; admin implies the others.'
    )
    api_anonymous_read: bool = Field(False, description="Allow reads without a key.")
    api_rate_limit_per_s: float = Field(20.0, gt=0, description="Requests per second per key.")
    api_rate_limit_burst: int = Field(40, ge=1)
    api_cors_origins: list[str] = Field([], description="JSON list of allowed origins.")
    api_long_poll_max_s: float = Field(30.0, ge=0, description="Upper bound of `wait`.")
    api_sse_heartbeat_s: float = Field(15.0, gt=0)
    api_sse_queue_size: int = Field(1_000, ge=1, description="A client further behind is dropped.")
    api_actor_window_s: float = Field(7 * 86400, gt=0, description="Actor statistics kept.")
    api_actor_bucket_s: int = Field(3600, ge=60, description="Actor time-series bucket width.")
    api_actor_capacity: int = Field(50_000, ge=1, description="Actors kept; least recent go.")
    api_metrics_top_actors: int = Field(
        20, ge=0, le=500, description="Actors exported as metrics (most mentioned); 0: none."
    )
    api_metrics_actor_window_s: float = Field(
        3600, gt=0, description="Window of the exported actor metrics."
    )
    api_analyze_enabled: bool = True
    api_spacy_model: str = DEFAULT_MODEL
    api_webhook_group_id: str = "wirewatch-webhooks"
    api_webhook_max_attempts: int = Field(8, ge=1)
    api_webhook_backoff_s: float = Field(0.5, gt=0, description="First retry delay; doubles.")
    api_webhook_backoff_max_s: float = Field(30.0, gt=0)
    api_webhook_timeout_s: float = Field(5.0, gt=0)
    api_webhook_concurrency: int = Field(
        4, ge=1, le=100, description="Requests at a time to one subscription."
    )
    api_webhook_max_in_flight: int = Field(
        1_000,
        ge=1,
        le=100_000,
        description="Alerts being delivered before reading pauses (a slow receiver holds "
        "the others up only past this many).",
    )

    @field_validator("api_keys")
    @classmethod
    def _keys(cls, value: dict[str, list[Scope]]) -> dict[str, list[Scope]]:
        return validate_keys(value)

    def masked(self) -> dict[str, object]:
        data = super().masked()
        data["api_keys"] = mask_keys(self.api_keys)
        return data
