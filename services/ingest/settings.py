"""Settings of the ingest service."""

from __future__ import annotations

import os
import socket
from pathlib import Path

from pydantic import Field, field_validator

from services.core.auth import Scope, mask_keys, validate_keys
from services.core.settings import CommonSettings


class IngestSettings(CommonSettings):
    """`WIREWATCH_INGEST_*` plus the shared Kafka and topic settings."""

    ingest_host: str = "127.0.0.1"
    ingest_port: int = Field(8001, ge=0, le=65535)
    ingest_max_body_bytes: int = Field(
        4 * 1024 * 1024, ge=1024, description="Larger request bodies get 413."
    )
    ingest_max_articles_per_request: int = Field(1_000, ge=1)
    ingest_publish_timeout_s: float = Field(
        15.0, gt=0, description="How long to wait for the broker's ack before answering 503."
    )
    ingest_dedup_capacity: int = Field(
        1_000_000, ge=1, description="Article ids remembered for exact de-duplication."
    )
    ingest_max_message_bytes: int = Field(
        900_000, ge=1024, description="Largest article message; keep under the broker's limit."
    )
    ingest_api_keys: dict[str, list[Scope]] = Field(
        {}, description='JSON: {"key": ["write"]}; "admin" manages feeds.'
    )
    ingest_allow_no_auth: bool = Field(
        False, description="Run without keys (everyone may write). Only for demos."
    )
    ingest_rate_limit_per_s: float = Field(50.0, gt=0, description="Requests a second per key.")
    ingest_rate_limit_burst: int = Field(100, ge=1)
    ingest_near_dup_threshold: float = Field(
        0.5, gt=0, le=1, description="Estimated Jaccard similarity that makes a near-duplicate."
    )
    ingest_near_dup_window_s: float = Field(7 * 86400, gt=0)
    ingest_near_dup_capacity: int = Field(200_000, ge=1, description="Articles in the index.")
    ingest_language_min_confidence: float = Field(0.9, ge=0, le=1)
    ingest_feeds_path: Path | None = Field(None, description="Feeds YAML, published at start.")
    ingest_feed_group_id: str = "wirewatch-feed-pollers"
    ingest_feed_concurrency: int = Field(8, ge=1, le=256)
    ingest_feed_timeout_s: float = Field(20.0, gt=0)
    ingest_feed_max_backoff_s: float = Field(3600.0, gt=0)
    ingest_feed_user_agent: str = "wirewatch-feed-poller/0.1"
    ingest_replica_id: str = Field(
        default_factory=lambda: f"{socket.gethostname()}-{os.getpid()}",
        description="Names this replica in the feed poller's User-Agent.",
    )

    @field_validator("ingest_api_keys")
    @classmethod
    def _keys(cls, value: dict[str, list[Scope]]) -> dict[str, list[Scope]]:
        return validate_keys(value)

    def masked(self) -> dict[str, object]:
        data = super().masked()
        data["ingest_api_keys"] = mask_keys(self.ingest_api_keys)
        return data

    def auth_problem(self) -> str | None:
        """Why the service must not start as configured, or None."""
        if self.ingest_api_keys or self.ingest_allow_no_auth:
            return None
        return (
            "no API keys configured (WIREWATCH_INGEST_API_KEYS); refusing to accept writes from "
            "anyone. Set WIREWATCH_INGEST_ALLOW_NO_AUTH=true to run without authentication."
        )
